import { OarHaError, shq, withServiceLib } from "@oar-ha/core";
import { exec } from "./exec.js";

/** What a lab host needs, as on a real Debian 12 server (installed once on the machine: /usr is shared). */
export const LAB_PACKAGES = [
  "tini",
  "openssh-server",
  "openssh-client",
  "iproute2",
  "nftables",
  "util-linux",
  "procps",
  "kmod",
  "corosync",
  "corosync-qdevice",
  "corosync-qnetd",
  "pacemaker",
  "pacemaker-cli-utils",
  "crmsh",
  "heartbeat",
  "cluster-glue",
  "resource-agents",
  "fence-agents",
  "postgresql",
  "mariadb-server",
  "oar-server",
  "oar-server-pgsql",
  "oar-server-mysql",
  "oar-node",
  "oar-user",
  "oar-user-pgsql",
  "oar-user-mysql",
  "krb5-kdc",
  "krb5-admin-server",
  "krb5-user",
] as const;

/** What a lab with VM hosts (lab up --drbd) needs on the machine besides: qemu, the image builder, the VMs' time server. */
export const LAB_VM_PACKAGES = [
  "qemu-system-x86",
  "qemu-utils",
  "debootstrap",
  "fdisk",
  "e2fsprogs",
  "chrony",
] as const;

export async function missingPackages(list: readonly string[] = LAB_PACKAGES): Promise<string[]> {
  const r = await exec("dpkg-query", ["-W", "-f=${Package} ${Status}\\n", ...list], { check: false });
  const installed = new Set(
    r.stdout
      .split("\n")
      .filter((l) => l.endsWith("install ok installed"))
      .map((l) => l.split(" ")[0]),
  );
  return list.filter((p) => !installed.has(p));
}

/**
 * Installs what is missing with apt-get. Daemons must not start at install time (the lab and
 * the cluster manager start them), so a policy-rc.d that says no is in place while it runs.
 */
export async function ensurePackages(log: (m: string) => void, list: readonly string[] = LAB_PACKAGES): Promise<void> {
  const missing = await missingPackages(list);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new OarHaError(
      "OARHA920",
      `the lab needs these Debian packages: ${missing.join(" ")}\n  fix: run as root, or install them with apt-get first`,
    );
  }
  log(`installing ${missing.join(" ")}`);
  const script = withServiceLib(`set -e\nsvc_apt_install ${missing.map(shq).join(" ")}`);
  await exec("sh", ["-c", script], { timeoutMs: 30 * 60_000 });
}
