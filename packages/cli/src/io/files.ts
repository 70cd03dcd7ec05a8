import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import {
  OarHaError,
  catalogue,
  completeSecrets,
  issue,
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
  /** The file did not exist: every generated secret is new. */
  readonly created: boolean;
  /** Generated secrets the existing file lacked, now made. */
  readonly added: readonly string[];
  /** Writes what was generated (0600); the caller calls it only when the whole input is valid. */
  readonly save?: () => Promise<void>;
}

/**
 * Reads the secrets file. With `create`, generates the secrets oar-ha makes that are missing
 * (the whole file when it does not exist) in memory: nothing is written until `save`. A file
 * other users can read is refused, never tightened behind the admin's back: its secrets may
 * have been read already.
 */
export async function loadSecrets(file: string, create: boolean): Promise<LoadedSecrets> {
  const random = (n: number) => randomBytes(n);
  if (!(await exists(file))) {
    if (!create) return { issues: [], created: false, added: [] };
    const secrets = completeSecrets({}, random);
    return {
      secrets,
      issues: [],
      created: true,
      added: [],
      save: () => writeFileAtomic(file, serializeSecrets(secrets), 0o600),
    };
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0)
    return {
      issues: [
        {
          ...issue(
            "SecretsExposed",
            "",
            `mode ${mode.toString(8).padStart(4, "0")}: group or other users can read the secrets`,
            `chmod 600 ${file}; if others could log in here, rotate the secrets (docs/operations.md, Rotation)`,
          ),
          file,
        },
      ],
      created: false,
      added: [],
    };
  const r = parseSecrets(await readText(file, "secrets file"), file, create ? random : undefined);
  const secrets = r.secrets;
  return {
    ...r,
    created: false,
    ...(secrets && r.added.length ? { save: () => writeFileAtomic(file, serializeSecrets(secrets), 0o600) } : {}),
  };
}
