import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import {
  OarHaError,
  catalogue,
  completeSecrets,
  parseSecrets,
  serializeSecrets,
  type Issue,
  type Secrets,
} from "@oar-ha/core";

export async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OarHaError(
      catalogue.FileUnreadable.code,
      `cannot read the ${what} ${file}: ${code === "ENOENT" ? "no such file" : String(code)}` +
        (code === "ENOENT" && what === "cluster file"
          ? "\n  fix: pass the file's path, or create one with `oar-ha init`"
          : ""),
      [],
      { cause: e },
    );
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** `cluster.yaml` -> `cluster.secrets.yaml`, next to it. */
export function defaultSecretsPath(clusterFile: string): string {
  const base = basename(clusterFile).replace(/\.(ya?ml)$/i, "");
  return join(dirname(clusterFile), `${base}.secrets.yaml`);
}

/** Writes atomically (temp file + rename) with the mode set before the content lands. */
export async function writeFileAtomic(file: string, content: string | Uint8Array, mode: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

export interface LoadedSecrets {
  readonly secrets?: Secrets;
  readonly issues: readonly Issue[];
  readonly created: boolean;
}

/**
 * Reads the secrets file; with `create`, generates it once when missing (mode 0600).
 * A group- or world-readable secrets file is tightened to 0600.
 */
export async function loadSecrets(file: string, create: boolean): Promise<LoadedSecrets> {
  if (!(await exists(file))) {
    if (!create) return { issues: [], created: false };
    const secrets = completeSecrets({}, (n) => randomBytes(n));
    await writeFileAtomic(file, serializeSecrets(secrets), 0o600);
    return { secrets, issues: [], created: true };
  }
  const st = await stat(file);
  if ((st.mode & 0o077) !== 0) await chmod(file, 0o600);
  const r = parseSecrets(await readText(file, "secrets file"), file);
  return { ...r, created: false };
}
