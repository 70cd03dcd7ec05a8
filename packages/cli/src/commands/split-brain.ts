import { defineCommand } from "citty";
import * as p from "@clack/prompts";
import { OarHaError } from "@oar-ha/core";
import { splitBrainRecover, splitBrainReport, type SplitBrainReport } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { journal, openSession } from "../io/session.js";
import { clusterArgs, jsonArg } from "../io/args.js";

function show(r: SplitBrainReport): string {
  const out = [r.split ? `SPLIT BRAIN: ${r.reason}` : r.reason, ""];
  for (const x of r.sides) {
    const d = x.drbd;
    out.push(
      `${x.host}: DRBD ${d.role}${d.cstate ? `, ${d.cstate}` : ""}${d.disk ? `, disk ${d.disk}` : ""}, ${d.outOfSyncKiB ?? 0} KiB written or changed since the sides parted (out of sync)`,
      `  data generations: ${x.generations || "unknown"}`,
      `  database: ${x.db === "running" ? "runs here" : x.db === "not-mounted" ? "filesystem not mounted here (its rows cannot be shown without promoting it)" : x.db === "not-running" ? "mounted, not running" : "unknown"}`,
    );
    if (x.jobs.length) out.push(`  newest OAR jobs (id state submitted): ${x.jobs.join(" | ")}`);
    if (x.events.length) out.push(`  newest OAR events (id type date): ${x.events.join(" | ")}`);
  }
  if (r.split)
    out.push(
      "",
      "Choose the side whose data survives; the other side's changes since the split are thrown away by DRBD's resync:",
      `  oar-ha split-brain CLUSTER --keep ${r.sides[0]?.host ?? "SERVER"} --yes`,
    );
  return out.join("\n") + "\n";
}

export default defineCommand({
  meta: {
    name: "split-brain",
    description: "Show a DRBD split brain side by side; with --keep SERVER, resolve it keeping that side's data",
  },
  args: {
    ...clusterArgs,
    keep: {
      type: "string",
      description: "The DB server whose data survives; the other one's changes since the split are discarded",
    },
    yes: { type: "boolean", description: "Do not ask for confirmation (required without a terminal)" },
    "trust-new-hosts": { type: "boolean", description: "Accept host keys not yet in known_hosts" },
    ...jsonArg,
  },
  async run({ args }) {
    const s = await openSession(args.file, args.secrets, args["trust-new-hosts"] === true);
    const log = journal(args.file, "split-brain");
    const say = (m: string) => {
      process.stderr.write(`${m}\n`);
      log.write({ type: "split-brain", message: m });
    };
    try {
      const r = await splitBrainReport(s.cluster, s.transports);
      if (!args.keep) {
        if (args.json) json(r);
        else process.stdout.write(show(r));
        return r.split ? EXIT.invalid : EXIT.ok;
      }
      if (!r.split)
        throw new OarHaError(
          "OARHA405",
          `no split brain to resolve: ${r.reason}\n  fix: nothing to do; oar-ha status shows the cluster`,
        );
      const other = r.sides.find((x) => x.host !== args.keep)?.host ?? "the other server";
      process.stderr.write(show(r));
      if (!args.yes) {
        if (!process.stdin.isTTY)
          throw new OarHaError(
            "OARHA901",
            `split-brain --keep discards ${other}'s changes since the split: confirm with --yes\n  fix: oar-ha split-brain ${args.file} --keep ${args.keep} --yes`,
          );
        const ok = await p.confirm({
          message: `Keep ${args.keep}'s data and DISCARD every change made on ${other} since the split?`,
          initialValue: false,
        });
        if (p.isCancel(ok) || !ok) return EXIT.usage;
      }
      const done = await splitBrainRecover(s.cluster, s.transports, args.keep, { log: say });
      if (args.json) json(done);
      else
        process.stdout.write(
          `split brain resolved in ${done.seconds.toFixed(0)} s: ${done.kept}'s data kept, ${done.discarded} resynced from it; online verify ${done.verify.outOfSyncKiB} KiB out of sync; cluster healthy\n`,
        );
      return done.verify.outOfSyncKiB === 0 ? EXIT.ok : EXIT.invalid;
    } finally {
      await s.close();
    }
  },
});
