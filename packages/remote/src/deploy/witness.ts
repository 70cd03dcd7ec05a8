import { createHash } from "node:crypto";
import { OarHaError, witness } from "@oar-ha/core";
import { run } from "../transport.js";
import type { Step } from "../executor.js";
import { STATE_DIR, tr, type DeployContext } from "./context.js";

/*
 * The quorum witness: corosync-qnetd on a host outside the pair, corosync-qdevice on every
 * server. Traffic between them is TLS with certificates from the witness's own CA (the
 * procedure of corosync-qdevice-net-certutil, driven over the transport: the CA certificate,
 * the cluster's certificate request, the signed certificate and the PKCS#12 bundle with the
 * cluster key (DER: base64 on the way) travel over SSH stdin/stdout, never through a shared temporary file).
 */

const QNETD_DB = "/etc/corosync/qnetd/nssdb";
const NODE_DB = "/etc/corosync/qdevice/net/nssdb";
const CA_FILE = `${QNETD_DB}/qnetd-cacert.crt`;
/** Which witness CA the servers' databases were made for (sha256 of its certificate). */
const CA_MARK = `${STATE_DIR}/qdevice-ca.sha256`;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** corosync-qnetd running on the witness host, its certificate database initialised once. */
export function qnetdStep(ctx: DeployContext, host: string): Step {
  return {
    id: `${host}:qnetd`,
    host,
    title: "corosync-qnetd (quorum witness) running",
    check: async () => (await tr(ctx, host).exec("corosync-qnetd-tool -s >/dev/null 2>&1")).code === 0,
    act: async () => {
      await run(
        tr(ctx, host),
        `set -e
[ -f ${QNETD_DB}/cert9.db ] || corosync-qnetd-certutil -i -G >/dev/null
if [ -d /run/systemd/system ]; then systemctl enable --quiet corosync-qnetd; systemctl start corosync-qnetd; else /etc/init.d/corosync-qnetd start </dev/null >/dev/null; fi
for i in $(seq 1 100); do corosync-qnetd-tool -s >/dev/null 2>&1 && exit 0; sleep 0.1; done
echo "corosync-qnetd did not start: see syslog on this host" >&2; exit 1`,
        { timeoutMs: 60_000 },
      );
    },
  };
}

/**
 * Every server holds the witness's CA and the cluster's client certificate. Done once: the
 * first server makes the request, the witness signs it, the bundle goes to the others. A
 * witness whose CA changed (reinstalled) makes the servers' databases start over.
 */
export function qdeviceCertStep(ctx: DeployContext): Step {
  const c = ctx.cluster;
  const w = witness(c);
  const first = c.nodes[0]?.name ?? "";
  const caOf = async () => {
    const r = await tr(ctx, w!.name).exec(`cat ${CA_FILE}`);
    if (r.code !== 0 || !r.stdout.includes("BEGIN CERTIFICATE"))
      throw new OarHaError(
        "OARHA112",
        `${w!.name}: no witness CA certificate ${CA_FILE}\n  fix: reinstall corosync-qnetd there (its package creates the CA), or run corosync-qnetd-certutil -i`,
      );
    return r.stdout;
  };
  const ready = async (host: string, ca: string) =>
    (
      await tr(ctx, host).exec(
        `[ "$(cat ${CA_MARK} 2>/dev/null)" = ${sha256(ca)} ] && certutil -d sql:${NODE_DB} -L -n 'Cluster Cert' >/dev/null 2>&1`,
      )
    ).code === 0;
  return {
    id: "cluster:qdevice-certificates",
    host: first,
    title: "quorum witness certificates on every server",
    check: async () => {
      if (!w) return true;
      const ca = await caOf().catch(() => undefined);
      if (ca === undefined) return false;
      for (const n of c.nodes) if (!(await ready(n.name, ca))) return false;
      return true;
    },
    act: async () => {
      if (!w) return;
      const ca = await caOf();
      // A fresh database on every server, trusting the witness's CA.
      for (const n of c.nodes) {
        await run(
          tr(ctx, n.name),
          `set -e
rm -rf ${NODE_DB}; mkdir -p ${STATE_DIR}; f=$(mktemp); trap 'rm -f "$f"' EXIT; cat > "$f"
corosync-qdevice-net-certutil -i -c "$f" >/dev/null`,
          { stdin: ca, timeoutMs: 60_000 },
        );
      }
      const crq = await run(
        tr(ctx, first),
        `set -e; corosync-qdevice-net-certutil -r -n ${c.cluster} >/dev/null; base64 -w0 ${NODE_DB}/qdevice-net-node.crq`,
      );
      const crt = await run(
        tr(ctx, w.name),
        `set -e
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; base64 -d > "$d/req.crq"; cd "$d"
corosync-qnetd-certutil -s -c "$d/req.crq" -n ${c.cluster} >/dev/null
base64 -w0 ${QNETD_DB}/cluster-${c.cluster}.crt`,
        { stdin: crq.stdout, timeoutMs: 60_000 },
      );
      const p12 = await run(
        tr(ctx, first),
        `set -e
f=$(mktemp); trap 'rm -f "$f"' EXIT; base64 -d > "$f"
corosync-qdevice-net-certutil -M -c "$f" >/dev/null
base64 -w0 ${NODE_DB}/qdevice-net-node.p12`,
        { stdin: crt.stdout, timeoutMs: 60_000 },
      );
      for (const n of c.nodes.slice(1)) {
        await run(
          tr(ctx, n.name),
          `set -e
f=$(mktemp); trap 'rm -f "$f"' EXIT; base64 -d > "$f"
corosync-qdevice-net-certutil -m -c "$f" >/dev/null`,
          { stdin: p12.stdout, timeoutMs: 60_000 },
        );
      }
      // The bundle holds the cluster's private key: keep it only inside the 0770 root database.
      for (const n of c.nodes)
        await run(
          tr(ctx, n.name),
          `rm -f ${NODE_DB}/qdevice-net-node.p12 ${NODE_DB}/qdevice-net-node.crq; echo ${sha256(ca)} > ${CA_MARK}`,
        );
    },
  };
}

/** Shell that starts corosync-qdevice on a server whose corosync runs (no systemd needed). */
export const startQdeviceScript = `if [ -d /run/systemd/system ]; then systemctl enable --quiet corosync-qdevice; systemctl start corosync-qdevice;
else mkdir -p /run/corosync-qdevice; corosync-qdevice-tool -s >/dev/null 2>&1 || corosync-qdevice; fi
for i in $(seq 1 100); do corosync-qdevice-tool -s >/dev/null 2>&1 && break; sleep 0.1; done
corosync-qdevice-tool -s >/dev/null 2>&1 || { echo "corosync-qdevice did not start: see /var/log/corosync/corosync.log" >&2; exit 1; }`;
