#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ship } from "./agent.js";
import { fileStore } from "./node-io.js";
import { Receiver } from "./replica.js";
import { serve } from "./wire.js";

/*
 * oar-ha-log-sync ship --log /var/log/oar.log [--status FILE] -- ssh -i KEY root@peer
 * oar-ha-log-sync receive --replica /var/log/oar-ha/oar.log.<peer> [--rotate-mib 64] [--keep 5]
 *   (the forced command of the peer's key)
 */

const usage =
  "usage: oar-ha-log-sync ship --log FILE [--status FILE] -- COMMAND...  |  oar-ha-log-sync receive --replica FILE [--rotate-mib N] [--keep N]";

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const [mode, ...rest] = argv;
  const dash = rest.indexOf("--");
  const { values } = parseArgs({
    args: dash >= 0 ? rest.slice(0, dash) : rest,
    options: {
      log: { type: "string" },
      status: { type: "string" },
      replica: { type: "string" },
      "max-batch": { type: "string" },
      "rotate-mib": { type: "string" },
      keep: { type: "string" },
    },
  });
  if (mode === "receive") {
    if (!values.replica) throw new Error(`--replica is required\n${usage}`);
    const r = new Receiver(fileStore(values.replica, { keep: positive("keep", values.keep, 5) }), {
      rotateBytes: positive("rotate-mib", values["rotate-mib"], 64) * 1024 * 1024,
    });
    await r.open();
    // The shipper went away: what was applied is committed; nothing to answer any more.
    process.stdout.on("error", () => process.exit(0));
    await serve(process.stdin, process.stdout, r);
    return 0;
  }
  if (mode === "ship") {
    const via = dash >= 0 ? rest.slice(dash + 1) : [];
    if (!values.log || via.length === 0) throw new Error(`--log and a command after -- are required\n${usage}`);
    const ac = new AbortController();
    for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => ac.abort());
    await ship({
      log: values.log,
      via,
      ...(values.status ? { statusFile: values.status } : {}),
      ...(values["max-batch"] ? { maxBatch: Number(values["max-batch"]) } : {}),
      signal: ac.signal,
      log_: (m) => process.stderr.write(`oar-ha-log-sync: ${m}\n`),
    });
    return 0;
  }
  throw new Error(usage);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`oar-ha-log-sync: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
