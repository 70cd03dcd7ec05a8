import {
  OarHaError,
  type RenderedFile,
  dbServers,
  hostsWithRole,
  oarServers,
  serviceGroups,
  sleep,
  withServiceLib,
  witness,
  type Cluster,
} from "@oar-ha/core";
import { run, shq, type Transport } from "../transport.js";
import { fileFacts } from "../facts.js";
import { planFile } from "../plan.js";
import { BACKUP_DIR, MANAGED_LIST, STATE_DIR, allHosts } from "./context.js";
import { logSyncPair } from "@oar-ha/log-sync";
import { logSyncStatus, stopLogSyncScript } from "./log-sync.js";
import { sshServers } from "@oar-ha/kerberos-config";
import { RELOAD_SSHD, keytabStatus } from "./kerberos.js";
import { drbdProblems, drbdStates, drbdStorage, type DrbdState } from "./drbd.js";
import { backingDevice } from "@oar-ha/drbd-config";
import {
  HB_STANDBY,
  describeProblems,
  groupSuffix,
  holderOf,
  managerState,
  waitState,
  type ManagerState,
} from "./manager-state.js";
import { refuseInMaintenance } from "./day2.js";
import { monitorCheck, monitorProbes } from "./hb-monitor.js";
import { CRM_INFINITY, type CrmStatus } from "@oar-ha/pacemaker-config";

/*
 * Operating a deployed cluster: status, planned switchover, uninstall. They use only the
 * transports (no local state): any admin machine with the cluster file can run them.
 */

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /**
   * When it fails, the services still run but the cluster could not fail over (a server not
   * a member, a resource banned from a server, no fence device, the witness or the DRBD peer
   * lost) or keeps the trace of a failure: "degraded", not "unhealthy".
   */
  readonly degraded?: boolean;
}

/**
 * healthy: everything runs and the cluster could fail over now. degraded: the services run
 * but a failover would not work, or failures are recorded. unhealthy: a service is down.
 */
export type Verdict = "healthy" | "degraded" | "unhealthy";

export const verdictOf = (checks: readonly Check[]): Verdict =>
  checks.some((x) => !x.ok && !x.degraded) ? "unhealthy" : checks.some((x) => !x.ok) ? "degraded" : "healthy";

export interface ClusterStatus {
  readonly verdict: Verdict;
  /** Every check passes (verdict "healthy"). */
  readonly healthy: boolean;
  readonly checks: readonly Check[];
  readonly manager: ManagerState;
  /** The server that holds the OAR VIP. */
  readonly vipHolder?: string;
  /** Per DB server, when the database is on DRBD. */
  readonly drbd?: readonly DrbdState[];
}

/** One line per DB server: role, connection, disks, out-of-sync amount; unhealthy with the reason. */
function drbdChecks(states: readonly DrbdState[], serving: boolean): Check[] {
  const problems = drbdProblems(states, serving);
  const checks: Check[] = states.map((x) => {
    const mine = problems.filter((p) => p.startsWith(`${x.host}: `)).map((p) => p.slice(x.host.length + 2));
    const detail =
      x.role === "none" || x.role === "unknown"
        ? mine.join("; ")
        : `${x.role}/${x.peerRole ?? "?"} ${x.cstate ?? "?"} ${x.disk ?? "?"}/${x.peerDisk ?? "?"}, ${x.outOfSyncKiB ?? 0} KiB out of sync${mine.length ? `: ${mine.join("; ")}` : ""}`;
    return { name: `DRBD ${x.host}`, ok: mine.length === 0, detail, degraded: true };
  });
  const cluster = problems.filter((p) => !states.some((x) => p.startsWith(`${x.host}: `)));
  if (cluster.length) checks.push({ name: "DRBD roles", ok: false, detail: cluster.join("; ") });
  return checks;
}

/**
 * Every file apply manages, on each host, compared with what apply would write now (content,
 * mode, owner): a missing or edited file is named with the fix. Degraded, not unhealthy: what
 * runs keeps running, but the next restart or failover on that host reads the wrong file (a
 * missing corosync.conf showed as "node offline" and "no qdevice", never as its cause).
 */
export async function driftChecks(files: readonly RenderedFile[], t: ReadonlyMap<string, Transport>): Promise<Check[]> {
  const hosts = [...new Set(files.map((f) => f.host))];
  return Promise.all(
    hosts.map(async (h): Promise<Check> => {
      const mine = files.filter((f) => f.host === h);
      const name = `managed files on ${h}`;
      const tr = t.get(h);
      const facts = tr
        ? await fileFacts(
            tr,
            mine.map((f) => f.path),
          ).catch(() => undefined)
        : undefined;
      if (!facts) return { name, ok: false, degraded: true, detail: `could not be read (is ${h} reachable?)` };
      const changes = mine.map((f) => planFile(f, { files: facts })).filter((x) => x.action !== "none");
      if (!changes.length) return { name, ok: true, detail: `${mine.length} file(s) as apply writes them` };
      const of = (a: string) => changes.filter((x) => x.action === a).map((x) => x.path);
      const meta = changes.filter((x) => x.action === "metadata").map((x) => x.diff.replace(/^[^:]*: /, `${x.path} `));
      const parts = [
        ...(of("create").length ? [`missing ${of("create").join(", ")}`] : []),
        ...(of("update").length ? [`changed ${of("update").join(", ")}`] : []),
        ...(meta.length ? [meta.join(", ")] : []),
      ];
      return {
        name,
        ok: false,
        degraded: true,
        detail: `${parts.join("; ")}. fix: oar-ha plan shows the difference, oar-ha apply writes them back`,
      };
    }),
  );
}

/**
 * Health of the whole stack, each check with a sentence; `healthy` when every check passes.
 * With `files` (what apply would write), each managed file is compared too.
 */
export async function clusterStatus(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  o: { files?: readonly RenderedFile[]; unreachable?: readonly { host: string; error: string }[] } = {},
): Promise<ClusterStatus> {
  const checks: Check[] = [];
  // Judged from the hosts that answer; each one that does not is a line of its own.
  for (const u of o.unreachable ?? [])
    checks.push({
      name: `host ${u.host}`,
      ok: false,
      degraded: true,
      detail: `not reachable over SSH (${u.error.split("\n")[0]}): judged from the others`,
    });
  if (!c.nodes.some((n) => t.has(n.name)))
    throw new OarHaError(
      "OARHA110",
      `no server of the cluster answers over SSH (${c.nodes.map((n) => n.name).join(", ")}): the cluster cannot be judged\n  fix: check the servers are up and reachable from here (ssh to each)`,
    );
  const m = await managerState(c, t);
  checks.push({ name: "cluster manager", ok: m.ok, detail: `${c.manager}: ${m.summary}` });
  for (const n of m.nodes) {
    const standby = n.online && n.standby;
    checks.push({
      name: `node ${n.name}`,
      ok: n.online && !standby,
      detail: standby
        ? `${n.detail}: it takes no services, so a failover has nowhere to go (fix: oar-ha unstandby ${n.name})`
        : n.detail,
      degraded: true,
    });
  }
  if (m.crm?.maintenance)
    checks.push({
      name: "maintenance mode",
      ok: false,
      degraded: true,
      detail: "on: the cluster watches and recovers nothing, and would not fail over (fix: oar-ha maintenance off)",
    });
  for (const g of m.groups) {
    checks.push({ name: `VIP ${g.vip}`, ok: g.holder !== undefined, detail: g.holder ? `on ${g.holder}` : g.detail });
    checks.push({
      name: `services (${g.id === "all" ? "storage, DB, OAR server" : g.id === "db" ? "storage, DB" : "OAR server"})`,
      ok: g.running,
      detail: g.detail,
    });
  }
  const w = c.manager === "pacemaker" ? witness(c) : undefined;
  if (w) {
    // Every server's qdevice connected to the witness: a lost witness is harmless until the next failure.
    const states = await Promise.all(
      c.nodes.map(async (n) => {
        const tr = t.get(n.name);
        if (!tr) return `${n.name} not reachable`;
        const r = await tr.exec("corosync-qdevice-tool -s 2>&1 | sed -n 's/^State:[[:space:]]*//p'");
        return `${n.name} ${r.stdout.trim() || "no qdevice"}`;
      }),
    );
    checks.push({
      name: `quorum witness ${w.name}`,
      ok: states.every((x) => x.endsWith(" Connected")),
      detail: states.join(", "),
      degraded: true,
    });
  }
  if (m.crm) checks.push(...failureChecks(m.crm));
  const vipHolder = holderOf(m, "oar");
  // From a client's seat: a frontend (or the first OAR server) talks to the DB and Almighty through the VIP names.
  const client =
    [...hostsWithRole(c, "frontend").map((h) => h.name), ...oarServers(c).map((n) => n.name)].find((h) => t.has(h)) ??
    "";
  const ct = t.get(client);
  if (ct) {
    const db = await ct.exec("timeout 15 oarstat >/dev/null 2>&1 && echo ok", { timeoutMs: 20_000 });
    checks.push({
      name: "database through the VIP",
      ok: db.stdout.includes("ok"),
      detail: `oarstat on ${client}: ${db.stdout.includes("ok") ? "answers" : "fails"}`,
    });
    const port = c.oar.serverPort;
    const al = await ct.exec(`timeout 3 bash -c '</dev/tcp/${c.vips.oar.hostname}/${port}' && echo ok`, {
      timeoutMs: 10_000,
    });
    checks.push({
      name: "Almighty through the VIP",
      ok: al.stdout.includes("ok"),
      detail: `${c.vips.oar.hostname}:${port} ${al.stdout.includes("ok") ? "accepts" : "refuses"} connections`,
    });
  }
  const bad: string[] = [];
  for (const h of [
    ...oarServers(c).map((n) => n.name),
    ...hostsWithRole(c, "frontend").map((x) => x.name),
    ...hostsWithRole(c, "compute").map((x) => x.name),
  ].filter((x) => t.has(x))) {
    const r = await t.get(h)?.exec("grep -E '^SERVER_HOSTNAME=' /etc/oar/oar.conf | tail -1");
    if (!r?.stdout.includes(`"${c.vips.oar.hostname}"`)) bad.push(`${h}: ${r?.stdout.trim() || "no SERVER_HOSTNAME"}`);
  }
  checks.push({
    name: "OAR configuration",
    ok: bad.length === 0,
    detail: bad.length ? bad.join("; ") : `every host points at ${c.vips.oar.hostname}`,
  });
  for (const s of await logSyncStatus(c, t)) checks.push(logSyncCheck(s));
  for (const p of await monitorProbes(c, t)) checks.push(monitorCheck(p, c));
  if (c.kerberos) checks.push(...keytabChecks(await keytabStatus(c, t)));
  const drbd = c.storage.kind === "drbd" ? await drbdStates(c, t) : undefined;
  if (drbd)
    checks.push(
      ...drbdChecks(
        drbd,
        m.groups.some((g) => (g.id === "all" || g.id === "db") && g.holder !== undefined),
      ),
    );
  if (o.files)
    checks.push(
      ...(await driftChecks(
        o.files.filter((f) => t.has(f.host)),
        t,
      )),
    );
  const verdict = verdictOf(checks);
  return {
    verdict,
    healthy: verdict === "healthy",
    checks,
    manager: m,
    ...(vipHolder ? { vipHolder } : {}),
    ...(drbd ? { drbd } : {}),
  };
}

const CLEANUP_FIX =
  "find the cause (crm_mon -1 --show-detail; /var/log/pacemaker/pacemaker.log on that server), then crm_resource --cleanup";

/**
 * What Pacemaker remembers of failures: a resource whose fail count reached its migration
 * threshold on a server may no longer run there (the cluster could not move it there), a
 * fence device that is not started cannot fence, and failed actions are failures that
 * happened, recovered or not. Each degrades the cluster; none means a service is down.
 */
export function failureChecks(crm: CrmStatus): Check[] {
  const checks: Check[] = [];
  for (const f of crm.failCounts.filter((x) => x.banned)) {
    const why = f.count >= CRM_INFINITY ? "a start failed there" : `${f.count} failures there`;
    checks.push({
      name: `resource ${f.resource} on ${f.node}`,
      ok: false,
      degraded: true,
      detail: `may no longer run on ${f.node}: ${why} (migration-threshold ${f.threshold}); the cluster cannot move it there. fix: ${CLEANUP_FIX} --resource ${f.resource} --node ${f.node}`,
    });
  }
  for (const r of crm.resources.filter((x) => x.agent.startsWith("stonith:"))) {
    const started = r.role === "Started" && !r.failed && r.nodes.length > 0;
    if (!started)
      checks.push({
        name: `fence device ${r.id}`,
        ok: false,
        degraded: true,
        detail: `${r.role}${r.failed ? " (failed)" : ""}: a server that fails could not be fenced, so the other would not take over. fix: ${CLEANUP_FIX} --resource ${r.id}`,
      });
  }
  if (crm.failures.length) {
    const list = crm.failures.map(
      (f) =>
        `${f.task} of ${f.resource} on ${f.node}: ${f.status === "complete" ? f.result : f.status}${f.reason ? ` (${f.reason})` : ""} at ${f.when}`,
    );
    checks.push({
      name: "failed actions",
      ok: false,
      degraded: true,
      detail: `${list.join("; ")}. fix: ${CLEANUP_FIX} (once understood)`,
    });
  }
  return checks;
}

/** Every server holds every VIP principal, 0600 root, at the same kvno on all of them. */
function keytabChecks(st: Awaited<ReturnType<typeof keytabStatus>>): Check[] {
  const principals = [...new Set(st.flatMap((s) => Object.keys(s.kvno)))];
  return principals.map((p) => {
    const holders = st.filter((s) => p in s.kvno);
    const missing = holders.filter((s) => s.kvno[p] === undefined).map((s) => s.host);
    const loose = holders
      .filter((s) => s.mode !== undefined && s.mode !== `600:${s.owner.split(":")[0]}`)
      .map((s) => `${s.host} ${s.path} (${s.mode})`);
    const versions = [...new Set(holders.map((s) => s.kvno[p]).filter((v) => v !== undefined))];
    const detail = missing.length
      ? `missing on ${missing.join(", ")} (fix: oar-ha apply)`
      : versions.length > 1
        ? `kvno differs: ${holders.map((s) => `${s.host} ${s.kvno[p]}`).join(", ")}: a server holds a key the KDC no longer issues (fix: export the principal once with -norandkey, set kerberos.keytab, apply)`
        : loose.length
          ? `keytab not 0600 its owner's on ${loose.join(", ")} (fix: oar-ha apply)`
          : `kvno ${versions[0]} on ${holders.map((s) => s.host).join(", ")} (${holders[0]?.path})`;
    // Users log in today; a missing or stale key breaks logins after a failover.
    return {
      name: `Kerberos keytab ${p}`,
      ok: !missing.length && versions.length === 1 && !loose.length,
      detail,
      degraded: true,
    };
  });
}

/** A moment of lag is normal (a burst, a reconnection); a minute behind means lines exist on one server only. */
const LOG_SYNC_BEHIND_OK_S = 60;

function logSyncCheck(s: Awaited<ReturnType<typeof logSyncStatus>>[number]): Check {
  const name = `log-sync ${s.host} -> ${s.peer}`;
  if (!s.running)
    return {
      name,
      ok: false,
      degraded: true,
      detail: `the agent is not running on ${s.host}: lines written there reach ${s.peer} only when it runs again (fix: oar-ha apply)`,
    };
  if (s.updatedSecondsAgo === undefined) return { name, ok: true, detail: "agent starting (no status yet)" };
  const kib = ((s.lagBytes ?? 0) / 1024).toFixed(1);
  const gaps = s.gaps ? `; ${s.gaps} gap(s): logrotate compressed a file before it was shipped` : "";
  if (!s.connected)
    return {
      name,
      ok: false,
      degraded: true,
      detail: `not connected to ${s.peer} (${kib} KiB waiting${s.behindSeconds !== undefined ? ` for ${Math.round(s.behindSeconds)} s` : ""}): see journalctl -u oar-ha-log-sync or /var/log/oar-ha/log-sync-agent.log on ${s.host}${gaps}`,
    };
  const behind = s.behindSeconds ?? 0;
  const detail = s.lagBytes ? `${kib} KiB behind for ${Math.round(behind)} s${gaps}` : `caught up${gaps}`;
  return { name, ok: behind < LOG_SYNC_BEHIND_OK_S, detail, degraded: true };
}

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
