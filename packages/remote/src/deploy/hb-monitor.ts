import type { Cluster } from "@oar-ha/core";
import { dirname } from "node:path";
import { OarHaError } from "@oar-ha/core";
import { HA_LOG, HB_MONITOR_FAILURES, HB_MONITOR_LOCK, HB_MONITOR_PAUSE, HB_MONITOR_STATE } from "@oar-ha/heartbeat-config";
import type { CrmFailure } from "@oar-ha/pacemaker-config";
import { keyValues } from "../host-script.js";
import { run, shq, type Transport } from "../transport.js";
import type { Check } from "./operate.js";

/*
 * What `status` says of oar-ha's Heartbeat service monitor on each server: read from the state
 * file the monitor rewrites after every look (see @oar-ha/heartbeat-config's hb-monitor.sh).
 */

export interface MonitorState {
  readonly pid: number;
  /** active (holds the group, checks it), passive, transition, paused, heartbeat-down, handing-over. */
  readonly role: string;
  /** Failures within the window (each one a restart, or the hand-over). */
  readonly restarts: number;
  readonly total: number;
  readonly window: number;
  readonly maxRestarts: number;
  /** "EPOCH what" of its last action, undefined when it has done nothing. */
  readonly last?: { readonly at: number; readonly what: string };
  /** Epoch of its last look (the server's clock). */
  readonly updated: number;
}

/** The state file's `key=value` lines; undefined when it is not one the monitor wrote. */
export function parseMonitorState(text: string): MonitorState | undefined {
  const kv = keyValues(text);
  const num = (k: string) => (/^\d+$/.test(kv[k] ?? "") ? Number(kv[k]) : undefined);
  const pid = num("pid");
  const updated = num("updated");
  const role = kv["role"];
  if (pid === undefined || updated === undefined || !role) return undefined;
  const last = /^(\d+) (.+)$/.exec(kv["last"] ?? "");
  return { pid, role, restarts: num("restarts") ?? 0, total: num("total") ?? 0, window: num("window") ?? 0, maxRestarts: num("max_restarts") ?? 0, updated, ...(last ? { last: { at: Number(last[1]), what: last[2] ?? "" } } : {}) };
}

const clock = (epoch: number): string => new Date(epoch * 1000).toISOString().slice(11, 19);

/** What a server answered: the state file (if any), whether its pid lives, and the server's clock. */
export interface MonitorProbe {
  readonly host: string;
  readonly state?: MonitorState;
  readonly alive: boolean;
  readonly now: number;
  /** The pause file exists (maintenance on): said at once, before the monitor's next look. */
  readonly paused?: boolean;
}

const NOT_RUNNING_FIX = "fix: oar-ha apply (Heartbeat starts the monitor itself, from the `respawn` line of ha.cf: a Heartbeat started before that line was written needs a restart of Heartbeat there)";

/**
 * One status line per server. Not running, stuck, paused or without Heartbeat: degraded (the
 * services run, but a failed one would not be restarted or moved). Restarts within the window:
 * degraded too, as Pacemaker's recorded failures are, until the window has passed.
 */
export function monitorCheck(p: MonitorProbe, c: Cluster): Check {
  const name = `service monitor ${p.host}`;
  const m = c.heartbeat.monitor;
  const s = p.state;
  if (!s || !p.alive) return { name, ok: false, degraded: true, detail: `not running: a failed database or OAR server on ${p.host} would be neither restarted nor moved. ${NOT_RUNNING_FIX}` };
  // A look takes at most two checks bounded by the timeout, a restart (each script bounded by itself) aside.
  const stale = p.now - s.updated > 2 * m.interval + 2 * m.timeout + 120;
  if (stale && s.role !== "handing-over") return { name, ok: false, degraded: true, detail: `stuck: its last look was at ${clock(s.updated)} (pid ${s.pid}); look at ${HA_LOG} on ${p.host}` };
  const last = s.last ? `; last: ${s.last.what} at ${clock(s.last.at)}` : "";
  if (s.role === "paused" || p.paused) return { name, ok: false, degraded: true, detail: `paused (${HB_MONITOR_PAUSE} exists): failed services are not restarted${last}` };
  if (s.role === "heartbeat-down") return { name, ok: false, degraded: true, detail: `Heartbeat does not answer on ${p.host}: the monitor waits${last}` };
  const role = s.role === "active" ? "watching the services here" : s.role === "passive" ? "standing by (the group runs on the peer)" : s.role === "handing-over" ? "handing the group to the peer" : s.role === "transition" ? "waiting while Heartbeat moves the group" : s.role;
  if (s.restarts > 0)
    return { name, ok: false, degraded: true, detail: `${role}; ${s.restarts} failure(s) in the last ${s.window} s (the group moves after ${s.maxRestarts} restarts)${last}. fix: find the cause in the database or OAR logs and ${HA_LOG} on ${p.host}, then oar-ha cleanup (or wait: the count clears ${s.window} s after the last failure)` };
  return { name, ok: true, detail: `${role}${last}` };
}

/** Each reachable Heartbeat server's monitor (none when the cluster does not run one). */
export async function monitorProbes(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<MonitorProbe[]> {
  if (c.manager !== "heartbeat" || !c.heartbeat.monitor.enabled) return [];
  const script = `echo "now=$(date +%s)"; [ -e ${shq(HB_MONITOR_PAUSE)} ] && echo paused=yes; s=$(cat ${HB_MONITOR_STATE} 2>/dev/null) || exit 0; echo "$s"; pid=$(echo "$s" | sed -n 's/^pid=//p'); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo alive=yes; exit 0`;
  const out = await Promise.all(
    c.nodes
      .filter((n) => t.has(n.name))
      .map(async (n): Promise<MonitorProbe | undefined> => {
        const r = await t
          .get(n.name)!
          .exec(script, { timeoutMs: 15_000 })
          .catch(() => undefined);
        if (!r) return undefined;
        const state = parseMonitorState(r.stdout);
        const now = Number(/^now=(\d+)$/m.exec(r.stdout)?.[1] ?? 0);
        return { host: n.name, alive: /^alive=yes$/m.test(r.stdout), now, paused: /^paused=yes$/m.test(r.stdout), ...(state ? { state } : {}) };
      }),
  );
  return out.filter((x): x is MonitorProbe => x !== undefined);
}

/** The monitor's service names, as Pacemaker names the same resources (what `cleanup --resource` takes). */
const RESOURCE_OF: Readonly<Record<string, string>> = { db: "db", oar: "oar-server" };

/**
 * `cleanup` on Heartbeat: forgets the failures the service monitor counts on every server that
 * answers (of one service or all), so the group no longer moves at the next failure and status
 * stops saying degraded. Returns what was forgotten, in the shape of Pacemaker's failures.
 */
export async function clearMonitorFailures(c: Cluster, t: ReadonlyMap<string, Transport>, resource?: string): Promise<CrmFailure[]> {
  const known = Object.values(RESOURCE_OF);
  if (resource !== undefined && !known.includes(resource)) throw new OarHaError("OARHA901", `no resource ${resource} in this cluster\n  fix: name one of ${known.join(", ")}, or none to clean every resource`);
  const out: CrmFailure[] = [];
  for (const n of c.nodes.filter((x) => t.has(x.name))) {
    const tr = t.get(n.name)!;
    const r = await tr.exec(`cat ${shq(HB_MONITOR_FAILURES)} 2>/dev/null; exit 0`, { timeoutMs: 15_000 });
    const lines = r.stdout.split("\n").map((l) => /^(\d+) (\w+)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null);
    const mine = lines.filter((m) => resource === undefined || RESOURCE_OF[m[2] ?? ""] === resource);
    if (!mine.length) continue;
    // Keep the other services' failures; rewrite in place (the monitor rereads the file at each look).
    const keep = lines.filter((m) => !mine.includes(m)).map((m) => m[0]);
    await run(tr, `exec 9>${shq(HB_MONITOR_LOCK)}\nflock 9\nprintf '%s' ${shq(keep.map((l) => `${l}\n`).join(""))} > ${shq(HB_MONITOR_FAILURES)}`, { timeoutMs: 60_000 });
    for (const m of mine) out.push({ resource: RESOURCE_OF[m[2] ?? ""] ?? m[2] ?? "", node: n.name, task: "monitor", status: "failed, restarted by oar-ha's service monitor", result: "error", reason: "", when: new Date(Number(m[1]) * 1000).toISOString() });
  }
  return out;
}

/**
 * `maintenance on|off` on Heartbeat: pauses (or resumes) oar-ha's service monitor on every
 * server that answers: it then restarts and moves nothing. True when any server changed.
 */
export async function pauseMonitors(c: Cluster, t: ReadonlyMap<string, Transport>, on: boolean): Promise<boolean> {
  let changed = false;
  for (const n of c.nodes.filter((x) => t.has(x.name))) {
    const script = on
      ? `[ -e ${shq(HB_MONITOR_PAUSE)} ] && exit 0; mkdir -p ${shq(dirname(HB_MONITOR_PAUSE))} && : > ${shq(HB_MONITOR_PAUSE)} && echo changed`
      : `[ -e ${shq(HB_MONITOR_PAUSE)} ] || exit 0; rm -f ${shq(HB_MONITOR_PAUSE)} && echo changed`;
    const r = await run(t.get(n.name)!, script, { timeoutMs: 15_000 });
    if (r.stdout.includes("changed")) changed = true;
  }
  return changed;
}
