import type { DbRun, SyncWrites } from "./parse.js";

/** The three configurations of the 2009 benchmark, in its order. */
export const CONFIGS = [
  { id: "local", title: "local filesystem" },
  { id: "drbd", title: "DRBD (protocol C)" },
  { id: "saturated", title: "DRBD, replication link saturated" },
] as const;
export type ConfigId = (typeof CONFIGS)[number]["id"];

/**
 * The 2009 figures (sysbench OLTP on MySQL, 16 threads, ext2, two Grid'5000 nodes, 740 MB/s
 * link): seconds for a fixed number of requests. The ratios below are derived from this table.
 */
export const PRIOR_2009 = [
  { requests: 5_000, local: 3.67, drbd: 3.66, saturated: 8.75 },
  { requests: 80_000, local: 61.62, drbd: 66.77, saturated: 169.64 },
  { requests: 640_000, local: 496.6, drbd: 536.77, saturated: 1375.12 },
] as const;

/** Extra time per transaction over local, percent, from the 2009 table (min and max over its rows). */
export function priorOverhead(config: "drbd" | "saturated"): { min: number; max: number } {
  const v = PRIOR_2009.map((r) => (r[config] / r.local - 1) * 100);
  return { min: Math.min(...v), max: Math.max(...v) };
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median (mean of the two middle values for an even count), min and max. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error("no values");
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]! };
}

export interface ConfigSummary {
  readonly config: ConfigId;
  readonly title: string;
  readonly runs: number;
  readonly tps: Spread;
  readonly p95Ms: Spread;
  /** Extra time per transaction over local (median tps ratio), percent; 0 for local. */
  readonly overheadPct: number;
  /** The bulk stream's median rate during the runs, Mbit/s (saturated only). */
  readonly streamMbps?: number;
}

export interface ConfigRuns {
  readonly config: ConfigId;
  readonly runs: readonly DbRun[];
  readonly streamMbps?: readonly number[];
}

/** Per configuration: spreads and the time overhead against local (the 2009 way: time for the same work). */
export function summarizeBench(all: readonly ConfigRuns[]): ConfigSummary[] {
  const local = all.find((c) => c.config === "local");
  if (!local?.runs.length) throw new Error("no local runs: nothing to compare with");
  const base = spread(local.runs.map((r) => r.tps)).median;
  return CONFIGS.flatMap((cfg) => {
    const c = all.find((x) => x.config === cfg.id);
    if (!c?.runs.length) return [];
    const tps = spread(c.runs.map((r) => r.tps));
    const streams = c.streamMbps?.length ? spread(c.streamMbps).median : undefined;
    return [
      {
        config: cfg.id,
        title: cfg.title,
        runs: c.runs.length,
        tps,
        p95Ms: spread(c.runs.map((r) => r.p95Ms)),
        overheadPct: (base / tps.median - 1) * 100,
        ...(streams !== undefined ? { streamMbps: streams } : {}),
      },
    ];
  });
}

export interface SyncSummary {
  readonly local: SyncWrites;
  readonly drbd: SyncWrites;
  /** DRBD's median commit-like write time over local's, as a factor. */
  readonly latencyFactor: number;
}

export const syncSummary = (local: SyncWrites, drbd: SyncWrites): SyncSummary => ({
  local,
  drbd,
  latencyFactor: drbd.p50Ms / local.p50Ms,
});
