import { defineCommand } from "citty";
import { clusterStatus } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { openSession } from "../io/session.js";

export default defineCommand({
  meta: { name: "status", description: "Health of the deployed cluster: nodes, resources, VIPs, DB and Almighty through the VIP, OAR config (exit 1 when unhealthy)" },
  args: {
    file: { type: "positional", description: "Cluster file", default: "oar-ha.yaml", required: false },
    secrets: { type: "string", description: "Secrets file" },
    json: { type: "boolean", description: "Machine-readable output" },
  },
  async run({ args }) {
    const s = await openSession(args.file, args.secrets, false);
    try {
      const st = await clusterStatus(s.cluster, s.transports);
      if (args.json) json({ healthy: st.healthy, vipHolder: st.vipHolder ?? null, checks: st.checks, manager: { name: st.manager.manager, nodes: st.manager.nodes, groups: st.manager.groups }, resources: st.manager.crm?.resources ?? [], ...(st.drbd ? { drbd: st.drbd } : {}) });
      else {
        const w = Math.max(...st.checks.map((c) => c.name.length));
        for (const c of st.checks) process.stdout.write(`${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(w)}  ${c.detail}\n`);
        process.stdout.write(`${s.cluster.cluster}: ${st.healthy ? "healthy" : "UNHEALTHY"}${st.vipHolder ? `, active server ${st.vipHolder}` : ""}\n`);
      }
      return st.healthy ? EXIT.ok : EXIT.invalid;
    } finally {
      await s.close();
    }
  },
});
