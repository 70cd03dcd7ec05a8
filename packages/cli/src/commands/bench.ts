import { existsSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { defineCommand } from "citty";
import { OarHaError } from "@oar-ha/core";
import {
  BENCH_DEFAULTS,
  benchCleanup,
  benchLoadSeconds,
  benchMarkdown,
  benchSvg,
  benchTable,
  runBench,
  type BenchOptions,
} from "@oar-ha/bench";
import { EXIT, json } from "../io/output.js";
import { journal, openSession } from "../io/session.js";
import { clusterArgs } from "../io/args.js";

function whole(v: string, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new OarHaError(
      "OARHA901",
      `--${flag} must be a whole number from ${min} to ${max} (got ${v})\n  fix: oar-ha bench --help`,
    );
  return n;
}

export default defineCommand({
  meta: {
    name: "bench",
    description:
      "What DRBD costs the database: its own benchmark on a local filesystem, on DRBD, on DRBD with a saturated link (the 2009 benchmark)",
  },
  args: {
    ...clusterArgs,
    runs: { type: "string", description: "Runs per configuration", default: String(BENCH_DEFAULTS.runs) },
    duration: { type: "string", description: "Seconds per run", default: String(BENCH_DEFAULTS.duration) },
    threads: { type: "string", description: "Client connections", default: String(BENCH_DEFAULTS.threads) },
    scale: {
      type: "string",
      description: "Data size (pgbench scale; sysbench 4 tables of scale x 25,000 rows)",
      default: String(BENCH_DEFAULTS.scale),
    },
    "fio-seconds": {
      type: "string",
      description: "Seconds of synchronous 4 KiB writes per filesystem",
      default: String(BENCH_DEFAULTS.fioSeconds),
    },
    "scratch-size": {
      type: "string",
      description: "Size of the scratch filesystem beside DRBD (LV in the same VG, or a loop image)",
      default: BENCH_DEFAULTS.scratchSize,
    },
    report: { type: "string", description: "Write a Markdown report there (plus .json and .svg next to it)" },
    cleanup: { type: "boolean", description: "Only remove what a killed bench left on the DB servers" },
    yes: { type: "boolean", description: "Required on real servers: bench loads the DB servers for minutes" },
    "trust-new-hosts": { type: "boolean", description: "Accept host keys not yet in known_hosts" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const o: BenchOptions = {
      runs: whole(args.runs, "runs", 1, 100),
      duration: whole(args.duration, "duration", 5, 3600),
      threads: whole(args.threads, "threads", 1, 256),
      scale: whole(args.scale, "scale", 1, 10_000),
      fioSeconds: whole(args["fio-seconds"], "fio-seconds", 1, 3600),
      scratchSize: args["scratch-size"],
    };
    if (!/^[1-9][0-9]*[MG]$/.test(o.scratchSize))
      throw new OarHaError("OARHA901", `--scratch-size must be a size like 800M or 4G (got ${o.scratchSize})`);
    const lab = existsSync(join(dirname(args.file), "lab.json"));
    const minutes = Math.ceil(benchLoadSeconds(o) / 60);
    if (!lab && !args.yes && !args.cleanup)
      throw new OarHaError(
        "OARHA901",
        `bench loads the DB servers for about ${minutes} min (plus loading the data), on the DRBD Primary that serves OAR: OAR keeps running, slower\n  fix: run it at a quiet time with --yes: oar-ha bench ${args.file} --yes`,
      );
    const s = await openSession(args.file, args.secrets, args["trust-new-hosts"] === true);
    const log = journal(args.file, "bench");
    const say = (m: string) => {
      process.stderr.write(`${m}\n`);
      log.write({ type: "bench", message: m });
    };
    try {
      const ctx = { cluster: s.cluster, transports: s.transports, log: say };
      if (args.cleanup) {
        const removed = await benchCleanup(ctx, o.scratchSize);
        const lines = Object.entries(removed).map(([h, w]) => `${h}: removed ${w}`);
        process.stdout.write(
          lines.length ? `${lines.join("\n")}\n` : "nothing to remove: no bench left anything on the DB servers\n",
        );
        return EXIT.ok;
      }
      say(
        `bench: about ${minutes} min of load plus the data loads: ${o.runs} runs x ${o.duration} s in 3 configurations, ${o.fioSeconds} s of synchronous writes twice`,
      );
      const r = await runBench(ctx, o);
      if (args.json) json(r);
      else process.stdout.write(`${benchTable(r)}\n`);
      if (args.report) {
        const base = args.report.replace(/\.md$/, "");
        writeFileSync(`${base}.svg`, benchSvg(r));
        writeFileSync(`${base}.json`, JSON.stringify(r, null, 2) + "\n");
        const machine = `${hostname()} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version})`;
        writeFileSync(args.report, benchMarkdown(r, basename(`${base}.svg`), machine));
        say(`report: ${args.report}`);
      }
      return EXIT.ok;
    } finally {
      await s.close();
    }
  },
});
