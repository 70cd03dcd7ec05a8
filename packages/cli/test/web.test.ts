import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { changes, type Snapshot } from "../src/web/timeline.js";
import { serveStatus } from "../src/web/server.js";

const healthy: Snapshot = {
  verdict: "healthy",
  checks: [{ name: "node srv-b", ok: true, detail: "online" }],
  groups: [{ id: "all", holder: "srv-a", running: true }],
};
const moved: Snapshot = {
  verdict: "degraded",
  checks: [{ name: "node srv-b", ok: false, detail: "offline" }],
  groups: [{ id: "all", holder: "srv-b", running: true }],
};
const t = new Date("2026-12-06T06:00:00Z");

describe("the timeline", () => {
  it("a move seen across a look where no server held the VIP is one move, from the last holder", () => {
    const none: Snapshot = { ...moved, groups: [{ id: "all", running: false }] };
    const last = new Map([["all", "srv-a"]]);
    expect(changes(healthy, none, t, last).map((e) => e.text)[0]).toBe("the services: no server holds the VIP");
    expect(changes(none, moved, t, last).map((e) => [e.level, e.text])[0]).toEqual([
      "warn",
      "the services moved from srv-a to srv-b",
    ]);
    expect(changes(none, healthy, t, last).map((e) => [e.level, e.text])[0]).toEqual([
      "good",
      "the services: srv-a holds the VIP again",
    ]);
    expect(changes(none, moved, t).map((e) => e.text)[0]).toBe("the services moved to srv-b");
  });

  it("says what changed: a group moved, a check failed, the verdict", () => {
    expect(changes(healthy, moved, t).map((e) => [e.level, e.text])).toEqual([
      ["warn", "the services moved from srv-a to srv-b"],
      ["bad", "node srv-b: failed (offline)"],
      ["warn", "the cluster is degraded (was healthy)"],
    ]);
    expect(changes(moved, healthy, t).map((e) => e.text)).toEqual([
      "the services moved from srv-b to srv-a",
      "node srv-b: ok again (online)",
      "the cluster is healthy (was degraded)",
    ]);
  });
  it("nothing changed, nothing said; the first look is said once", () => {
    expect(changes(healthy, healthy, t)).toEqual([]);
    expect(changes(undefined, healthy, t)).toEqual([
      { time: t.toISOString(), level: "good", text: "page opened: the cluster is healthy" },
    ]);
  });
});

describe("the page's server (a real HTTP server on loopback)", () => {
  it("serves the page, the status, pushes each change by SSE, refuses writes, and with a token refuses without it", async () => {
    const looks = [healthy, moved];
    let n = 0;
    const server = await serveStatus({
      cluster: "lab",
      host: "127.0.0.1",
      port: 0,
      intervalMs: 300,
      token: "s3cret-token",
      poll: () => Promise.resolve({ cluster: "lab", ...looks[Math.min(n++, 1)]! }),
    });
    try {
      expect((await fetch(server.url)).status).toBe(401);
      const page = await fetch(`${server.url}?token=s3cret-token`);
      expect(page.status).toBe(200);
      const cookie = page.headers.get("set-cookie")?.split(";")[0] ?? "";
      expect(await page.text()).toContain("<title>oar-ha</title>");
      expect((await fetch(`${server.url}status.json`, { method: "POST", headers: { cookie } })).status).toBe(405);
      // The event stream: the timeline arrives as the poller sees it.
      const ctl = new AbortController();
      const res = await fetch(`${server.url}events`, {
        headers: { authorization: "Bearer s3cret-token" },
        signal: ctl.signal,
      });
      const reader = res.body!.getReader();
      let text = "";
      const deadline = Date.now() + 5000;
      while (!text.includes("moved from srv-a to srv-b") && Date.now() < deadline)
        text += new TextDecoder().decode((await reader.read()).value as Uint8Array | undefined);
      ctl.abort();
      expect(text).toContain("event: timeline");
      expect(text).toContain("the services moved from srv-a to srv-b");
      const st = (await (await fetch(`${server.url}status.json`, { headers: { cookie } })).json()) as {
        verdict: string;
        timeline: unknown[];
      };
      expect(st.verdict).toBe("degraded");
      expect(st.timeline.length).toBeGreaterThanOrEqual(3);
    } finally {
      await server.close();
    }
  });
});

describe("reports next to the cluster file", () => {
  it("lists and serves drill and bench reports only, nothing else of the directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oar-ha-web-reports-"));
    writeFileSync(join(dir, "drill-F01.md"), "# F01\n");
    writeFileSync(join(dir, "bench-lab.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
    writeFileSync(join(dir, "oar-ha.secrets.yaml"), "dbPassword: x\n");
    const server = await serveStatus({
      cluster: "lab",
      host: "127.0.0.1",
      port: 0,
      intervalMs: 60_000,
      reportsDir: dir,
      poll: () => Promise.resolve({ cluster: "lab", ...healthy }),
    });
    try {
      const list = (await (await fetch(`${server.url}reports.json`)).json()) as { name: string }[];
      expect(list.map((r) => r.name).sort()).toEqual(["bench-lab.svg", "drill-F01.md"]);
      const svg = await fetch(`${server.url}reports/bench-lab.svg`);
      expect([svg.status, svg.headers.get("content-type")]).toEqual([200, "image/svg+xml"]);
      expect(await (await fetch(`${server.url}reports/drill-F01.md`)).text()).toBe("# F01\n");
      for (const bad of ["oar-ha.secrets.yaml", "..%2Fetc%2Fpasswd", "drill-..%2F..%2Fetc%2Fpasswd.md"])
        expect((await fetch(`${server.url}reports/${bad}`)).status, bad).toBe(404);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
