import { defineCommand } from "citty";
import { OarHaError } from "@oar-ha/core";
import { cleanup, setMaintenance, standby, unstandby } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { openSession, type Session } from "../io/session.js";
import { clusterArgs, jsonArg } from "../io/args.js";

/*
 * Day-2 commands: cleanup, maintenance, standby, unstandby. They go on without the hosts
 * that do not answer (a dead server is when an admin needs them) and say which did not.
 */

// The cluster file is named (a server or on/off follows it), so it has no default here.
const common = {
  ...clusterArgs,
  file: { type: "positional", description: "Cluster file (named: a server or on/off follows it)", required: true },
  ...jsonArg,
} as const;

const say = (m: string) => process.stderr.write(`${m}\n`);

async function withSession(
  file: string,
  secrets: string | undefined,
  act: (s: Session) => Promise<number>,
): Promise<number> {
  const s = await openSession(file, secrets, false, { partial: true, hosts: (c) => c.nodes.map((n) => n.name) });
  try {
    for (const u of s.unreachable) say(`${u.host}: not reachable (${u.error}); going on with the others`);
    return await act(s);
  } finally {
    await s.close();
  }
}

export const cleanupCommand = defineCommand({
  meta: {
    name: "cleanup",
    description:
      "Clear the failure history of one resource or all (Pacemaker's fail counts and failed actions; Heartbeat: the count of oar-ha's service monitor), so it may run everywhere again",
  },
  args: { ...common, resource: { type: "string", description: "Only this resource (e.g. db, oar-server)" } },
  async run({ args }) {
    return withSession(args.file, args.secrets, async (s) => {
      const cleared = await cleanup(s.cluster, s.transports, args.resource);
      if (args.json) json({ cleared });
      else if (!cleared.length)
        say(`no failure recorded${args.resource ? ` for ${args.resource}` : ""}: nothing to clean`);
      else
        for (const f of cleared)
          say(`cleared: ${f.task} of ${f.resource} on ${f.node}: ${f.status}${f.reason ? ` (${f.reason})` : ""}`);
      return EXIT.ok;
    });
  },
});

export const maintenanceCommand = defineCommand({
  meta: {
    name: "maintenance",
    description:
      "on: the cluster stops acting (no monitor, recovery or failover), the services keep running; off: it acts again (Heartbeat: oar-ha's service monitor pauses)",
  },
  args: { ...common, state: { type: "positional", description: "on or off", required: true } },
  async run({ args }) {
    if (args.state !== "on" && args.state !== "off")
      throw new OarHaError("OARHA901", `maintenance ${args.state}: say on or off`);
    return withSession(args.file, args.secrets, async (s) => {
      const r = await setMaintenance(s.cluster, s.transports, args.state === "on");
      if (args.json) json({ maintenance: args.state, changed: r.changed });
      else if (s.cluster.manager === "heartbeat")
        say(
          `${r.changed ? `maintenance ${args.state}` : `maintenance is ${args.state} already`}${args.state === "on" ? ": oar-ha's service monitor restarts and moves nothing until oar-ha maintenance off" : ": oar-ha's service monitor acts again"}${r.note && args.state === "on" ? `\n  note: ${r.note}` : ""}`,
        );
      else
        say(
          r.changed
            ? `maintenance ${args.state}${args.state === "on" ? ": the cluster watches and recovers nothing until oar-ha maintenance off" : ": the cluster acts again, every resource seen running"}`
            : `maintenance is ${args.state} already`,
        );
      return EXIT.ok;
    });
  },
});

export const standbyCommand = defineCommand({
  meta: {
    name: "standby",
    description:
      "Take a server out of service: it stays a member, hosts nothing, its services move to the other server",
  },
  args: { ...common, node: { type: "positional", description: "The server", required: true } },
  async run({ args }) {
    return withSession(args.file, args.secrets, async (s) => {
      const t0 = Date.now();
      const r = await standby(s.cluster, s.transports, args.node, { log: say });
      const where = r.state.groups
        .map((g) => `${g.id === "all" ? "services" : g.id} on ${g.holder ?? "none"}`)
        .join(", ");
      if (args.json) json({ node: args.node, changed: r.changed, groups: r.state.groups });
      else
        say(
          r.changed
            ? `${args.node} in standby after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${where}`
            : `${args.node} hosts nothing already: ${where}`,
        );
      return EXIT.ok;
    });
  },
});

export const unstandbyCommand = defineCommand({
  meta: { name: "unstandby", description: "Let a server in standby host services again (they stay where they run)" },
  args: { ...common, node: { type: "positional", description: "The server", required: true } },
  async run({ args }) {
    return withSession(args.file, args.secrets, async (s) => {
      const r = await unstandby(s.cluster, s.transports, args.node);
      if (args.json) json({ node: args.node, changed: r.changed });
      else say(r.changed ? `${args.node} may host services again` : `${args.node} is not in standby`);
      return EXIT.ok;
    });
  },
});
