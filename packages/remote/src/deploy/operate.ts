import { OarHaError, hostsWithRole, oarServers, serviceGroups, splitCidr, type Cluster } from "@oar-ha/core";
import { allStarted, parseCrmMon, runningOn, type CrmStatus } from "@oar-ha/pacemaker-config";
import { run, shq, type Transport } from "../transport.js";
import { BACKUP_DIR, MANAGED_LIST, STATE_DIR, allHosts } from "./context.js";

/*
 * Operating a deployed cluster: status, planned switchover, uninstall. They use only the
 * transports (no local state): any admin machine with the cluster file can run them.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ClusterStatus {
  readonly healthy: boolean;
  readonly checks: readonly Check[];
  readonly crm?: CrmStatus;
  readonly vipHolder?: string;
}

async function crm(t: ReadonlyMap<string, Transport>, c: Cluster): Promise<CrmStatus | undefined> {
  for (const n of c.nodes) {
    const tr = t.get(n.name);
    if (!tr) continue;
    const r = await tr.exec("crm_mon -1 --output-as=xml", { timeoutMs: 20_000 });
    if (r.code === 0) return parseCrmMon(r.stdout);
  }
  return undefined;
}

/** Health of the whole stack, each check with a sentence; `healthy` when every check passes. */
export async function clusterStatus(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<ClusterStatus> {
  const checks: Check[] = [];
  const st = c.manager === "pacemaker" ? await crm(t, c) : undefined;
  if (c.manager === "pacemaker") {
    checks.push({ name: "cluster manager", ok: st !== undefined && st.quorum, detail: st ? `DC ${st.dc ?? "none"}, ${st.quorum ? "quorate" : "NO QUORUM"}` : "crm_mon answers on no server" });
    for (const n of c.nodes) {
      const node = st?.nodes.find((x) => x.name === n.name);
      checks.push({ name: `node ${n.name}`, ok: node?.online === true && !node.unclean, detail: node ? (node.online ? "online" : node.unclean ? "UNCLEAN" : "offline") : "unknown" });
    }
    checks.push({ name: "resources", ok: st !== undefined && allStarted(st), detail: st ? st.resources.map((r) => `${r.id}=${r.role}${r.nodes[0] ? `@${r.nodes[0]}` : ""}${r.failed ? "(failed)" : ""}`).join(" ") : "-" });
  }
  let vipHolder: string | undefined;
  for (const g of serviceGroups(c)) {
    const id = `vip-${g.id === "all" ? "oar-ha" : g.id}`;
    const holder = st ? runningOn(st, id) : undefined;
    if (g.id !== "db") vipHolder = holder;
    checks.push({ name: `VIP ${splitCidr(g.vip.address).address}`, ok: holder !== undefined, detail: holder ? `on ${holder}` : "held by no server" });
  }
  // From a client's seat: a frontend (or the first OAR server) talks to the DB and Almighty through the VIP names.
  const client = hostsWithRole(c, "frontend")[0]?.name ?? oarServers(c)[0]?.name ?? "";
  const ct = t.get(client);
  if (ct) {
    const db = await ct.exec("oarstat >/dev/null 2>&1 && echo ok", { timeoutMs: 20_000 });
    checks.push({ name: "database through the VIP", ok: db.stdout.includes("ok"), detail: `oarstat on ${client}: ${db.stdout.includes("ok") ? "answers" : "fails"}` });
    const port = c.oar.serverPort;
    const al = await ct.exec(`timeout 3 bash -c '</dev/tcp/${c.vips.oar.hostname}/${port}' && echo ok`, { timeoutMs: 10_000 });
    checks.push({ name: "Almighty through the VIP", ok: al.stdout.includes("ok"), detail: `${c.vips.oar.hostname}:${port} ${al.stdout.includes("ok") ? "accepts" : "refuses"} connections` });
  }
  const bad: string[] = [];
  for (const h of [...oarServers(c).map((n) => n.name), ...hostsWithRole(c, "frontend").map((x) => x.name), ...hostsWithRole(c, "compute").map((x) => x.name)]) {
    const r = await t.get(h)?.exec("grep -E '^SERVER_HOSTNAME=' /etc/oar/oar.conf | tail -1");
    if (!r?.stdout.includes(`"${c.vips.oar.hostname}"`)) bad.push(`${h}: ${r?.stdout.trim() || "no SERVER_HOSTNAME"}`);
  }
  checks.push({ name: "OAR configuration", ok: bad.length === 0, detail: bad.length ? bad.join("; ") : `every host points at ${c.vips.oar.hostname}` });
  return { healthy: checks.every((x) => x.ok), checks, ...(st ? { crm: st } : {}), ...(vipHolder ? { vipHolder } : {}) };
}

/** Planned move of every service group to the other server of its pair, waiting until healthy. */
export async function switchover(c: Cluster, t: ReadonlyMap<string, Transport>, o: { timeoutMs?: number; log?: (m: string) => void } = {}): Promise<Record<string, string>> {
  if (c.manager !== "pacemaker") throw new OarHaError("OARHA901", "switchover with Heartbeat: run hb_standby on the active server (oar-ha drives Pacemaker only here)");
  const first = t.get(c.nodes[0]?.name ?? "");
  if (!first) throw new OarHaError("OARHA103", "no connection to the first server");
  const st = await crm(t, c);
  if (!st || !allStarted(st)) throw new OarHaError("OARHA103", "the cluster is not healthy: a switchover now could make things worse\n  fix: oar-ha status, then repair before moving services");
  const moves: Record<string, string> = {};
  for (const g of serviceGroups(c)) {
    const id = `g-${g.id === "all" ? "oar-ha" : g.id}`;
    const from = runningOn(st, `vip-${g.id === "all" ? "oar-ha" : g.id}`);
    const to = g.nodes.find((n) => n.name !== from)?.name;
    if (!to) continue;
    o.log?.(`moving ${id} from ${from ?? "?"} to ${to}`);
    await run(first, `crm resource move ${shq(id)} ${shq(to)} >/dev/null 2>&1 || crm resource move ${shq(id)} ${shq(to)}`);
    moves[id] = to;
  }
  const end = Date.now() + (o.timeoutMs ?? 240_000);
  for (;;) {
    const now = await crm(t, c);
    const done = now && allStarted(now) && Object.entries(moves).every(([g, to]) => now.resources.filter((r) => r.parent === g).every((r) => r.nodes[0] === to));
    if (done) break;
    if (Date.now() > end) throw new OarHaError("OARHA103", `switchover did not complete in time; constraints are left in place so nothing flaps\n  fix: look at crm_mon -1 --show-detail, then run oar-ha switchover again or crm resource clear`);
    await sleep(1000);
  }
  // The move constraint is removed once the services run on the target: stickiness keeps them there.
  for (const g of Object.keys(moves)) await run(first, `crm resource clear ${shq(g)} >/dev/null 2>&1 || true`);
  return moves;
}

/**
 * Stops the cluster, restores every file apply replaced (byte for byte, from the backups it
 * took) and removes those it created, re-enables the services it disabled. Data on the
 * cluster storage stays where it is.
 */
export async function uninstall(c: Cluster, t: ReadonlyMap<string, Transport>, o: { log?: (m: string) => void } = {}): Promise<string[]> {
  const log = o.log ?? (() => undefined);
  const restored: string[] = [];
  if (c.manager === "pacemaker") {
    const first = t.get(c.nodes[0]?.name ?? "");
    if (first && (await first.exec("crm_mon -1 >/dev/null 2>&1")).code === 0) {
      log("stopping every resource");
      await first.exec("crm configure property stop-all-resources=true >/dev/null 2>&1");
      for (let i = 0; i < 120; i++) {
        const st = await crm(t, c);
        if (!st || st.resources.every((r) => r.nodes.length === 0)) break;
        await sleep(1000);
      }
    }
    for (const n of c.nodes) {
      await t.get(n.name)?.exec("if [ -d /run/systemd/system ]; then systemctl stop pacemaker corosync; systemctl disable --quiet pacemaker corosync; else pkill -TERM -x pacemakerd; for i in $(seq 1 60); do pgrep -x pacemakerd >/dev/null || break; sleep 0.5; done; pkill -TERM -x corosync; fi; rm -rf /var/lib/pacemaker/cib/cib*", { timeoutMs: 60_000 });
    }
  }
  for (const h of allHosts(c)) {
    const tr = t.get(h);
    if (!tr) continue;
    const r = await run(
      tr,
      `set -e
[ -f ${MANAGED_LIST} ] || exit 0
while read -r p; do
  b=${BACKUP_DIR}$p
  if [ -e "$b" ]; then cp -a "$b" "$p"; echo "restored $p"
  elif [ -e "$b.oar-ha-absent" ]; then rm -f "$p"; echo "removed $p"; fi
done < ${MANAGED_LIST}
if [ -f ${STATE_DIR}/boot-disabled ]; then
  sort -u ${STATE_DIR}/boot-disabled | while read -r s; do update-rc.d "$s" enable >/dev/null 2>&1 || true; if [ -d /run/systemd/system ]; then systemctl enable --quiet "$s" || true; fi; done
fi
rm -rf /var/lib/oar-ha`,
    );
    restored.push(...r.stdout.split("\n").filter(Boolean).map((l) => `${h}: ${l}`));
  }
  return restored;
}
