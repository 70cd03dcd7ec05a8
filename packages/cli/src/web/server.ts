import { readFileSync, readdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { PAGE } from "./page.js";
import { changes, type Snapshot, type TimelineEvent } from "./timeline.js";

/*
 * The status page's server: one poller (its SSH connections shared by every open page), the
 * latest status as JSON, Server-Sent Events pushing each new status and what changed. Read
 * only: no route changes anything. Without a token it serves loopback only.
 */

export interface PageStatus extends Snapshot {
  readonly cluster: string;
  readonly vipHolder?: string;
  readonly polledAt: string;
  readonly pollSeconds: number;
  readonly drbd?: readonly unknown[];
  readonly error?: string;
}

export interface WebOptions {
  readonly poll: () => Promise<Omit<PageStatus, "polledAt" | "pollSeconds">>;
  readonly intervalMs: number;
  readonly host: string;
  readonly port: number;
  /** Required by every request when set (Bearer header, ?token= once, then a cookie). */
  readonly token?: string;
  readonly cluster: string;
  /** Where drill and bench reports may lie (the cluster file's directory): drill-*.md|svg, bench*.md|svg. */
  readonly reportsDir?: string;
  readonly log?: (m: string) => void;
}

const REPORT = /^(drill|bench)[\w.-]*\.(md|svg)$/;

/** The reports next to the cluster file, newest first. */
function reports(dir: string | undefined): { name: string; mtime: string }[] {
  if (!dir) return [];
  try {
    return readdirSync(dir)
      .filter((f) => REPORT.test(f))
      .map((f) => ({ name: f, mtime: statSync(join(dir, f)).mtime.toISOString() }))
      .sort((a, b) => b.mtime.localeCompare(a.mtime));
  } catch {
    return [];
  }
}

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

const TIMELINE_MAX = 500;

export async function serveStatus(o: WebOptions): Promise<WebServer> {
  let latest: PageStatus | undefined;
  const timeline: TimelineEvent[] = [];
  const clients = new Set<ServerResponse>();
  /** Each group's last VIP holder seen, so that a move seen across a look without one reads as one move. */
  const lastHolder = new Map<string, string>();
  let stopped = false;

  const send = (res: ServerResponse, event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  const pollOnce = async () => {
    const t0 = Date.now();
    let s: PageStatus;
    try {
      s = { ...(await o.poll()), polledAt: new Date().toISOString(), pollSeconds: (Date.now() - t0) / 1000 };
    } catch (e) {
      s = {
        cluster: o.cluster,
        verdict: "unknown",
        checks: [],
        groups: latest?.groups ?? [],
        polledAt: new Date().toISOString(),
        pollSeconds: (Date.now() - t0) / 1000,
        error: (e as Error).message.split("\n")[0] ?? "",
      };
    }
    const events = s.error
      ? [{ time: s.polledAt, level: "bad" as const, text: `status could not be read: ${s.error}` }]
      : changes(latest?.error ? undefined : latest, s, new Date(s.polledAt), lastHolder);
    if (!s.error) for (const g of s.groups) if (g.holder) lastHolder.set(g.id, g.holder);
    latest = s;
    timeline.push(...events);
    timeline.splice(0, Math.max(0, timeline.length - TIMELINE_MAX));
    for (const c of clients) {
      send(c, "status", s);
      for (const e of events) send(c, "timeline", e);
    }
  };

  // One poll at a time; the next starts intervalMs after the previous one ended.
  const loop = (async () => {
    while (!stopped) {
      await pollOnce();
      for (let waited = 0; waited < o.intervalMs && !stopped; waited += 200)
        await new Promise((r) => setTimeout(r, 200));
    }
  })();

  const authorised = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (!o.token) return true;
    const given =
      url.searchParams.get("token") ??
      /(?:^|;\s*)oarha_token=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ??
      /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ??
      "";
    const a = Buffer.from(given);
    const b = Buffer.from(o.token);
    const ok = a.length === b.length && timingSafeEqual(a, b);
    if (ok && url.searchParams.has("token"))
      res.setHeader("Set-Cookie", `oarha_token=${o.token}; HttpOnly; SameSite=Strict; Path=/`);
    return ok;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://page");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (req.method !== "GET") {
      res.writeHead(405, { Allow: "GET" }).end("read-only\n");
      return;
    }
    if (!authorised(req, res, url)) {
      res
        .writeHead(401, { "Content-Type": "text/plain" })
        .end("token required: open the address oar-ha web printed, with ?token= from its token file\n");
      return;
    }
    if (url.pathname === "/") {
      res
        .writeHead(200, {
          "Content-Type": "text/html; charset=utf-8",
          "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        })
        .end(PAGE);
    } else if (url.pathname === "/status.json") {
      res
        .writeHead(latest ? 200 : 503, { "Content-Type": "application/json" })
        .end(JSON.stringify(latest ? { ...latest, timeline } : { error: "first poll not done yet" }));
    } else if (url.pathname === "/reports.json") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(reports(o.reportsDir)));
    } else if (url.pathname.startsWith("/reports/")) {
      // Only a listed report: no path leaves the directory.
      const name = decodeURIComponent(url.pathname.slice("/reports/".length));
      if (!o.reportsDir || !REPORT.test(name) || !reports(o.reportsDir).some((r) => r.name === name)) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("no such report\n");
        return;
      }
      res
        .writeHead(200, { "Content-Type": name.endsWith(".svg") ? "image/svg+xml" : "text/plain; charset=utf-8" })
        .end(readFileSync(join(o.reportsDir, name)));
    } else if (url.pathname === "/events") {
      res.writeHead(200, { "Content-Type": "text/event-stream", Connection: "keep-alive" });
      res.write(`retry: 2000\n\n`);
      // A reconnecting page gets the whole timeline again: it clears what it had first.
      send(res, "reset", {});
      if (latest) send(res, "status", latest);
      for (const e of timeline) send(res, "timeline", e);
      clients.add(res);
      req.on("close", () => clients.delete(res));
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/`,
    close: async () => {
      stopped = true;
      for (const c of clients) c.end();
      await new Promise((r) => server.close(r));
      await loop;
    },
  };
}
