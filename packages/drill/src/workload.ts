import { dbPort, dbVip, type Cluster, type Secrets } from "@oar-ha/core";
import AGENT_TEXT from "./scripts/drill-agent.pl";
import LOOP_TEXT from "./scripts/oarha-drill-loop.sh";
import CLEAR_TEXT from "./scripts/drill-clear-jobs.sh";

/*
 * The drill workload runs on a frontend, where OAR's clients live: Perl with DBI and the
 * DBD of the cluster's engine are there by construction (oar-user-pgsql / oar-user-mysql).
 * One small Perl agent, four loops, each appending one line per operation to its own file:
 *
 *   probe-db   SELECT 1 through the DB VIP every 100 ms          "<t> ok|fail"
 *   probe-oar  TCP connect to Almighty through the OAR VIP       "<t> ok|fail"
 *   writer     numbered INSERTs into oarha_drill                  "<t> <n> ack|fail|indet"
 *   oarsub     a reservation judged by OAR's scheduler, each second "<t> ack <id> <end>|fail <end>"
 *
 * Almighty's port can answer while nothing schedules (its children outlive a killed main
 * process), so OAR counts as back only when the scheduler answers oarsub again.
 * A write is `ack` only when the commit returned, `fail` when it was never sent (no
 * connection), `indet` when it was sent and no answer came (it may or may not be there):
 * the checker counts indeterminate operations apart, never as success. Every network wait
 * is bounded (connect and statement timeouts, an unsafe ALRM that interrupts libpq/libmysql).
 * Credentials come from a 0600 file, never from the command line or the environment.
 */

export const DRILL_TABLE = "oarha_drill";
export const AGENT_PATH = "/var/lib/oar-ha/drill/agent.pl";

/** The agent (Perl, checked by perl -c in the tests): installed at AGENT_PATH, run as `perl AGENT_PATH CONFIG MODE`. */
export const AGENT: string = AGENT_TEXT;

/** The job loop (see the script): installed at LOOP_PATH, run as `sh LOOP_PATH DIR USER`; its name is how the stop finds it. */
export const LOOP: string = LOOP_TEXT;
export const LOOP_PATH = "/var/lib/oar-ha/drill/oarha-drill-loop.sh";

/** Deletes the drill user's leftover jobs: run through hostScript with DRILL_USER. */
export const CLEAR_JOBS: string = CLEAR_TEXT;

/** The agent's configuration (it holds the OAR DB password: put 0600, never printed). */
export function agentConfig(c: Cluster, s: Secrets, dir: string): string {
  return [
    `type=${c.database.engine === "postgresql" ? "Pg" : "mysql"}`,
    `host=${dbVip(c).hostname}`,
    `port=${dbPort(c)}`,
    `db=${c.database.name}`,
    `user=${c.database.user}`,
    `pass=${s.dbPassword}`,
    `oarhost=${c.vips.oar.hostname}`,
    `oarport=${c.oar.serverPort}`,
    `dir=${dir}`,
    `table=${DRILL_TABLE}`,
    "",
  ].join("\n");
}

export interface Sample {
  readonly t: number;
  readonly ok: boolean;
}

export interface WorkloadLogs {
  readonly probeDb: readonly Sample[];
  readonly probeOar: readonly Sample[];
  readonly writes: readonly { t: number; n: number; status: "ack" | "fail" | "indet" }[];
  /** Each oarsub call: start, end, and the job id when the scheduler answered. */
  readonly jobs: readonly { t: number; end: number; id?: number }[];
}

/** Parses the four logs (pure). Lines cut short by a stop are ignored. */
export function parseLogs(text: { probeDb: string; probeOar: string; writer: string; oarsub: string }): WorkloadLogs {
  const lines = (s: string) =>
    s
      .split("\n")
      .map((l) => l.trim().split(" "))
      .filter((p) => p.length >= 2 && Number.isFinite(Number(p[0])));
  return {
    probeDb: lines(text.probeDb).map((p) => ({ t: Number(p[0]), ok: p[1] === "ok" })),
    probeOar: lines(text.probeOar).map((p) => ({ t: Number(p[0]), ok: p[1] === "ok" })),
    writes: lines(text.writer)
      .filter((p) => p.length === 3 && ["ack", "fail", "indet"].includes(p[2] ?? ""))
      .map((p) => ({ t: Number(p[0]), n: Number(p[1]), status: p[2] as "ack" | "fail" | "indet" })),
    jobs: lines(text.oarsub)
      .filter((p) => (p[1] === "ack" && p.length === 4) || (p[1] === "fail" && p.length === 3))
      .map((p) =>
        p[1] === "ack"
          ? { t: Number(p[0]), id: Number(p[2]), end: Number(p[3]) }
          : { t: Number(p[0]), end: Number(p[2]) },
      ),
  };
}
