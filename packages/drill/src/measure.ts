import type { Sample, WorkloadLogs } from "./workload.js";

/*
 * What a drill measured, from the workload's logs and the injection time. Pure.
 *
 * Outage of a prober = from the injection (T0) to the first success that follows its first
 * failure at or after T0; 0 when it never failed. The service outage is the longer of the
 * DB and OAR probers. A prober that is still failing at the end has no recovery: outage is
 * undefined and the drill fails.
 */

export interface ProbeOutage {
  /** Seconds from T0 to recovery; 0 = never failed; undefined = never recovered. */
  readonly seconds: number | undefined;
  readonly failures: number;
}

export function probeOutage(samples: readonly Sample[], t0: number): ProbeOutage {
  const after = samples.filter((s) => s.t >= t0);
  const firstFail = after.findIndex((s) => !s.ok);
  const failures = after.filter((s) => !s.ok).length;
  if (firstFail < 0) return { seconds: 0, failures: 0 };
  const back = after.slice(firstFail).find((s) => s.ok);
  return { seconds: back ? back.t - t0 : undefined, failures };
}

export interface Loss {
  readonly acknowledged: number;
  /** Acknowledged writes missing after recovery: must be 0. */
  readonly lost: readonly number[];
  readonly indeterminate: number;
  /** Indeterminate writes that turned out committed. */
  readonly indeterminatePresent: number;
  /** Rows present that were never sent (a `fail`): impossible unless the checker is wrong. */
  readonly phantom: readonly number[];
  readonly jobsAcknowledged: number;
  /** Job ids oarsub returned that OAR does not know after recovery: must be empty. */
  readonly jobsLost: readonly number[];
  /** A job id returned twice: must be empty. */
  readonly jobsReused: readonly number[];
}

export function loss(logs: WorkloadLogs, presentRows: ReadonlySet<number>, knownJobs: ReadonlySet<number>): Loss {
  const acked = logs.writes.filter((w) => w.status === "ack");
  const indet = logs.writes.filter((w) => w.status === "indet");
  const failed = logs.writes.filter((w) => w.status === "fail");
  const ids = logs.jobs.flatMap((j) => (j.id === undefined ? [] : [j.id]));
  const seen = new Set<number>();
  const reused = new Set<number>();
  for (const id of ids) (seen.has(id) ? reused : seen).add(id);
  return {
    acknowledged: acked.length,
    lost: acked.filter((w) => !presentRows.has(w.n)).map((w) => w.n),
    indeterminate: indet.length,
    indeterminatePresent: indet.filter((w) => presentRows.has(w.n)).length,
    phantom: failed.filter((w) => presentRows.has(w.n)).map((w) => w.n),
    jobsAcknowledged: ids.length,
    jobsLost: [...seen].filter((id) => !knownJobs.has(id)),
    jobsReused: [...reused],
  };
}

/**
 * When OAR's scheduler answered again: the end of the first `oarsub -r` call that started at
 * or after T0 and got its answer, in seconds after T0 (undefined when none did). It includes
 * the scheduler's usual latency (`oarsubLatency` before T0 says how much): a call is only
 * proof of a working server when it was made after the fault.
 */
export function schedulerBack(logs: WorkloadLogs, t0: number): number | undefined {
  const back = logs.jobs.find((j) => j.t >= t0 && j.id !== undefined);
  return back ? back.end - t0 : undefined;
}

/** Median duration of the oarsub calls answered before T0 (the scheduler's usual latency). */
export const oarsubLatency = (logs: WorkloadLogs, t0: number): number | undefined =>
  percentile(
    logs.jobs.filter((j) => j.end < t0 && j.id !== undefined).map((j) => j.end - j.t),
    50,
  );

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}
