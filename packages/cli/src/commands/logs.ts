import { defineCommand } from "citty";
import { OarHaError, oarServers, sleep } from "@oar-ha/core";
import { jobMatcher, merge, parseSince, sinceMatcher, type MergedEntry, type MergeInput } from "@oar-ha/log-sync";
import { follower, logSources, readSource } from "@oar-ha/remote";
import { EXIT } from "../io/output.js";
import { openSession } from "../io/session.js";
import { clusterArgs } from "../io/args.js";

export default defineCommand({
  meta: {
    name: "logs",
    description:
      "oar.log of every OAR server, merged in time order (a server that does not answer is read from its peer's log-sync replica)",
  },
  args: {
    ...clusterArgs,
    follow: { type: "boolean", alias: "f", description: "Keep printing new lines (Ctrl-C ends)" },
    since: {
      type: "string",
      description: "Only entries from then on: a date (2026-11-26T10:00) or a duration back (15m, 2h, 3d)",
    },
    job: { type: "string", description: "Only entries that name this OAR job id" },
    json: { type: "boolean", description: "One JSON object per entry: time, origin, lines" },
  },
  async run({ args }) {
    // Filters first: a bad value changes nothing and reaches no host.
    const keep: ((e: MergedEntry) => boolean)[] = [];
    try {
      if (args.since) keep.push(sinceMatcher(parseSince(args.since, Date.now())));
      if (args.job !== undefined) {
        if (!/^\d+$/.test(args.job))
          throw new Error(`--job "${args.job}" is not an OAR job id (a number, as oarsub prints in OAR_JOB_ID=)`);
        keep.push(jobMatcher(Number(args.job)));
      }
    } catch (e) {
      throw new OarHaError("OARHA102", (e as Error).message);
    }
    const s = await openSession(args.file, args.secrets, false, {
      hosts: (c) => oarServers(c).map((n) => n.name),
      partial: true,
    });
    const print = (e: MergedEntry) => {
      if (!keep.every((k) => k(e))) return;
      if (args.json)
        process.stdout.write(
          `${JSON.stringify({ time: e.time === undefined ? null : new Date(e.time).toISOString(), origin: e.origin, lines: e.lines })}\n`,
        );
      else for (const l of e.lines) process.stdout.write(`${e.origin} | ${l}\n`);
    };
    try {
      for (const u of s.unreachable) process.stderr.write(`${u.host}: does not answer (${u.error.split("\n")[0]})\n`);
      const sources = await logSources(s.cluster, s.transports);
      for (const src of sources) if (src.note) process.stderr.write(`${src.note}\n`);
      const read = await Promise.all(sources.map((src) => readSource(src, s.transports)));
      merge(read.map((r) => r.input)).forEach(print);
      if (!args.follow) return EXIT.ok;
      let stop = false;
      process.once("SIGINT", () => (stop = true));
      process.once("SIGTERM", () => (stop = true));
      const next = sources.map((src, i) => follower(src, s.transports, read[i]!.followFrom));
      while (!stop) {
        await sleep(1000);
        const fresh: MergeInput[] = [];
        for (const [i, src] of sources.entries())
          fresh.push({ origin: src.writer, lines: await next[i]!().catch(() => []), offsetMinutes: src.offsetMinutes });
        merge(fresh).forEach(print);
      }
      return EXIT.ok;
    } finally {
      await s.close();
    }
  },
});
