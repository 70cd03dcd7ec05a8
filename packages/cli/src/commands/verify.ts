import { defineCommand } from "citty";
import { onlineVerify } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { openSession } from "../io/session.js";
import { clusterArgs, jsonArg } from "../io/args.js";

export default defineCommand({
  meta: {
    name: "verify",
    description: "DRBD online verify: every block compared between the servers (exit 1 when any differs)",
  },
  args: {
    ...clusterArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const s = await openSession(args.file, args.secrets, false);
    try {
      const r = await onlineVerify(s.cluster, s.transports, { log: (m) => process.stderr.write(`${m}\n`) });
      if (args.json) json(r);
      else if (r.outOfSyncKiB === 0)
        process.stdout.write(
          `DRBD online verify from ${r.host}: 0 KiB out of sync (${r.seconds.toFixed(0)} s): both servers hold the same bytes\n`,
        );
      else
        process.stdout.write(
          `DRBD online verify from ${r.host}: ${r.outOfSyncKiB} KiB OUT OF SYNC (${r.seconds.toFixed(0)} s)\n` +
            "  the blocks are marked; they are copied from the Primary at the next reconnect: on the Primary, drbdadm disconnect RES && drbdadm connect RES,\n" +
            "  then run oar-ha verify again. A repeat points at the hardware (disk, RAM, NIC offloads): see docs/drbd.md\n",
        );
      return r.outOfSyncKiB === 0 ? EXIT.ok : EXIT.invalid;
    } finally {
      await s.close();
    }
  },
});
