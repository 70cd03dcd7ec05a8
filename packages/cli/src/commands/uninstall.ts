import { defineCommand } from "citty";
import { OarHaError, dbDataDirectory } from "@oar-ha/core";
import { uninstall } from "@oar-ha/remote";
import { EXIT } from "../io/output.js";
import { openSession } from "../io/session.js";
import { clusterArgs } from "../io/args.js";

export default defineCommand({
  meta: {
    name: "uninstall",
    description: "Stop the cluster and restore every file apply replaced; the data stays on the cluster storage",
  },
  args: {
    ...clusterArgs,
    yes: { type: "boolean", description: "Do not ask for confirmation" },
  },
  async run({ args }) {
    if (!args.yes)
      throw new OarHaError("OARHA901", "uninstall stops the OAR server and the database: add --yes to confirm");
    const s = await openSession(args.file, args.secrets, false);
    try {
      const done = await uninstall(s.cluster, s.transports, { log: (m) => process.stderr.write(`${m}\n`) });
      for (const l of done) process.stderr.write(`  ${l}\n`);
      const st = s.cluster.storage;
      process.stderr.write(
        `uninstalled: ${done.length} file(s) restored or removed. The OAR database is left in place: ${dbDataDirectory(s.cluster)} on ${st.kind === "drbd" ? st.device : st.device} (mount it on one server to use it).\n`,
      );
      return EXIT.ok;
    } finally {
      await s.close();
    }
  },
});
