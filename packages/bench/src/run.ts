import { OarHaError, dbServers, replicationAddress, type Cluster } from "@oar-ha/core";
import { clusterStatus, drbdStates, hostScript, keyValues, type Transport } from "@oar-ha/remote";
import SCRATCH from "./scripts/bench-scratch.sh";
import DB from "./scripts/bench-db.sh";
import STREAM from "./scripts/bench-stream.sh";
import FIO from "./scripts/bench-fio.sh";
import { parseDbRun, parseFio, parseStream, type DbRun, type SyncWrites } from "./parse.js";
import {
  summarizeBench,
  syncSummary,
  type ConfigId,
  type ConfigRuns,
  type ConfigSummary,
  type SyncSummary,
} from "./stats.js";

/*
 * `oar-ha bench`: the 2009 DRBD benchmark, redone on a deployed cluster. On the DRBD Primary, a
 * scratch database instance (never the cluster's, never OAR's tables) runs the engine's own
 * benchmark with its data on a scratch filesystem beside DRBD, then on DRBD's filesystem, then on
 * DRBD while the replication link carries a bulk stream; then synchronous 4 KiB writes on both
 * filesystems. Everything it creates has a fixed name and is removed at the end, and at the start
 * of the next run if a run was killed.
 */

/** Where bench keeps its pids, scratch image and local mount on a DB server (root filesystem). */
export const BENCH_BASE = "/var/lib/oar-ha/bench";
/** The scratch LV's name, in the volume group of DRBD's backing LV. */
export const BENCH_LV = "oar-ha-bench";

export interface BenchOptions {
  /** Runs per configuration. */
  readonly runs: number;
  /** Seconds per run. */
  readonly duration: number;
  /** Client connections (2009: 16). */
  readonly threads: number;
  /** Data size: pgbench scale factor; sysbench 4 tables of scale x 25,000 rows. */
  readonly scale: number;
  /** Seconds of synchronous 4 KiB writes on each filesystem. */
  readonly fioSeconds: number;
  /** Size of the scratch filesystem beside DRBD. */
  readonly scratchSize: string;
}

export const BENCH_DEFAULTS: BenchOptions = {
  runs: 3,
  duration: 60,
  threads: 16,
  scale: 10,
  fioSeconds: 30,
  scratchSize: "1G",
};

/** How long the servers are loaded, seconds, without the data loads (their time depends on the disks). */
export const benchLoadSeconds = (o: BenchOptions): number => 3 * o.runs * (o.duration + 5) + 2 * o.fioSeconds;

export interface BenchContext {
  readonly cluster: Cluster;
  readonly transports: ReadonlyMap<string, Transport>;
  readonly log?: (m: string) => void;
}

export interface BenchResult {
  readonly cluster: string;
  readonly engine: string;
  readonly tool: string;
  readonly primary: string;
  readonly secondary: string;
  /** What "local" is on this cluster (a scratch LV in the VG, or a loop image on the root filesystem). */
  readonly localNote: string;
  readonly options: BenchOptions;
  readonly configs: readonly ConfigRuns[];
  readonly summaries: readonly ConfigSummary[];
  readonly sync: SyncSummary;
  /** What an earlier, killed run had left and this one removed first, per server. */
  readonly leftovers: Readonly<Record<string, string>>;
  readonly date: string;
}

function transport(ctx: BenchContext, host: string): Transport {
  const t = ctx.transports.get(host);
  if (!t) throw new OarHaError("OARHA110", `no connection to ${host}`);
  return t;
}

function scratchVars(c: Cluster, action: string): Record<string, string> {
  const s = c.storage.kind === "drbd" ? c.storage : undefined;
  const lvm = s?.backing.kind === "lvm" ? s.backing : undefined;
  return {
    ACTION: action,
    ENGINE: c.database.engine,
    BASE: BENCH_BASE,
    KIND: lvm ? "lvm" : "file",
    VG: lvm?.volumeGroup ?? "",
    LV: BENCH_LV,
    MP: c.storage.mountPoint,
  };
}

async function script(
  ctx: BenchContext,
  host: string,
  text: string,
  vars: Record<string, string | number>,
  what: string,
  timeoutMs = 600_000,
): Promise<string> {
  const r = await transport(ctx, host).exec(hostScript(text, vars), { timeoutMs });
  if (r.code !== 0)
    throw new OarHaError(
      "OARHA911",
      `${host}: bench ${what} failed (exit ${r.code}): ${r.stderr.trim().slice(-600) || r.stdout.trim().slice(-600)}\n  fix: read the message; the scratch space is removed by the next run (or oar-ha bench --cleanup)`,
    );
  return r.stdout;
}

/** Removes what bench creates, on every DB server; per server, what was there. */
export async function benchCleanup(
  ctx: BenchContext,
  size = BENCH_DEFAULTS.scratchSize,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of dbServers(ctx.cluster)) {
    const kv = keyValues(
      await script(ctx, n.name, SCRATCH, { ...scratchVars(ctx.cluster, "cleanup"), SIZE: size }, "cleanup", 180_000),
    );
    if (kv.removed) out[n.name] = kv.removed;
  }
  return out;
}

/** Why bench must not run now (empty when it may): the cluster healthy, DRBD connected and in sync. */
export async function benchRefusals(ctx: BenchContext): Promise<string[]> {
  const c = ctx.cluster;
  if (c.storage.kind !== "drbd")
    return [`storage.kind is ${c.storage.kind}: bench measures what DRBD costs the database, there is no DRBD here`];
  const st = await clusterStatus(c, ctx.transports);
  return st.checks.filter((x) => !x.ok).map((x) => `${x.name}: ${x.detail}`);
}

export async function runBench(ctx: BenchContext, o: BenchOptions): Promise<BenchResult> {
  const c = ctx.cluster;
  const log = ctx.log ?? (() => undefined);
  const refusals = await benchRefusals(ctx);
  if (refusals.length)
    throw new OarHaError(
      "OARHA405",
      `bench runs only on a healthy cluster with DRBD connected and in sync; now:\n  ${refusals.join("\n  ")}\n  fix: oar-ha status shows the same; wait for the resync, or repair, then run bench again`,
    );
  const states = await drbdStates(c, ctx.transports);
  const primary = states.find((x) => x.role === "Primary")?.host;
  const secondary = states.find((x) => x.role === "Secondary")?.host;
  if (!primary || !secondary)
    throw new OarHaError(
      "OARHA405",
      `bench needs one DRBD Primary and one Secondary; found ${states.map((x) => `${x.host} ${x.role}`).join(", ")}\n  fix: oar-ha status`,
    );
  const servers = dbServers(c);
  const addr = (h: string) => replicationAddress(servers.find((n) => n.name === h)!);
  const engine = c.database.engine;

  const missing: string[] = [];
  for (const h of [primary, secondary]) {
    const kv = keyValues(
      await script(ctx, h, SCRATCH, { ...scratchVars(c, "probe"), SIZE: o.scratchSize }, "probe", 60_000),
    );
    const tools =
      (h === primary
        ? kv.missing
        : kv.missing
            ?.split(" ")
            .filter((t) => t === "iperf3")
            .join(" ")) ?? "";
    if (tools) missing.push(`${h}: ${tools}`);
  }
  if (missing.length)
    throw new OarHaError(
      "OARHA406",
      `bench needs tools that are not installed: ${missing.join("; ")}\n  fix: apt-get install fio iperf3 ${engine === "postgresql" ? "postgresql-contrib" : "sysbench"} on those servers (the lab's VM image has them), then run bench again`,
    );

  const leftovers = await benchCleanup(ctx, o.scratchSize);
  for (const [h, what] of Object.entries(leftovers)) log(`bench: ${h}: removed what an earlier run left: ${what}`);
  const run = `${BENCH_BASE}/run`;
  try {
    const setup = keyValues(
      await script(
        ctx,
        primary,
        SCRATCH,
        { ...scratchVars(c, "setup"), SIZE: o.scratchSize },
        "scratch setup",
        600_000,
      ),
    );
    const dirs: Record<"local" | "drbd", string> = { local: setup.local ?? "", drbd: setup.drbd ?? "" };
    const localNote =
      c.storage.kind === "drbd" && c.storage.backing.kind === "lvm"
        ? `ext4 on a scratch LV ${c.storage.backing.volumeGroup}/${BENCH_LV} beside DRBD's backing LV`
        : `ext4 on a loop image under ${BENCH_BASE} (root filesystem of ${primary})`;
    const db = (action: string, dir: string, extra: Record<string, string | number> = {}, timeoutMs = 1_800_000) =>
      script(
        ctx,
        primary,
        DB,
        {
          ACTION: action,
          ENGINE: engine,
          DIR: `${dir}/db`,
          RUN: run,
          THREADS: o.threads,
          DURATION: o.duration,
          SCALE: o.scale,
          ...extra,
        },
        `${engine} ${action}`,
        timeoutMs,
      );
    const configs: ConfigRuns[] = [];
    const total = 3 * o.runs;
    let done = 0;
    for (const where of ["local", "drbd"] as const) {
      log(
        `bench: ${where === "local" ? "local filesystem" : "DRBD"}: starting a scratch ${engine} instance, loading data (scale ${o.scale})`,
      );
      await db("start", dirs[where]);
      await db("prepare", dirs[where]);
      const ids: ConfigId[] = where === "local" ? ["local"] : ["drbd", "saturated"];
      for (const id of ids) {
        const runs: DbRun[] = [];
        const streams: number[] = [];
        for (let i = 1; i <= o.runs; i++) {
          if (id === "saturated") {
            await script(
              ctx,
              secondary,
              STREAM,
              { ACTION: "server", RUN: run, ADDR: addr(secondary), PEER: addr(primary), SECS: 0 },
              "stream server",
              60_000,
            );
            await script(
              ctx,
              primary,
              STREAM,
              { ACTION: "client", RUN: run, ADDR: addr(primary), PEER: addr(secondary), SECS: o.duration + 4 },
              "stream client",
              60_000,
            );
          }
          const r = parseDbRun(await db("run", dirs[where], {}, (o.duration + 600) * 1000));
          runs.push(r);
          let note = "";
          if (id === "saturated") {
            const mbps = parseStream(
              await script(
                ctx,
                primary,
                STREAM,
                { ACTION: "result", RUN: run, ADDR: addr(primary), PEER: addr(secondary), SECS: 0 },
                "stream result",
                120_000,
              ),
            );
            if (mbps !== undefined) {
              streams.push(mbps);
              note = `, stream ${mbps.toFixed(0)} Mbit/s`;
            } else note = ", stream did not run";
          }
          done++;
          log(
            `bench: [${done}/${total}] ${id} run ${i}/${o.runs}: ${r.tps.toFixed(1)} tps, p95 ${r.p95Ms.toFixed(1)} ms${note}`,
          );
        }
        configs.push({ config: id, runs, ...(id === "saturated" ? { streamMbps: streams } : {}) });
      }
      await db("stop", dirs[where]);
    }
    const fio = async (where: "local" | "drbd"): Promise<SyncWrites> => {
      log(
        `bench: synchronous 4 KiB writes on the ${where === "local" ? "local" : "DRBD"} filesystem (${o.fioSeconds} s)`,
      );
      return parseFio(
        await script(
          ctx,
          primary,
          FIO,
          { DIR: dirs[where], SECS: o.fioSeconds, RUN: run },
          "fio",
          (o.fioSeconds + 120) * 1000,
        ),
      );
    };
    const sync = syncSummary(await fio("local"), await fio("drbd"));
    return {
      cluster: c.cluster,
      engine,
      tool: engine === "postgresql" ? "pgbench (TPC-B like)" : "sysbench oltp_read_write",
      primary,
      secondary,
      localNote,
      options: o,
      configs,
      summaries: summarizeBench(configs),
      sync,
      leftovers,
      date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    };
  } finally {
    await benchCleanup(ctx, o.scratchSize).catch((e: unknown) =>
      log(`bench: cleanup failed: ${(e as Error).message}; run oar-ha bench --cleanup`),
    );
  }
}
