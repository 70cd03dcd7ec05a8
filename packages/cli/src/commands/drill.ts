import { existsSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { defineCommand } from "citty";
import { OarHaError, hostsWithRole } from "@oar-ha/core";
import {
  SCENARIOS,
  markdown,
  notApplicable,
  outageSvg,
  runDrill,
  scenario,
  summarize,
  table,
  type DrillReport,
  type DrillRun,
  type Scenario,
  type Skipped,
  type Target,
} from "@oar-ha/drill";
import { applyDeploy, shq } from "@oar-ha/remote";
import { loadLab } from "@oar-ha/lab";
import { EXIT, json } from "../io/output.js";
import { journal, openSession } from "../io/session.js";
import { kerberosInput } from "../io/keytab.js";
import { clusterArgs } from "../io/args.js";

export default defineCommand({
  meta: {
    name: "drill",
    description: "Break the cluster on purpose (F01 S01 ...), measure outage and loss, audit; exit 1 if any run fails",
  },
  args: {
    ...clusterArgs,
    scenario: {
      type: "string",
      description: `Scenarios, comma-separated: ${SCENARIOS.map((s) => s.id).join(",")} (default: every one that applies, lab only)`,
    },
    runs: { type: "string", description: "Runs per scenario", default: "1" },
    report: { type: "string", description: "Write a Markdown report there (plus .json and .svg next to it)" },
    user: {
      type: "string",
      description: "Normal OAR user for the job loop (present on frontend and nodes; created in the lab)",
      default: "oarhadrill",
    },
    lab: { type: "string", description: "Lab root (default: the cluster file's directory when it holds a lab)" },
    yes: { type: "boolean", description: "Required on real servers: these drills interrupt service" },
    "trust-new-hosts": { type: "boolean", description: "Accept host keys not yet in known_hosts" },
    json: { type: "boolean", description: "Print every run as JSON" },
  },
  async run({ args }) {
    const runs = Number(args.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000)
      throw new OarHaError("OARHA901", "--runs must be a whole number from 1 to 1000");
    const labRoot = args.lab ?? (existsSync(join(dirname(args.file), "lab.json")) ? dirname(args.file) : undefined);
    const target: Target = labRoot ? "lab" : "ssh";
    const asked = args.scenario
      ? args.scenario
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : [];
    if (target === "ssh" && (!args.yes || asked.length === 0))
      throw new OarHaError(
        "OARHA901",
        "on real servers a drill interrupts service: name the scenarios (--scenario F03,S01) and add --yes\n  fix: oar-ha drill oar-ha.yaml --scenario F03 --yes",
      );
    const unknown = asked.filter((a) => !scenario(a));
    if (unknown.length)
      throw new OarHaError(
        "OARHA901",
        `unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.id).join(", ")}`,
      );
    const lab = labRoot ? loadLab(labRoot) : undefined;
    const s = await openSession(args.file, args.secrets, args["trust-new-hosts"] === true);
    const log = journal(args.file, "drill");
    const say = (m: string) => process.stderr.write(`${m}\n`);
    try {
      const krb = kerberosInput(s.cluster, s.file);
      const wanted: Scenario[] = asked.length ? asked.map((a) => scenario(a)!) : [...SCENARIOS];
      const skipped: Skipped[] = [];
      const todo: Scenario[] = [];
      for (const sc of wanted) {
        const why = notApplicable(sc, s.cluster, target);
        if (why) {
          skipped.push({ scenario: sc.id, why });
          say(`${sc.id} (${sc.title}): not run: ${why}`);
        } else todo.push(sc);
      }
      if (target === "lab") {
        for (const f of hostsWithRole(s.cluster, "frontend"))
          await s.transports.get(f.name)?.exec(`id ${shq(args.user)} >/dev/null 2>&1 || useradd -m ${shq(args.user)}`);
      }
      const rejoin = async () => {
        await applyDeploy(
          {
            cluster: s.cluster,
            secrets: s.secrets,
            files: s.files,
            services: s.services,
            transports: s.transports,
            ...(s.logSyncAgent ? { logSyncAgent: s.logSyncAgent } : {}),
            ...krb,
          },
          { emit: (e) => log.write(e) },
        );
      };
      const results: DrillRun[] = [];
      let aborted: { scenario: string; run: number; error: unknown } | undefined;
      runsLoop: for (const sc of todo) {
        for (let i = 1; i <= runs; i++) {
          say(`${sc.id} (${sc.title}) run ${i}/${runs}`);
          try {
            const r = await runDrill(
              {
                cluster: s.cluster,
                secrets: s.secrets,
                transports: s.transports,
                target,
                ...(lab ? { lab } : {}),
                rejoin,
                user: args.user,
                log: say,
              },
              sc,
              i,
            );
            log.write({ type: "drill", ...r });
            results.push(r);
            say(
              `  ${r.passed ? "passed" : "FAILED"}: outage ${r.outage === undefined ? "no recovery" : `${r.outage.toFixed(1)} s`}, acknowledged ${r.loss.acknowledged}, lost ${r.loss.lost.length}, indeterminate ${r.loss.indeterminate}${r.problems.length ? `\n    ${r.problems.join("\n    ")}` : ""}`,
            );
          } catch (e) {
            // The runs before it are measured: report them, then stop with the error.
            aborted = { scenario: sc.id, run: i, error: e };
            break runsLoop;
          }
        }
      }
      const summaries = summarize(results);
      const vms = lab?.hosts.some((h) => h.vm) ?? false;
      const report: DrillReport = {
        cluster: s.cluster.cluster,
        setup: `${s.cluster.topology} ${s.cluster.manager} ${s.cluster.database.engine}, ${target === "lab" ? (vms ? "lab (DB servers are emulated VMs)" : "namespace lab") : "real servers"}`,
        machine: `${hostname()} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version})`,
        date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        storageNote:
          s.cluster.storage.kind === "shared"
            ? `Storage: shared (${target === "lab" ? "a directory of the machine bind-mounted on the active server: a stand-in, not DRBD" : `device ${s.cluster.storage.device}`}).`
            : "Storage: DRBD.",
        summaries,
        skipped,
        runs: results,
        ...(aborted
          ? {
              aborted: {
                scenario: aborted.scenario,
                run: aborted.run,
                error: aborted.error instanceof Error ? aborted.error.message : String(aborted.error),
              },
            }
          : {}),
      };
      process.stdout.write(args.json ? "" : table(report));
      if (args.json) json(report);
      if (args.report) {
        const svg = args.report.replace(/\.md$/, "") + ".svg";
        writeFileSync(svg, outageSvg(summaries));
        writeFileSync(args.report.replace(/\.md$/, "") + ".json", JSON.stringify(report, null, 2) + "\n");
        writeFileSync(args.report, markdown(report, basename(svg)));
        say(`report: ${args.report}`);
      }
      if (aborted) throw aborted.error;
      return results.every((r) => r.passed) ? EXIT.ok : EXIT.invalid;
    } finally {
      await s.close();
    }
  },
});
