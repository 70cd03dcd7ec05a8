import { defineCommand } from "citty";
import { clusterJsonSchema, hasErrors } from "@oar-ha/core";
import { loadAll } from "../io/load.js";
import { EXIT, json, printIssues, summary } from "../io/output.js";
import { clusterArgs } from "../io/args.js";

export default defineCommand({
  meta: { name: "validate", description: "Check a cluster file (and its secrets file) without touching any host" },
  args: {
    ...clusterArgs,
    json: { type: "boolean", description: "Machine-readable output on stdout" },
    strict: { type: "boolean", description: "Treat warnings as errors" },
    schema: { type: "boolean", description: "Print the cluster file's JSON Schema and exit" },
  },
  async run({ args }) {
    if (args.schema) {
      json(clusterJsonSchema());
      return EXIT.ok;
    }
    const r = await loadAll(args.file, args.secrets, false);
    const failed = hasErrors(r.issues) || (args.strict === true && r.issues.length > 0) || !r.cluster;
    if (args.json) {
      json({ ok: !failed, file: args.file, issues: r.issues });
    } else {
      printIssues(r.issues);
      process.stderr.write(`${args.file}: ${failed ? "invalid" : "valid"} (${summary(r.issues)})\n`);
    }
    return failed ? EXIT.invalid : EXIT.ok;
  },
});
