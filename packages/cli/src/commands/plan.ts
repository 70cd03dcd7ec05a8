import { defineCommand } from "citty";
import { planDeploy } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { openSession } from "../io/session.js";
import { clusterArgs, jsonArg } from "../io/args.js";

export default defineCommand({
  meta: { name: "plan", description: "Show what apply would change on each host, as diffs (changes nothing)" },
  args: {
    ...clusterArgs,
    "trust-new-hosts": {
      type: "boolean",
      description: "Accept (and record) host keys not yet in known_hosts, printing their fingerprints",
    },
    ...jsonArg,
  },
  async run({ args }) {
    const s = await openSession(args.file, args.secrets, args["trust-new-hosts"] === true);
    try {
      const changes = await planDeploy(s);
      const todo = changes.filter((c) => c.action !== "none");
      if (args.json) json(todo.map(({ content: _c, ...rest }) => rest));
      else {
        for (const c of todo) process.stdout.write(`--- ${c.host}: ${c.action} ${c.path}\n${c.diff}\n`);
        process.stderr.write(
          `${todo.length} file change(s) on ${new Set(todo.map((c) => c.host)).size} host(s); services, storage and cluster steps are checked by apply\n`,
        );
      }
      return EXIT.ok;
    } finally {
      await s.close();
    }
  },
});
