import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The log-sync agent program that apply installs on the OAR servers: next to the bundled
 * `oar-ha` (its build copies it there), or, in the workspace, the built @oar-ha/log-sync.
 */
export function findLogSyncAgent(): Uint8Array | undefined {
  const candidates: (string | URL)[] = [new URL("./oar-ha-log-sync.js", import.meta.url)];
  try {
    candidates.push(
      join(dirname(createRequire(import.meta.url).resolve("@oar-ha/log-sync/package.json")), "dist/cli.js"),
    );
  } catch {
    // bundled: no node_modules, the copy next to the program is the one
  }
  for (const c of candidates) {
    try {
      return readFileSync(c);
    } catch {
      // try the next place
    }
  }
  return undefined;
}
