import { defineCommand } from "citty";
import { OarHaError } from "@oar-ha/core";
import { applyDeploy } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { journal, openSession } from "../io/session.js";
import { progressPrinter } from "../io/progress.js";
import { kerberosInput } from "../io/keytab.js";
import { clusterArgs } from "../io/args.js";

export default defineCommand({
  meta: {
    name: "apply",
    description: "Deploy the cluster over SSH: safe to re-run, resumable, backs up every file it replaces",
  },
  args: {
    ...clusterArgs,
    "dry-run": { type: "boolean", description: "Check every step, change nothing" },
    yes: { type: "boolean", description: "Do not ask for confirmation" },
    "trust-new-hosts": {
      type: "boolean",
      description: "Accept (and record) host keys not yet in known_hosts, printing their fingerprints",
    },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    if (!args.yes && !args["dry-run"]) {
      if (!process.stdin.isTTY)
        throw new OarHaError(
          "OARHA901",
          "apply changes hosts: add --yes to confirm (or --dry-run to see what it would do)",
        );
      const p = await import("@clack/prompts");
      const ok = await p.confirm({ message: `Apply ${args.file} to its hosts?` });
      if (p.isCancel(ok) || !ok) return EXIT.usage;
    }
    const s = await openSession(args.file, args.secrets, args["trust-new-hosts"] === true);
    const log = journal(args.file, args["dry-run"] ? "dry-run" : "apply");
    const progress = progressPrinter({ tty: process.stderr.isTTY === true, write: (t) => process.stderr.write(t) });
    try {
      const krb = kerberosInput(s.cluster, s.file);
      const r = await applyDeploy(
        {
          cluster: s.cluster,
          secrets: s.secrets,
          files: s.files,
          services: s.services,
          transports: s.transports,
          secretsFile: s.secretsLabel,
          ...(s.logSyncAgent ? { logSyncAgent: s.logSyncAgent } : {}),
          ...krb,
          log: progress.say,
        },
        {
          dryRun: args["dry-run"] === true,
          emit: (e) => {
            log.write(e);
            progress.emit(e);
          },
        },
      );
      log.write({ type: "done", changed: r.changed.length, seconds: r.seconds });
      if (args.json) json({ changed: r.changed, unchanged: r.unchanged.length, seconds: r.seconds, log: log.path });
      process.stderr.write(
        `${args["dry-run"] ? "would change" : "changed"} ${r.changed.length} step(s), ${r.unchanged.length} already in place, ${r.seconds.toFixed(1)} s (log: ${log.path})\n`,
      );
      return EXIT.ok;
    } catch (e) {
      log.write({ type: "error", message: (e as Error).message });
      throw e;
    } finally {
      progress.stop();
      await s.close();
    }
  },
});
