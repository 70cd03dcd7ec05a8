import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { defineCommand } from "citty";
import { OarHaError } from "@oar-ha/core";
import { allHosts, answers, clusterStatus, connectHost, type Transport } from "@oar-ha/remote";
import { openSession } from "../io/session.js";
import { serveStatus } from "../web/server.js";
import { clusterArgs } from "../io/args.js";

/** Every 5 s: one look costs about a second of crm_mon, psql, oarstat and file reads over the open SSH connections; faster would load the servers for nothing a person can follow. */
const DEFAULT_INTERVAL = 5;
const MIN_INTERVAL = 2;

const loopback = (h: string) => h === "127.0.0.1" || h === "::1" || h === "localhost";

export default defineCommand({
  meta: {
    name: "web",
    description:
      "A live status page of the cluster in a browser (read only; 127.0.0.1 unless --listen, which needs a token)",
  },
  args: {
    ...clusterArgs,
    listen: {
      type: "string",
      description: "ADDRESS:PORT to serve on (default 127.0.0.1:8421; port 0 picks a free one)",
      default: "127.0.0.1:8421",
    },
    interval: {
      type: "string",
      description: `Seconds between two looks at the cluster (default ${DEFAULT_INTERVAL}, at least ${MIN_INTERVAL})`,
      default: String(DEFAULT_INTERVAL),
    },
  },
  async run({ args }) {
    const m = /^(.+):(\d+)$/.exec(args.listen);
    if (!m) throw new OarHaError("OARHA901", `--listen ${args.listen}: say ADDRESS:PORT, e.g. 127.0.0.1:8421`);
    const host = m[1]!.replace(/^\[(.*)\]$/, "$1");
    const interval = Number(args.interval);
    if (!Number.isFinite(interval) || interval < MIN_INTERVAL)
      throw new OarHaError(
        "OARHA901",
        `--interval ${args.interval}: at least ${MIN_INTERVAL} s (each look runs commands on every server)`,
      );
    // Off loopback a token is required: made once, kept 0600 next to the cluster file, never printed.
    let token: string | undefined;
    let tokenFile: string | undefined;
    if (!loopback(host)) {
      tokenFile = `${args.file.replace(/\.ya?ml$/, "")}.web-token`;
      if (!existsSync(tokenFile))
        writeFileSync(tokenFile, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
      token = readFileSync(tokenFile, "utf8").trim();
    }
    const s = await openSession(args.file, args.secrets, false, { partial: true });
    const trying = new Set<string>();
    const reconnect = (h: string) => {
      if (trying.has(h)) return;
      trying.add(h);
      void (async () => {
        try {
          const fresh = await connectHost(s.cluster, h);
          const old = s.transports.get(h);
          s.transports.set(h, fresh);
          await old?.close().catch(() => undefined);
        } catch {
          // still gone: the next look tries again
        } finally {
          trying.delete(h);
        }
      })();
    };
    const server = await serveStatus({
      cluster: s.cluster.cluster,
      host,
      port: Number(m[2]),
      intervalMs: interval * 1000,
      ...(token ? { token } : {}),
      reportsDir: dirname(resolve(args.file)),
      poll: async () => {
        // Each look asks only the hosts that answer within 3 s (a crashed server's connection
        // would hold every command until its own timeout); the others are tried again in the
        // background, so a server that comes back is seen without a restart of the page.
        const live = new Map<string, Transport>();
        const unreachable: { host: string; error: string }[] = [];
        await Promise.all(
          allHosts(s.cluster).map(async (h) => {
            const tr = s.transports.get(h);
            if (tr && (await answers(tr, 3000))) live.set(h, tr);
            else {
              unreachable.push({ host: h, error: tr ? "no answer within 3 s" : "not connected" });
              reconnect(h);
            }
          }),
        );
        const st = await clusterStatus(s.cluster, live, { files: s.files, unreachable });
        return {
          cluster: s.cluster.cluster,
          verdict: st.verdict,
          checks: st.checks,
          groups: st.manager.groups,
          ...(st.vipHolder ? { vipHolder: st.vipHolder } : {}),
          ...(st.drbd ? { drbd: st.drbd } : {}),
        };
      },
    });
    process.stderr.write(
      `oar-ha web: ${server.url} (a look every ${interval} s; Ctrl-C ends)\n` +
        (tokenFile
          ? `  not loopback: every request needs the token in ${tokenFile} (open ${server.url}?token=<its content> once; a cookie keeps it)\n`
          : ""),
    );
    await new Promise<void>((resolve) => {
      const end = () => resolve();
      process.once("SIGINT", end);
      process.once("SIGTERM", end);
    });
    await server.close();
    await s.close();
    return 0;
  },
});
