import type { Cluster } from "@oar-ha/core";
import { OarHaError } from "@oar-ha/core";
import {
  HA_LOG,
  HB_MONITOR_FAILURES,
  HB_MONITOR_LOCK,
  HB_MONITOR_PAUSE,
  HB_MONITOR_STATE,
} from "@oar-ha/heartbeat-config";
import type { CrmFailure } from "@oar-ha/pacemaker-config";
import { hostScript, keyValues } from "../host-script.js";
import CLEAR from "../scripts/hb-monitor-clear.sh";
import PAUSE from "../scripts/hb-monitor-pause.sh";
import PROBE from "../scripts/hb-monitor-probe.sh";
import { run, type Transport } from "../transport.js";
import type { Check } from "./status.js";

/*
 * What `status` says of oar-ha's Heartbeat service monitor on each server: read from the state
 * file the monitor rewrites after every look (see @oar-ha/heartbeat-config's hb-monitor.sh).
 */

/** What the monitor was doing at its last look (hb-monitor.sh's `role`). */
export type MonitorRole =
  "starting" | "active" | "passive" | "transition" | "paused" | "heartbeat-down" | "handing-over";
const ROLES: readonly MonitorRole[] = [
  "starting",
  "active",
  "passive",
  "transition",
  "paused",
  "heartbeat-down",
  "handing-over",
];

export interface MonitorState {
  readonly pid: number;
  readonly role: MonitorRole;
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
  const role = ROLES.find((r) => r === kv["role"]);
  if (pid === undefined || updated === undefined || !role) return undefined;
  const last = /^(\d+) (.+)$/.exec(kv["last"] ?? "");
  return {
    pid,
    role,
    restarts: num("restarts") ?? 0,
    total: num("total") ?? 0,
    window: num("window") ?? 0,
    maxRestarts: num("max_restarts") ?? 0,
    updated,
    ...(last ? { last: { at: Number(last[1]), what: last[2] ?? "" } } : {}),
  };
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

const ROLE_SAID: Readonly<Record<MonitorRole, string>> = {
  starting: "starting",
  active: "watching the services here",
  passive: "standing by (the group runs on the peer)",
  transition: "waiting while Heartbeat moves the group",
  paused: "paused",
  "heartbeat-down": "Heartbeat does not answer",
  "handing-over": "handing the group to the peer",
};

const NOT_RUNNING_FIX =
  "fix: oar-ha apply (Heartbeat starts the monitor itself, from the `respawn` line of ha.cf: a Heartbeat started before that line was written needs a restart of Heartbeat there)";

/**
 * One status line per server. Not running, stuck, paused or without Heartbeat: degraded (the
 * services run, but a failed one would not be restarted or moved). Restarts within the window:
 * degraded too, as Pacemaker's recorded failures are, until the window has passed.
 */
export function monitorCheck(p: MonitorProbe, c: Cluster): Check {
  const name = `service monitor ${p.host}`;
  const m = c.heartbeat.monitor;
  const s = p.state;
  if (!s || !p.alive)
    return {
      name,
      ok: false,
      degraded: true,
      detail: `not running: a failed database or OAR server on ${p.host} would be neither restarted nor moved. ${NOT_RUNNING_FIX}`,
    };
  // A look takes at most two checks bounded by the timeout, a restart (each script bounded by itself) aside.
  const stale = p.now - s.updated > 2 * m.interval + 2 * m.timeout + 120;
  if (stale && s.role !== "handing-over")
    return {
      name,
      ok: false,
      degraded: true,
      detail: `stuck: its last look was at ${clock(s.updated)} (pid ${s.pid}); look at ${HA_LOG} on ${p.host}`,
    };
  const last = s.last ? `; last: ${s.last.what} at ${clock(s.last.at)}` : "";
  // The pause file (read with the state) decides: the state's role lags one look behind it.
  const paused = p.paused ?? s.role === "paused";
  if (!paused && s.role === "paused")
    return { name, ok: true, detail: `resuming: the pause was lifted; it looks again within ${m.interval} s${last}` };
  if (paused)
    return {
      name,
      ok: false,
      degraded: true,
      detail: `paused (${HB_MONITOR_PAUSE} exists): failed services are not restarted${last}`,
    };
  if (s.role === "heartbeat-down")
    return {
      name,
      ok: false,
      degraded: true,
      detail: `Heartbeat does not answer on ${p.host}: the monitor waits${last}`,
    };
  const role = ROLE_SAID[s.role];
  if (s.restarts > 0)
    return {
      name,
      ok: false,
      degraded: true,
      detail: `${role}; ${s.restarts} failure(s) in the last ${s.window} s (the group moves after ${s.maxRestarts} restarts)${last}. fix: find the cause in the database or OAR logs and ${HA_LOG} on ${p.host}, then oar-ha cleanup (or wait: the count clears ${s.window} s after the last failure)`,
    };
  return { name, ok: true, detail: `${role}${last}` };
}

/** Each reachable Heartbeat server's monitor (none when the cluster does not run one). */
export async function monitorProbes(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<MonitorProbe[]> {
  if (c.manager !== "heartbeat" || !c.heartbeat.monitor.enabled) return [];
  const script = hostScript(PROBE, { STATE: HB_MONITOR_STATE, PAUSE: HB_MONITOR_PAUSE });
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
        return {
          host: n.name,
          alive: /^alive=yes$/m.test(r.stdout),
          now,
          paused: /^paused=yes$/m.test(r.stdout),
          ...(state ? { state } : {}),
        };
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
export async function clearMonitorFailures(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  resource?: string,
): Promise<CrmFailure[]> {
  const known = Object.values(RESOURCE_OF);
  if (resource !== undefined && !known.includes(resource))
    throw new OarHaError(
      "OARHA901",
      `no resource ${resource} in this cluster\n  fix: name one of ${known.join(", ")}, or none to clean every resource`,
    );
  const services = Object.keys(RESOURCE_OF).filter((k) => resource === undefined || RESOURCE_OF[k] === resource);
  const script = hostScript(CLEAR, {
    FAILURES: HB_MONITOR_FAILURES,
    LOCK: HB_MONITOR_LOCK,
    SERVICES: services.join(" "),
  });
  // Every server at once, one round trip each (the script takes the monitor's lock there).
  const per = await Promise.all(
    c.nodes
      .filter((x) => t.has(x.name))
      .map(async (n) => {
        const r = await run(t.get(n.name)!, script, { timeoutMs: 60_000 });
        return r.stdout
          .split("\n")
          .map((l) => /^(\d+) (\w+)$/.exec(l.trim()))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m): CrmFailure => ({
            resource: RESOURCE_OF[m[2] ?? ""] ?? m[2] ?? "",
            node: n.name,
            task: "monitor",
            status: "failed, restarted by oar-ha's service monitor",
            result: "error",
            reason: "",
            when: new Date(Number(m[1]) * 1000).toISOString(),
          }));
      }),
  );
  return per.flat();
}

/**
 * `maintenance on|off` on Heartbeat: pauses (or resumes) oar-ha's service monitor on every
 * server that answers, all at once: it then restarts and moves nothing. True when any server changed.
 */
export async function pauseMonitors(c: Cluster, t: ReadonlyMap<string, Transport>, on: boolean): Promise<boolean> {
  const script = hostScript(PAUSE, { PAUSE: HB_MONITOR_PAUSE, ON: on ? 1 : 0 });
  const r = await Promise.all(
    c.nodes.filter((x) => t.has(x.name)).map((n) => run(t.get(n.name)!, script, { timeoutMs: 15_000 })),
  );
  return r.some((x) => x.stdout.includes("changed"));
}
