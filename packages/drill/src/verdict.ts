import type { Scenario } from "./catalogue.js";
import type { Loss } from "./measure.js";

/*
 * The drill's rules, pure: who the victim of a scenario is, which scenarios take a server
 * away (it is not asked while the service comes back), and the verdict of a run from what
 * was measured. run.ts does the I/O around them.
 */

export interface AuditCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Where the groups ran before the fault (from the manager's healthy view). */
export interface Holders {
  readonly dbHolder: string;
  /** The DB group's other server. */
  readonly passive: string;
  readonly oarHolder: string;
}

/** Scenarios whose victim is powered off (crash or fencing): no connection to it is used until it is back. */
export const VICTIM_GONE: ReadonlySet<Scenario["id"]> = new Set(["F01", "F02", "D04", "N03", "S04", "S07"]);

/** Scenarios whose victim keeps running (a killed process): the manager is still asked there while detecting. */
export const VICTIM_ASKED: ReadonlySet<Scenario["id"]> = new Set(["S01", "S02", "S03", "S08"]);

/** The server a scenario breaks: the passive for F02, the OAR holder for the OAR-side faults, else the DB holder. */
export function victimOf(id: Scenario["id"], h: Holders): string {
  if (id === "F02") return h.passive;
  if (id === "F03" || id === "S01" || id === "S04" || id === "S07" || id === "S08") return h.oarHolder;
  return h.dbHolder;
}

export interface Measured {
  /** max(DB, OAR) prober outage in s; undefined = the service never came back. */
  readonly outage: number | undefined;
  /** When the scheduler answered an oarsub made after T0; undefined = never. */
  readonly schedulerBack: number | undefined;
  /** The scenario promises no outage at all (a passive's fault). */
  readonly noOutage: boolean;
  readonly dbFailures: number;
  readonly oarFailures: number;
  readonly loss: Loss;
  readonly checks: readonly AuditCheck[];
  /** Scenario-specific findings (already phrased as problems). */
  readonly extra: readonly string[];
}

/** Every reason the run failed; empty = passed. */
export function drillProblems(m: Measured): string[] {
  const problems: string[] = [];
  const l = m.loss;
  if (m.outage === undefined) problems.push("the service did not come back");
  if (m.schedulerBack === undefined) problems.push("OAR's scheduler never answered an oarsub made after the fault");
  if (m.noOutage && (m.dbFailures > 0 || m.oarFailures > 0))
    problems.push(`expected no outage; probes failed ${m.dbFailures} (DB) and ${m.oarFailures} (OAR) times`);
  if (l.lost.length) problems.push(`${l.lost.length} acknowledged row(s) lost: ${l.lost.slice(0, 10).join(", ")}`);
  if (l.phantom.length) problems.push(`${l.phantom.length} row(s) present that were never sent`);
  if (l.jobsLost.length) problems.push(`job id(s) returned by oarsub but unknown to OAR: ${l.jobsLost.join(", ")}`);
  if (l.jobsReused.length) problems.push(`job id(s) returned twice: ${l.jobsReused.join(", ")}`);
  if (l.acknowledged === 0) problems.push("no write was acknowledged: the drill proves nothing");
  for (const a of m.checks) if (!a.ok) problems.push(`audit: ${a.name}: ${a.detail}`);
  problems.push(...m.extra);
  return problems;
}
