import { catalogue, type CatalogueKey } from "./catalogue.js";

export type Severity = "error" | "warning";

/** One problem found in the input: what, where (field path, and file position when known), and how to fix it. */
export interface Issue {
  readonly code: string;
  readonly severity: Severity;
  /** Dotted field path, e.g. `nodes[1].address`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export function issue(
  key: CatalogueKey,
  path: string,
  message: string,
  fix: string,
  severity: Severity = "error",
): Issue {
  return { code: catalogue[key].code, severity, path, message, fix };
}

export const hasErrors = (issues: readonly Issue[]): boolean => issues.some((i) => i.severity === "error");

/** `file:line:col: error OARHA203 vips.oar.address: message\n  fix: ...` */
export function formatIssue(i: Issue): string {
  const where = i.file ? `${i.file}${i.line ? `:${i.line}:${i.column ?? 1}` : ""}: ` : "";
  const field = i.path ? `${i.path}: ` : "";
  return `${where}${i.severity} ${i.code} ${field}${i.message}\n  fix: ${i.fix}`;
}

/** Dotted path from a zod/yaml path array: ["nodes", 1, "address"] -> "nodes[1].address". */
export function pathToString(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
