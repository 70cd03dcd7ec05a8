import { defineCommand } from "citty";
import { clusterStatus, switchover } from "@oar-ha/remote";
import { verdictExit } from "./status.js";
import { openSession } from "../io/session.js";
import { clusterArgs } from "../io/args.js";

export default defineCommand({
  meta: { name: "switchover", description: "Planned move of the services to the other server, waiting until healthy" },
  args: {
    ...clusterArgs,
    to: {
      type: "string",
      description: "Move the services of this server's groups to it (default: each group to its other server)",
    },
  },
  async run({ args }) {
    const s = await openSession(args.file, args.secrets, false);
    try {
      const t0 = Date.now();
      const moves = await switchover(s.cluster, s.transports, {
        log: (m) => process.stderr.write(`${m}\n`),
        ...(args.to ? { to: args.to } : {}),
      });
      const st = await clusterStatus(s.cluster, s.transports);
      process.stderr.write(
        `switchover done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${Object.entries(moves)
          .map(([g, n]) => `${g} -> ${n}`)
          .join(", ")}; ${st.verdict === "healthy" ? "healthy" : `${st.verdict.toUpperCase()} (oar-ha status)`}\n`,
      );
      return verdictExit(st.verdict);
    } finally {
      await s.close();
    }
  },
});
