import { readFileSync, statSync } from "node:fs";
import { OarHaError, type Cluster } from "@oar-ha/core";

/**
 * The keytab kerberos.keytab names, read on this machine (apply installs its VIP entries on
 * the servers). A keytab others can read is said, not refused: the admin owns this machine.
 */
export function readKeytab(c: Cluster): Uint8Array | undefined {
  const file = c.kerberos?.keytab;
  if (!file) return undefined;
  try {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) process.stderr.write(`warning: ${file} (kerberos.keytab) is readable by others (mode ${mode.toString(8).padStart(4, "0")}): it holds the VIP's keys; chmod 600 ${file}\n`);
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OarHaError("OARHA102", `kerberos.keytab: cannot read ${file} (${code ?? (e as Error).message}); nothing was changed\n  fix: export the VIP principals once on the KDC (kadmin -q "ktadd -k ${file} -norandkey host/${c.vips.oar.hostname}") and copy the file here, mode 0600`);
  }
}
