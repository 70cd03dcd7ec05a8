import type { ErrorCode } from "./catalogue.js";
import type { Issue } from "./issue.js";

const brand = Symbol.for("oar-ha.error");

/** The one error type oar-ha throws on purpose. Carries a catalogue code (only those compile) and the issues behind it. */
export class OarHaError extends Error {
  readonly [brand] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: readonly Issue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OarHaError";
  }
}

/** Brand check: works across bundled copies where `instanceof` would not. */
export function isOarHaError(e: unknown): e is OarHaError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}
