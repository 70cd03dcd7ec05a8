import { defineCommand } from "citty";
import { OarHaError } from "@oar-ha/core";
import { clusterStatus, type ClusterStatus, type Verdict } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { openSession } from "../io/session.js";
import { clusterArgs, jsonArg } from "../io/args.js";

const VERDICT_LINE: Record<Verdict, string> = {
  healthy: "healthy",
  degraded:
    "DEGRADED (the services run, but the cluster could not fail over as it should, or keeps failures: see WARN)",
  unhealthy: "UNHEALTHY (a service is down: see FAIL)",
};

/** status's and switchover's exit code for a verdict. */
export const verdictExit = (v: Verdict): number =>
  v === "healthy" ? EXIT.ok : v === "degraded" ? EXIT.degraded : EXIT.unhealthy;

export default defineCommand({
  meta: {
    name: "status",
    description:
      "Health of the deployed cluster: nodes, resources, failures, VIPs, DB and Almighty through the VIP, OAR config, DRBD (exit 5 degraded, 6 unhealthy)",
  },
  args: {
    ...clusterArgs,
    ...jsonArg,
    watch: {
      type: "string",
      description:
        "Look again every N seconds (at least 2) until Ctrl-C: redrawn in place on a terminal, one block per look otherwise",
    },
  },
  async run({ args }) {
    const every = args.watch === undefined ? undefined : watchSeconds(args.watch);
    if (every !== undefined && args.json)
      throw new OarHaError(
        "OARHA901",
        "status --watch redraws for people: without --json (a program polls status --json itself)",
      );
    // Whatever answers: a status is most needed when a server is down.
    const s = await openSession(args.file, args.secrets, false, { partial: true });
    try {
      const look = async () => {
        const st = await clusterStatus(s.cluster, s.transports, { files: s.files, unreachable: s.unreachable });
        return { st, text: statusText(st, s.cluster.cluster) };
      };
      if (every === undefined) {
        const { st, text } = await look();
        if (args.json)
          json({
            verdict: st.verdict,
            healthy: st.healthy,
            vipHolder: st.vipHolder ?? null,
            checks: st.checks,
            manager: { name: st.manager.manager, nodes: st.manager.nodes, groups: st.manager.groups },
            resources: st.manager.crm?.resources ?? [],
            ...(st.drbd ? { drbd: st.drbd } : {}),
          });
        else process.stdout.write(text);
        return verdictExit(st.verdict);
      }
      const tty = process.stdout.isTTY === true;
      let stop = false;
      let wake: () => void = () => undefined;
      const onInt = () => {
        stop = true;
        wake();
      };
      process.once("SIGINT", onInt);
      let verdict: Verdict = "unhealthy";
      try {
        while (!stop) {
          const { st, text } = await look();
          verdict = st.verdict;
          const head = `${new Date().toISOString().replace(/\.\d+Z$/, "Z")}  every ${every} s, Ctrl-C to stop\n`;
          // On a terminal: the screen cleared, then the look (redrawn in place).
          process.stdout.write(tty ? `\x1b[H\x1b[2J${head}${text}` : `${head}${text}\n`);
          await new Promise<void>((r) => {
            const t = setTimeout(r, every * 1000);
            wake = () => {
              clearTimeout(t);
              r();
            };
          });
        }
      } finally {
        process.off("SIGINT", onInt);
      }
      return verdictExit(verdict);
    } finally {
      await s.close();
    }
  },
});

/** --watch's interval: whole seconds, at least 2 (a look is about a second of work on every server). */
export function watchSeconds(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 2 || n > 3600)
    throw new OarHaError(
      "OARHA901",
      `--watch ${text}: a whole number of seconds from 2 to 3600 (a look costs every server about a second of work)`,
    );
  return n;
}

/** The lines status prints for people (pure). */
export function statusText(st: Pick<ClusterStatus, "checks" | "verdict" | "vipHolder">, cluster: string): string {
  const w = Math.max(...st.checks.map((c) => c.name.length));
  const lines = st.checks.map(
    (c) => `${c.ok ? "ok  " : c.degraded ? "WARN" : "FAIL"}  ${c.name.padEnd(w)}  ${c.detail}\n`,
  );
  return `${lines.join("")}${cluster}: ${VERDICT_LINE[st.verdict]}${st.vipHolder ? `, active server ${st.vipHolder}` : ""}\n`;
}
