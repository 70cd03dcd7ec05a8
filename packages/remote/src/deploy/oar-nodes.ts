import { hostsWithRole } from "@oar-ha/core";
import type { Step } from "../executor.js";
import { run, shq } from "../transport.js";
import type { DeployContext } from "./context.js";
import { holderOf, managerState } from "./manager-state.js";

/** The server where the OAR server runs now (OAR admin commands go there). */
export async function activeOarServer(ctx: DeployContext): Promise<string> {
  const on = holderOf(await managerState(ctx.cluster, ctx.t), "oar");
  if (!on) throw new Error("the OAR server runs nowhere");
  return on;
}

/** Compute nodes known to OAR (resources with cpu/core properties) and Alive. */
export function oarNodesStep(ctx: DeployContext): Step {
  const nodes = hostsWithRole(ctx.cluster, "compute").map((h) => h.name);
  return {
    id: "cluster:oar-nodes",
    title: `OAR knows the compute nodes (${nodes.join(", ") || "none"})`,
    check: async () => {
      if (nodes.length === 0) return true;
      const srv = await activeOarServer(ctx);
      const r = await ctx.t.get(srv)!.exec("oarnodes -l 2>/dev/null");
      const known = new Set(r.stdout.split("\n").map((l) => l.trim()));
      return nodes.every((n) => known.has(n));
    },
    act: async () => {
      const srv = await activeOarServer(ctx);
      const t = ctx.t.get(srv)!;
      const known = new Set((await t.exec("oarnodes -l 2>/dev/null")).stdout.split("\n").map((l) => l.trim()));
      await run(
        t,
        "oarproperty -l | grep -qx cpu || oarproperty -a cpu; oarproperty -l | grep -qx core || oarproperty -a core",
      );
      for (const n of nodes.filter((x) => !known.has(x))) {
        await run(
          t,
          `oarnodesetting -a -h ${shq(n)} -p cpu=1 -p core=1 >/dev/null && oarnodesetting -s Alive -h ${shq(n)} >/dev/null`,
        );
      }
    },
  };
}

/** oar-node (its sshd on 6667) runs on every compute node. */
export function oarNodeServiceStep(ctx: DeployContext, host: string): Step {
  return {
    id: `${host}:oar-node`,
    host,
    title: "oar-node running",
    check: async () => (await ctx.t.get(host)!.exec("ss -ltn | grep -q ':6667 '")).code === 0,
    act: async () => {
      await run(
        ctx.t.get(host)!,
        "if [ -d /run/systemd/system ]; then systemctl enable --now oar-node; else /etc/init.d/oar-node start; fi >/dev/null",
      );
    },
  };
}
