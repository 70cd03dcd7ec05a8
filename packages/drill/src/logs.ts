import { dbServers, oarServers, pgVersion, type Cluster } from "@oar-ha/core";
import type { ScenarioId, Target } from "./catalogue.js";

/*
 * The audit's log check: every error-level line the servers logged during a run must be
 * explained by the fault the drill injected. Pure: which files, what counts as an error,
 * and which errors a scenario explains. The runner reads only what was appended after T0.
 */

export interface LogSource {
  readonly host: string;
  readonly path: string;
  /** Matches an error-level line of this log. */
  readonly error: RegExp;
}

export function logSources(c: Cluster): LogSource[] {
  const out: LogSource[] = [];
  for (const n of c.nodes) {
    if (c.manager === "pacemaker") {
      // Daemons: "(function) \terror: ..."; resource agents: "pgsql(db)[675]:    ERROR: ...".
      out.push({
        host: n.name,
        path: "/var/log/pacemaker/pacemaker.log",
        error: /\)\s+(error|crit|emerg):\s|\]:\s+(ERROR|CRIT):\s/,
      });
      out.push({
        host: n.name,
        path: "/var/log/corosync/corosync.log",
        error: /\[(ERROR|CRIT)\s*\]|\s(error|crit)\s+\[/,
      });
    } else {
      out.push({ host: n.name, path: "/var/log/ha-log", error: /\s(ERROR|CRIT|crit|error):\s/ });
    }
  }
  for (const n of dbServers(c)) {
    if (c.database.engine === "postgresql")
      out.push({
        host: n.name,
        path: `/var/log/postgresql/postgresql-${pgVersion(c)}-main.log`,
        error: /\s(ERROR|FATAL|PANIC):\s/,
      });
    else out.push({ host: n.name, path: "/var/log/mysql/error.log", error: /\[ERROR\]/ });
  }
  for (const n of oarServers(c)) out.push({ host: n.name, path: "/var/log/oar.log", error: /\[(error|ERROR)\]/ });
  return out;
}

export interface Explanation {
  readonly pattern: RegExp;
  readonly why: string;
  /** Scenarios whose fault explains the line; "any" = any fault that interrupts a service. */
  readonly scenarios: readonly ScenarioId[] | "any";
  /** Explains the line in the namespace lab only (a limit of the lab, not of a real server). */
  readonly labOnly?: boolean;
}

/** Scenarios in which a server's cluster stack stops and starts again (crash, fence, kill). */
const RESTARTED_STACK: readonly ScenarioId[] = ["F01", "F02", "N01", "N02", "S04", "S05", "S07"];

/**
 * Error lines that the injected faults explain, each learnt from real runs in the lab (see
 * docs/drills.md). Anything else fails the audit: a new kind of error is a finding until
 * someone explains it here.
 */
export const EXPLANATIONS: readonly Explanation[] = [
  // Clients (the probers, OAR) connecting while PostgreSQL stops, crashes or starts.
  {
    pattern:
      /FATAL:\s+the database system is (starting up|not yet accepting connections|shutting down|in recovery mode)/,
    why: "a client connected while PostgreSQL was starting or stopping",
    scenarios: "any",
  },
  {
    pattern:
      /FATAL:\s+terminating connection (due to administrator command|because of crash of another server process)/,
    why: "PostgreSQL ended its sessions as it stopped or crashed",
    scenarios: "any",
  },
  // Backends that outlive a killed postmaster (kill -9 of the DB, a crashed or fenced server).
  {
    pattern: /FATAL:\s+terminating connection due to unexpected postmaster exit/,
    why: "PostgreSQL's backends noticed their postmaster was killed",
    scenarios: ["S02", "S03", ...RESTARTED_STACK],
  },
  // The pgsql agent checks a postmaster.pid left by a stopped or crashed server with kill -0.
  {
    pattern: /pgsql\(db\).*ERROR: command failed: runuser postgres -c .*kill -s 0 /,
    why: "the pgsql agent probed a stale postmaster.pid (PostgreSQL was stopped or killed)",
    scenarios: "any",
  },
  // The mysql agent validates the data directory before a monitor says "not running": on a
  // server without the cluster storage (a probe of the passive or rejoining server) it logs
  // this ERROR first (seen in four-node F01, 2026-11-26, on the DB server back from its crash).
  {
    pattern: /mysql\(db\)\[\d+\]:\s+ERROR: Datadir \S+ doesn't exist/,
    why: "the mysql agent probed a server where the cluster storage is not mounted (it then reports not running)",
    scenarios: "any",
  },
  // The mysql agent starting MariaDB again after it was killed (its PID file left behind).
  {
    pattern: /mysql\(db\)\[\d+\]:\s+ERROR: MySQL not running: removing old PID file/,
    why: "the mysql agent cleaned the PID file of a killed MariaDB before starting it again",
    scenarios: ["S02", "S03", ...RESTARTED_STACK],
  },
  // OAR (Almighty and its modules) connecting while the database is down or moving: seen in S02
  // (2026-12-06, two-node PostgreSQL Pacemaker, 7.5 s outage). Not explained where the DB stays up (S01).
  {
    pattern: /\[IOlib\] Cannot connect to database/,
    why: "OAR tried the database while it was down or moving to the other server",
    scenarios: ["S02", "S03", "F03", "N03", "D04", ...RESTARTED_STACK],
  },
  // MariaDB: clients cut off while it stops, crashes or starts.
  {
    pattern:
      /\[ERROR\].*(Aborted connection|Got an error reading communication packets|Got timeout reading communication packets)/,
    why: "MariaDB saw a client connection die with the server it ran through",
    scenarios: "any",
  },
  // The cluster stack of a server whose corosync died (S05) or that was partitioned away.
  {
    pattern:
      /Lost connection to cluster layer, shutting down|Connection to the CPG API failed|Connection to stonith-ng (closed|IPC failed)|IPC provider disconnected while waiting|exited with status \d+ \(Not connected\)/,
    why: "Pacemaker's daemons lost corosync (killed, or the server was cut off and stopped)",
    scenarios: ["S05", "N01", "N02"],
  },
  // A server brought back by the drill's rejoin: a daemon's IPC client went away mid-setup.
  {
    pattern: /Error in connection setup \(\/dev\/shm\/qb-[^)]*\): Broken pipe/,
    why: "a Pacemaker IPC client of the rejoining server went away while connecting",
    scenarios: RESTARTED_STACK,
  },
  // A server brought back by the drill's rejoin: pacemakerd starts while corosync still forms.
  {
    pattern: /Could not connect to Corosync CFG: CS_ERR_(LIBRARY|TRY_AGAIN)/,
    why: "pacemakerd retried corosync while the rejoining server's corosync was still starting",
    scenarios: RESTARTED_STACK,
  },
  // The lab's hosts cannot raise RLIMIT_MEMLOCK (the machine lacks CAP_SYS_RESOURCE), so
  // Heartbeat cannot lock itself in memory there; on servers the systemd drop-in allows it.
  {
    pattern: /heartbeat.*ERROR: Cannot lock ourselves into memory/,
    why: "the lab cannot raise the locked-memory limit",
    scenarios: "any",
    labOnly: true,
  },
  // Heartbeat's own packets refused by the partition's firewall (the drill's OUTPUT rules give
  // EPERM): seen on the dropping server in N01 (2026-12-06, two-node MariaDB Heartbeat, fenced).
  {
    pattern:
      /heartbeat: \[\d+\]: ERROR: (glib: ucast_write: Unable to send HBcomm packet|write_child: write failure on ucast) .*Operation not permitted/,
    why: "Heartbeat's packets dropped by the partition's firewall",
    scenarios: ["N01", "N02"],
  },
  // S07's own fault, reported by the agent and Pacemaker.
  {
    pattern: /stop refused on purpose|Result of stop operation for oar-server on \S+: error/,
    why: "S07's injected stop failure",
    scenarios: ["S07"],
  },
  // S08's own fault: the OAR server's start refused on the victim, reported by the agent and Pacemaker, or by oar-ha's Heartbeat monitor as it gives up and hands the group over.
  {
    pattern: /start refused on purpose|Result of start operation for oar-server on \S+: error/,
    why: "S08's injected start failure",
    scenarios: ["S08"],
  },
  {
    pattern: /oar-ha-hb-monitor\[\d+\]: \S+ ERROR: (oar did not start again|oar failed \d+ times within \d+ s)/,
    why: "oar-ha's Heartbeat monitor: the OAR server would not start again (S08), so it hands the group over",
    scenarios: ["S08"],
  },
];

export interface UnexplainedLine {
  readonly host: string;
  readonly path: string;
  readonly line: string;
}

/** The error lines among `text` (appended after T0) that no explanation for `id` covers. */
export function unexplained(
  src: LogSource,
  text: string,
  id: ScenarioId,
  target: Target = "ssh",
): { errors: number; unexplained: UnexplainedLine[] } {
  let errors = 0;
  const out: UnexplainedLine[] = [];
  for (const line of text.split("\n")) {
    if (!src.error.test(line)) continue;
    errors++;
    const ok = EXPLANATIONS.some(
      (e) =>
        (e.scenarios === "any" || e.scenarios.includes(id)) && (!e.labOnly || target === "lab") && e.pattern.test(line),
    );
    if (!ok) out.push({ host: src.host, path: src.path, line: line.slice(0, 300) });
  }
  return { errors, unexplained: out };
}
