import { OarHaError, type RenderedFile, hostsWithRole, oarServers, witness, type Cluster } from "@oar-ha/core";
import type { Transport } from "../transport.js";
import { fileFacts } from "../facts.js";
import { planFile } from "../plan.js";
import { logSyncStatus } from "./log-sync.js";
import { keytabStatus } from "./kerberos.js";
import { drbdProblems, drbdStates, type DrbdState } from "./drbd-state.js";
import { holderOf, managerState, type ManagerState } from "./manager-state.js";
import { monitorCheck, monitorProbes } from "./hb-monitor.js";
import { CRM_INFINITY, type CrmStatus } from "@oar-ha/pacemaker-config";

/*
 * The deployed cluster's health as `oar-ha status` shows it: one check per fact (members,
 * groups, failures, fencing, witness, DRBD, log-sync, keytabs, managed files), each with its
 * fix, and the verdict (healthy, degraded, unhealthy). Read-only, over the transports only.
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
