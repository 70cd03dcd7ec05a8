import { OarHaError, dbServers, serviceGroups, sleep, withServiceLib, witness, type Cluster } from "@oar-ha/core";
import { run, shq, type Transport } from "../transport.js";
import { BACKUP_DIR, MANAGED_LIST, STATE_DIR, allHosts } from "./context.js";
import { logSyncPair } from "@oar-ha/log-sync";
import { stopLogSyncScript } from "./log-sync.js";
import { sshServers } from "@oar-ha/kerberos-config";
import { RELOAD_SSHD } from "./kerberos.js";
import { drbdStorage } from "./drbd-state.js";
import { backingDevice } from "@oar-ha/drbd-config";
import {
  HB_STANDBY,
  describeProblems,
  groupSuffix,
  managerState,
  waitState,
  type ManagerState,
} from "./manager-state.js";
import { refuseInMaintenance } from "./day2.js";

/*
 * Operating a deployed cluster: planned switchover, uninstall (status is in status.ts). They
 * use only the transports (no local state): any admin machine with the cluster file can run them.
 */

/**
 * Shell: oar-ha's own state removed, except what holds or describes the database's data: a
 * DRBD loop file under /var/lib/oar-ha and the records that the DRBD metadata and the database
 * on it are this cluster's (a later apply takes them up again instead of refusing them).
 */
const KEEP_DATA = `[ -d /var/lib/oar-ha ] || exit 0
find /var/lib/oar-ha/state -mindepth 1 ! -name 'drbd-*.md' ! -name '.oar-ha-db-created-*' -exec rm -rf {} + 2>/dev/null || true
find /var/lib/oar-ha -mindepth 1 -maxdepth 1 ! -name state ! -name '*.img' -exec rm -rf {} +
rmdir /var/lib/oar-ha/state /var/lib/oar-ha 2>/dev/null || true`;

/**
 * Planned move of every service group to the other server of its pair, waiting until
 * healthy. Pacemaker: `crm resource move`, then the constraint is cleared (stickiness keeps
 * the services there). Heartbeat: `hb_standby` on the holder, which hands its resources over.
 */
export async function switchover(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  o: { timeoutMs?: number; log?: (m: string) => void; to?: string } = {},
): Promise<Record<string, string>> {
  if (o.to !== undefined && !serviceGroups(c).some((g) => g.nodes.some((n) => n.name === o.to)))
    throw new OarHaError(
      "OARHA901",
      `--to ${o.to}: not a server of this cluster\n  fix: name one of ${c.nodes.map((n) => n.name).join(", ")}`,
    );
  const st = await managerState(c, t);
  refuseInMaintenance(st, "a switchover");
  if (!st.healthy)
    throw new OarHaError(
      "OARHA506",
      `the cluster is not healthy (${describeProblems(st)}): a switchover now could make things worse\n  fix: oar-ha status, then repair before moving services`,
    );
  const target = o.to === undefined ? undefined : st.nodes.find((n) => n.name === o.to);
  if (target?.standby)
    throw new OarHaError(
      "OARHA506",
      `--to ${o.to}: that server is in standby and takes no services\n  fix: oar-ha unstandby ${o.to} first`,
    );
  const first = t.get(c.nodes[0]?.name ?? "");
  if (!first) throw new OarHaError("OARHA110", "no connection to the first server");
  const moves: Record<string, string> = {};
  for (const g of serviceGroups(c)) {
    const from = st.groups.find((x) => x.id === g.id)?.holder;
    // --to NODE moves the groups NODE belongs to (and that run elsewhere); without it, every group to its other server.
    const to =
      o.to === undefined
        ? g.nodes.find((n) => n.name !== from)?.name
        : g.nodes.some((n) => n.name === o.to)
          ? o.to
          : undefined;
    if (!from || !to || to === from) {
      if (from && to === from)
        o.log?.(`${g.id === "all" ? "the services run" : `the ${g.id} group runs`} on ${to} already`);
      continue;
    }
    o.log?.(`moving ${g.id === "all" ? "the services" : `the ${g.id} group`} from ${from} to ${to}`);
    if (c.manager === "pacemaker") {
      const id = `g-${groupSuffix(g)}`;
      await run(
        first,
        `crm resource move ${shq(id)} ${shq(to)} >/dev/null 2>&1 || crm resource move ${shq(id)} ${shq(to)}`,
      );
    } else {
      const holder = t.get(from);
      if (!holder) throw new OarHaError("OARHA110", `no connection to ${from}`);
      await run(holder, HB_STANDBY);
    }
    moves[g.id] = to;
  }
  const moved = (x: ManagerState) =>
    x.healthy && Object.entries(moves).every(([id, to]) => x.groups.find((g) => g.id === id)?.holder === to);
  const { state, done } = await waitState(c, t, moved, o.timeoutMs ?? 240_000);
  if (!done) {
    const fix =
      c.manager === "pacemaker"
        ? "constraints are left in place so nothing flaps\n  fix: look at crm_mon -1 --show-detail, then run oar-ha switchover again or crm resource clear"
        : "\n  fix: look at /var/log/ha-log on both servers";
    throw new OarHaError("OARHA509", `switchover did not complete in time (${describeProblems(state)}); ${fix}`);
  }
  if (c.manager === "pacemaker") {
    for (const g of serviceGroups(c))
      if (moves[g.id]) await run(first, `crm resource clear ${shq(`g-${groupSuffix(g)}`)} >/dev/null 2>&1 || true`);
  }
  return moves;
}

/** Stops the cluster manager everywhere, services first, so nothing fails over while it goes. */
async function stopCluster(c: Cluster, t: ReadonlyMap<string, Transport>, log: (m: string) => void): Promise<void> {
  if (c.manager === "pacemaker") {
    const first = t.get(c.nodes[0]?.name ?? "");
    if (first && (await first.exec("crm_mon -1 >/dev/null 2>&1")).code === 0) {
      log("stopping every resource");
      await first.exec("crm configure property stop-all-resources=true >/dev/null 2>&1");
      for (let i = 0; i < 120; i++) {
        const st = await managerState(c, t);
        if (!st.crm || st.crm.resources.every((r) => r.nodes.length === 0)) break;
        await sleep(1000);
      }
    }
    for (const n of c.nodes) {
      await t
        .get(n.name)
        ?.exec(
          "if [ -d /run/systemd/system ]; then systemctl stop pacemaker corosync-qdevice corosync; systemctl disable --quiet pacemaker corosync; systemctl disable --quiet corosync-qdevice 2>/dev/null; else pkill -TERM -x pacemakerd; for i in $(seq 1 60); do pgrep -x pacemakerd >/dev/null || break; sleep 0.5; done; pkill -TERM -f '^corosync-qdevice' ; pkill -TERM -x corosync; fi; rm -rf /var/lib/pacemaker/cib/cib* /etc/corosync/qdevice/net/nssdb",
          { timeoutMs: 60_000 },
        );
    }
    const w = witness(c);
    if (w) {
      // The witness may serve other clusters: it stops only when ours was its last.
      log(`witness ${w.name}: forgetting cluster ${c.cluster}`);
      await t
        .get(w.name)
        ?.exec(
          `rm -f /etc/corosync/qnetd/nssdb/cluster-${c.cluster}.crt; sleep 1; if [ -z "$(corosync-qnetd-tool -l 2>/dev/null | grep -v '^$')" ]; then if [ -d /run/systemd/system ]; then systemctl stop corosync-qnetd; systemctl disable --quiet corosync-qnetd; else /etc/init.d/corosync-qnetd stop; fi; fi >/dev/null 2>&1`,
          { timeoutMs: 60_000 },
        );
    }
    return;
  }
  // Heartbeat: the standby servers first (a holder stopped first would hand its services over).
  const st = await managerState(c, t);
  const holders = new Set(st.groups.map((g) => g.holder).filter(Boolean));
  const order = [...c.nodes.filter((n) => !holders.has(n.name)), ...c.nodes.filter((n) => holders.has(n.name))];
  for (const n of order) {
    log(`stopping heartbeat on ${n.name}`);
    await t
      .get(n.name)
      ?.exec(
        "if [ -d /run/systemd/system ]; then systemctl stop heartbeat; systemctl disable --quiet heartbeat; else /etc/init.d/heartbeat stop; fi >/dev/null 2>&1; for i in $(seq 1 120); do pgrep -f '^heartbeat: master' >/dev/null || exit 0; sleep 0.5; done",
        { timeoutMs: 90_000 },
      );
  }
}

/**
 * Stops the cluster, restores every file apply replaced (byte for byte, from the backups it
 * took) and removes those it created, re-enables the services it disabled. Data on the
 * cluster storage stays where it is.
 */
export async function uninstall(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  o: { log?: (m: string) => void } = {},
): Promise<string[]> {
  const log = o.log ?? (() => undefined);
  const restored: string[] = [];
  await stopCluster(c, t, log);
  for (const n of logSyncPair(c)) {
    log(`stopping the log-sync agent on ${n.name}`);
    await t.get(n.name)?.exec(stopLogSyncScript, { timeoutMs: 60_000 });
  }
  for (const h of allHosts(c)) {
    const tr = t.get(h);
    if (!tr) continue;
    const r = await run(
      tr,
      withServiceLib(`set -e
[ -f ${MANAGED_LIST} ] || exit 0
while read -r p; do
  b=${BACKUP_DIR}$p
  if [ -e "$b" ]; then cp -a "$b" "$p"; echo "restored $p"
  elif [ -e "$b.oar-ha-absent" ]; then rm -f "$p"; echo "removed $p"; fi
done < ${MANAGED_LIST}
if [ -f ${STATE_DIR}/boot-disabled ]; then
  sort -u ${STATE_DIR}/boot-disabled | while read -r s; do svc_boot_enable "$s" || true; done
fi
${KEEP_DATA}`),
    );
    restored.push(
      ...r.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => `${h}: ${l}`),
    );
  }
  const d = drbdStorage(c);
  if (d) {
    const where =
      d.backing.kind === "loop"
        ? `${d.backing.file} (attached to ${backingDevice(d)} until the next boot)`
        : backingDevice(d);
    log(
      `the database stays on DRBD resource ${d.resource}: backing store ${where} on ${dbServers(c)
        .map((n) => n.name)
        .join(
          " and ",
        )}, metadata and data untouched; oar-ha apply takes it up again, and only wipefs/drbdadm wipe-md by hand would erase it`,
    );
  }
  // sshd still runs with the Kerberos drop-in and the VIP key it read: it re-reads what is back.
  for (const h of c.kerberos ? sshServers(c) : []) {
    log(`reloading sshd on ${h}`);
    await t.get(h)?.exec(RELOAD_SSHD, { timeoutMs: 30_000 });
  }
  return restored;
}
