import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { defineCommand } from "citty";
import { OarHaError, redactSecrets } from "@oar-ha/core";
import { clusterStatus, collectReport } from "@oar-ha/remote";
import { EXIT, json } from "../io/output.js";
import { openSession } from "../io/session.js";
import { clusterArgs, jsonArg } from "../io/args.js";

/*
 * `oar-ha report`: a tarball of what a support request needs (crm report / pcs cluster report
 * for oar-ha): from every host that answers, the cluster manager's state and logs, DRBD, the
 * database and OAR, the system's logs of the window; from the admin machine, status, the
 * cluster file, the rendered configuration and oar-ha's own journals. Read only on every host.
 * Every part is redacted before it is written anywhere: each secret of the secrets file, and
 * whatever follows a setting that holds one. Files that hold only secrets are never read.
 */

const say = (m: string) => process.stderr.write(`${m}\n`);

/** "90m", "24h", "2d" in minutes. */
export function sinceMinutes(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  const n = m ? Number(m[1]) * (m[2] === "m" ? 1 : m[2] === "h" ? 60 : 1440) : NaN;
  if (!m || n < 1 || n > 60 * 24 * 90)
    throw new OarHaError(
      "OARHA901",
      `--since ${text}: say how far back in minutes, hours or days, e.g. 90m, 24h, 2d (at most 90d)`,
    );
  return n;
}

export default defineCommand({
  meta: {
    name: "report",
    description:
      "A tarball for a support request: cluster, DRBD, database and OAR state and logs from every host that answers; secrets redacted",
  },
  args: {
    ...clusterArgs,
    since: { type: "string", description: "How far back the logs go (90m, 24h, 2d)", default: "24h" },
    lines: { type: "string", description: "At most this many lines of each log file", default: "20000" },
    out: { type: "string", description: "The tarball to write (default: oar-ha-report-<cluster>-<time>.tar.gz here)" },
    ...jsonArg,
  },
  async run({ args }) {
    const minutes = sinceMinutes(args.since);
    const lines = Number(args.lines);
    if (!Number.isInteger(lines) || lines < 10 || lines > 1_000_000)
      throw new OarHaError("OARHA901", `--lines ${args.lines}: a whole number from 10 to 1000000`);
    const stamp = new Date()
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replace(/:/g, "-");
    const s = await openSession(args.file, args.secrets, false, { partial: true });
    const out = resolve(args.out ?? `oar-ha-report-${s.cluster.cluster}-${stamp}.tar.gz`);
    if (existsSync(out)) {
      await s.close();
      throw new OarHaError(
        "OARHA902",
        `${out} exists: a report never overwrites\n  fix: name another --out, or move it away`,
      );
    }
    const stage = mkdtempSync(join(tmpdir(), "oar-ha-report-"));
    const top = join(stage, `oar-ha-report-${s.cluster.cluster}-${stamp}`);
    const put = (rel: string, text: string) => {
      const p = join(top, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, redactSecrets(text, s.secrets), { mode: 0o600 });
    };
    try {
      for (const u of s.unreachable) say(`${u.host}: not reachable (${u.error}); the report goes on without it`);
      say(`collecting from ${s.transports.size} host(s), logs of the last ${args.since}...`);
      const [hosts, status] = await Promise.all([
        collectReport(s.cluster, s.transports, { sinceMinutes: minutes, lines }),
        clusterStatus(s.cluster, s.transports, { files: s.files, unreachable: s.unreachable }).catch((e: unknown) => ({
          error: (e as Error).message,
        })),
      ]);
      for (const h of hosts) {
        for (const p of h.parts) put(join("hosts", h.host, p.name), p.text);
        say(`  ${h.host}: ${h.parts.length} part(s)${h.error ? `; ${h.error}` : ""}`);
      }
      put("admin/status.json", JSON.stringify(status, null, 2) + "\n");
      put("admin/cluster.yaml", readFileSync(s.file, "utf8"));
      for (const f of s.files.filter((x) => !x.sensitive))
        put(join("admin/rendered", f.host, f.path), typeof f.content === "string" ? f.content : "(binary)\n");
      const journals = join(dirname(s.file), ".oar-ha");
      const since = Date.now() - minutes * 60_000;
      if (existsSync(journals))
        for (const j of readdirSync(journals).filter(
          (x) => x.endsWith(".jsonl") && statSync(join(journals, x)).mtimeMs >= since,
        ))
          put(join("admin/journals", j), readFileSync(join(journals, j), "utf8"));
      put(
        "README.txt",
        [
          `oar-ha report of cluster ${s.cluster.cluster}, made ${new Date().toISOString()} from ${hostname()}`,
          `logs of the last ${args.since} (at most ${lines} lines per log file); every secret redacted ([redacted NAME])`,
          "",
          ...hosts.map((h) => `${h.host}: ${h.parts.length} part(s)${h.error ? ` (${h.error})` : ""}`),
          ...s.unreachable.map((u) => `${u.host}: not reachable (${u.error})`),
          "",
        ].join("\n"),
      );
      const tar = spawnSync("tar", ["-czf", out, "-C", stage, basename(top)], { encoding: "utf8" });
      if (tar.status !== 0)
        throw new OarHaError(
          "OARHA103",
          `tar could not write ${out}: ${tar.stderr.trim()}\n  fix: a writable --out on a disk with room`,
        );
      chmodSync(out, 0o600);
      const size = statSync(out).size;
      if (args.json)
        json({
          report: out,
          bytes: size,
          hosts: hosts.map((h) => ({ host: h.host, parts: h.parts.length, ...(h.error ? { error: h.error } : {}) })),
          unreachable: s.unreachable,
        });
      say(`report: ${out} (${(size / 1024).toFixed(0)} KiB, mode 0600; secrets redacted: read it before you send it)`);
      return s.unreachable.length && !hosts.length ? EXIT.io : EXIT.ok;
    } finally {
      rmSync(stage, { recursive: true, force: true });
      await s.close();
    }
  },
});
