import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { OarHaError, type Cluster } from "@oar-ha/core";

/** kerberos.adminPrincipal: where oar-ha keeps the keys it extracted, next to the cluster file (oar-ha.yaml -> oar-ha.keytab). */
export const extractedKeytabPath = (clusterFile: string): string =>
  join(dirname(clusterFile), `${basename(clusterFile).replace(/\.ya?ml$/i, "")}.keytab`);

function readChecked(file: string, field: string): Uint8Array {
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077)
    process.stderr.write(
      `warning: ${file} (${field}) is readable by others (mode ${mode.toString(8).padStart(4, "0")}): it holds the VIP's keys; chmod 600 ${file}\n`,
    );
  return readFileSync(file);
}

/**
 * The VIP principals' keys on this machine: the keytab kerberos.keytab names, or (with
 * kerberos.adminPrincipal) the one oar-ha extracted on an earlier run, if any. A keytab others
 * can read is said, not refused: the admin owns this machine.
 */
export function readKeytab(c: Cluster, clusterFile: string): Uint8Array | undefined {
  const k = c.kerberos;
  if (k?.adminPrincipal) {
    const file = extractedKeytabPath(clusterFile);
    return existsSync(file) ? readChecked(file, "extracted by oar-ha") : undefined;
  }
  const file = k?.keytab;
  if (!file) return undefined;
  try {
    return readChecked(file, "kerberos.keytab");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OarHaError(
      "OARHA102",
      `kerberos.keytab: cannot read ${file} (${code ?? (e as Error).message}); nothing was changed\n  fix: export the VIP principals once on the KDC (kadmin -q "ktadd -k ${file} -norandkey host/${c.vips.oar.hostname}") and copy the file here, mode 0600`,
    );
  }
}

/** What apply hands the deploy for Kerberos: the keys, and where adminPrincipal's extraction is kept (0600, atomically). */
export function kerberosInput(
  c: Cluster,
  clusterFile: string,
): { kerberosKeytab?: Uint8Array; saveKerberosKeytab?: (bytes: Uint8Array) => void } {
  const keytab = readKeytab(c, clusterFile);
  const path = extractedKeytabPath(clusterFile);
  const save = (bytes: Uint8Array) => {
    writeFileSync(`${path}.tmp`, bytes, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    process.stderr.write(
      `kept the extracted VIP keys in ${path} (0600): later runs use it, the KDC is not asked again\n`,
    );
  };
  return {
    ...(keytab ? { kerberosKeytab: keytab } : {}),
    ...(c.kerberos?.adminPrincipal ? { saveKerberosKeytab: save } : {}),
  };
}
