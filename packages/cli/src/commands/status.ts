import { defineCommand } from "citty";
import { clusterStatus, type Verdict } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { openSession } from "../io/session.js";
import { clusterArgs, jsonArg } from "../io/args.js";

const VERDICT_LINE: Record<Verdict, string> = {
  healthy: "healthy",
  degraded: "DEGRADED (the services run, but the cluster could not fail over as it should, or keeps failures: see WARN)",
  unhealthy: "UNHEALTHY (a service is down: see FAIL)",
};

/** status's and switchover's exit code for a verdict. */
export const verdictExit = (v: Verdict): number => (v === "healthy" ? EXIT.ok : v === "degraded" ? EXIT.degraded : EXIT.unhealthy);

export default defineCommand({
  meta: { name: "status", description: "Health of the deployed cluster: nodes, resources, failures, VIPs, DB and Almighty through the VIP, OAR config, DRBD (exit 5 degraded, 6 unhealthy)" },
  args: {
    ...clusterArgs,
    ...jsonArg,
  },
  async run({ args }) {
    // Whatever answers: a status is most needed when a server is down.
    const s = await openSession(args.file, args.secrets, false, { partial: true });
    try {
      const st = await clusterStatus(s.cluster, s.transports, { files: s.files, unreachable: s.unreachable });
      if (args.json) json({ verdict: st.verdict, healthy: st.healthy, vipHolder: st.vipHolder ?? null, checks: st.checks, manager: { name: st.manager.manager, nodes: st.manager.nodes, groups: st.manager.groups }, resources: st.manager.crm?.resources ?? [], ...(st.drbd ? { drbd: st.drbd } : {}) });
      else {
        const w = Math.max(...st.checks.map((c) => c.name.length));
        for (const c of st.checks) process.stdout.write(`${c.ok ? "ok  " : c.degraded ? "WARN" : "FAIL"}  ${c.name.padEnd(w)}  ${c.detail}\n`);
        process.stdout.write(`${s.cluster.cluster}: ${VERDICT_LINE[st.verdict]}${st.vipHolder ? `, active server ${st.vipHolder}` : ""}\n`);
      }
      return verdictExit(st.verdict);
    } finally {
      await s.close();
    }
  },
});
