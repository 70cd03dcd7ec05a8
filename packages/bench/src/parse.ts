/*
 * What the host scripts and the tools print, read (pure). Each parser refuses output it does not
 * understand with an error naming what was missing: a benchmark that silently reads 0 is worse
 * than none.
 */

export interface DbRun {
  /** Transactions per second over the run. */
  readonly tps: number;
  /** 95th percentile transaction latency, milliseconds. */
  readonly p95Ms: number;
  readonly transactions: number;
}

function num(v: string | undefined, what: string, text: string): number {
  const n = v === undefined || v === "" ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) throw new Error(`benchmark output without ${what}: ${text.trim().slice(-400) || "(empty)"}`);
  return n;
}

/** bench-db.sh `run`: tps=, p95ms=, transactions= lines. */
export function parseDbRun(text: string): DbRun {
  const v: Record<string, string> = {};
  for (const l of text.split("\n")) {
    const m = /^(tps|p95ms|transactions)=(.*)$/.exec(l.trim());
    if (m) v[m[1]!] = m[2]!.trim();
  }
  const r = {
    tps: num(v.tps, "tps", text),
    p95Ms: num(v.p95ms, "p95ms", text),
    transactions: num(v.transactions, "transactions", text),
  };
  if (r.transactions <= 0) throw new Error(`benchmark run committed no transaction: ${text.trim().slice(-400)}`);
  return r;
}

export interface SyncWrites {
  /** Synchronous 4 KiB writes per second (each one fdatasync'ed). */
  readonly iops: number;
  /** Median and 95th percentile of one write plus its fdatasync, milliseconds. */
  readonly p50Ms: number;
  readonly p95Ms: number;
}

interface FioLat {
  readonly percentile?: Record<string, number>;
}
interface FioJob {
  readonly write?: { readonly iops?: number; readonly clat_ns?: FioLat };
  readonly sync?: { readonly lat_ns?: FioLat };
}

/** fio's JSON report of bench-fio.sh: write + fdatasync latency per 4 KiB write. */
export function parseFio(text: string): SyncWrites {
  let job: FioJob | undefined;
  try {
    job = (JSON.parse(text) as { jobs?: FioJob[] }).jobs?.[0];
  } catch {
    throw new Error(`fio did not print a JSON report: ${text.trim().slice(-400) || "(empty)"}`);
  }
  const w = job?.write;
  const pct = (l: FioLat | undefined, p: string) => l?.percentile?.[p];
  const iops = num(w?.iops === undefined ? undefined : String(w.iops), "write iops", text);
  if (iops <= 0) throw new Error("fio wrote nothing");
  // One commit-like write = the write itself, then its fdatasync: the sum of the two percentiles
  // bounds the pair's percentile from above (fio measures them apart).
  const at = (p: string) =>
    num(
      String((pct(w?.clat_ns, p) ?? Number.NaN) + (pct(job?.sync?.lat_ns, p) ?? Number.NaN)),
      `latency percentile ${p}`,
      text,
    ) / 1e6;
  return { iops, p50Ms: at("50.000000"), p95Ms: at("95.000000") };
}

/** iperf3's JSON report: the bulk stream's rate, Mbit/s (undefined when it did not run). */
export function parseStream(text: string): number | undefined {
  try {
    const j = JSON.parse(text) as { end?: { sum_sent?: { bits_per_second?: number } } };
    const b = j.end?.sum_sent?.bits_per_second;
    return typeof b === "number" ? b / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
