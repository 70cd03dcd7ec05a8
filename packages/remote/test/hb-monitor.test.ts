import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import { clearMonitorFailures, monitorCheck, parseMonitorState, pauseMonitors } from "../src/deploy/hb-monitor.js";
import type { ExecResult, Transport } from "../src/transport.js";

/* What `status` says of the Heartbeat service monitor, from state files as the monitor writes them. */

const hb = exampleCluster((x) => ({ ...x, manager: "heartbeat" }));
const file = (over: Record<string, string> = {}) =>
  Object.entries({
    pid: "4242",
    role: "active",
    restarts: "0",
    total: "0",
    window: "600",
    max_restarts: "2",
    last: "none",
    updated: "1765000000",
    ...over,
  })
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");

describe("the Heartbeat service monitor in status", () => {
  it("reads the state file; `last=none` is no action, a file that is not the monitor's is nothing", () => {
    expect(parseMonitorState(file())).toEqual({
      pid: 4242,
      role: "active",
      restarts: 0,
      total: 0,
      window: 600,
      maxRestarts: 2,
      updated: 1765000000,
    });
    expect(parseMonitorState(file({ last: "1764999990 restart db: no answer within 20 s" }))?.last).toEqual({
      at: 1764999990,
      what: "restart db: no answer within 20 s",
    });
    expect(parseMonitorState("now=1765000000\n")).toBeUndefined();
    expect(parseMonitorState(file({ role: "dancing" }))).toBeUndefined();
  });

  it("ok while it watches the services, or stands by on the passive server", () => {
    expect(
      monitorCheck({ host: "srv-a", alive: true, now: 1765000003, state: parseMonitorState(file())! }, hb),
    ).toEqual({ name: "service monitor srv-a", ok: true, detail: "watching the services here" });
    expect(
      monitorCheck(
        { host: "srv-b", alive: true, now: 1765000003, state: parseMonitorState(file({ role: "passive" }))! },
        hb,
      ).detail,
    ).toBe("standing by (the group runs on the peer)");
  });

  it("degraded when it does not run, is stuck, paused, or restarted a service within its window", () => {
    const gone = monitorCheck({ host: "srv-a", alive: false, now: 1765000003, state: parseMonitorState(file())! }, hb);
    expect(gone).toMatchObject({ ok: false, degraded: true });
    expect(gone.detail).toMatch(
      /^not running: a failed database or OAR server on srv-a would be neither restarted nor moved\. fix: oar-ha apply/,
    );
    expect(
      monitorCheck({ host: "srv-a", alive: true, now: 1765000000 + 600, state: parseMonitorState(file())! }, hb).detail,
    ).toBe("stuck: its last look was at 05:46:40 (pid 4242); look at /var/log/ha-log on srv-a");
    expect(
      monitorCheck({ host: "srv-a", alive: true, now: 1765000000 + 160, state: parseMonitorState(file())! }, hb).ok,
    ).toBe(true);
    expect(
      monitorCheck(
        { host: "srv-a", alive: true, now: 1765000003, state: parseMonitorState(file({ role: "paused" }))! },
        hb,
      ).detail,
    ).toMatch(/^paused \(\/run\/oar-ha\/hb-monitor\.pause exists\)/);
    // maintenance on: said at once, before the monitor's next look rewrites its state.
    expect(
      monitorCheck(
        { host: "srv-a", alive: true, now: 1765000003, paused: true, state: parseMonitorState(file())! },
        hb,
      ),
    ).toMatchObject({
      ok: false,
      degraded: true,
      detail: "paused (/run/oar-ha/hb-monitor.pause exists): failed services are not restarted",
    });
    // maintenance off: the pause file is gone, the state still says paused until the next look.
    expect(
      monitorCheck(
        {
          host: "srv-a",
          alive: true,
          now: 1765000003,
          paused: false,
          state: parseMonitorState(file({ role: "paused" }))!,
        },
        hb,
      ),
    ).toEqual({
      name: "service monitor srv-a",
      ok: true,
      detail: "resuming: the pause was lifted; it looks again within 5 s",
    });
    const restarted = monitorCheck(
      {
        host: "srv-a",
        alive: true,
        now: 1765000003,
        state: parseMonitorState(file({ restarts: "1", total: "1", last: "1764999990 restart db: db is down" }))!,
      },
      hb,
    );
    expect(restarted).toMatchObject({ ok: false, degraded: true });
    expect(restarted.detail).toMatch(
      /^watching the services here; 1 failure\(s\) in the last 600 s \(the group moves after 2 restarts\); last: restart db: db is down at 05:46:30\. fix: /,
    );
  });
});

/*
 * cleanup and maintenance on Heartbeat: their host scripts run for real under sh, each
 * "server" a directory standing for its /run/oar-ha (the transport rewrites that path only).
 */
describe("cleanup and maintenance of the Heartbeat service monitor, on every server at once", () => {
  const servers = ["srv-a", "srv-b"];
  let root: string;
  let asked: string[];
  let inFlight = 0;
  let most = 0;
  const transports = () =>
    new Map(
      servers.map((host): [string, Transport] => [
        host,
        {
          host,
          exec: async (command: string) => {
            asked.push(host);
            inFlight++;
            most = Math.max(most, inFlight);
            await new Promise((r) => setTimeout(r, 50));
            const r = spawnSync("sh", ["-c", command.replaceAll("/run/oar-ha/", `${join(root, host)}/`)], {
              encoding: "utf8",
            });
            inFlight--;
            return {
              host,
              command,
              code: r.status,
              signal: null,
              stdout: r.stdout,
              stderr: r.stderr,
              timedOut: false,
            } satisfies ExecResult;
          },
          put: () => Promise.resolve(),
          get: () => Promise.resolve(undefined),
          close: () => Promise.resolve(),
        },
      ]),
    );
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "oar-ha-hb-cleanup-"));
    asked = [];
    most = 0;
    for (const s of servers) mkdirSync(join(root, s));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("cleanup forgets one service's failures and keeps the other's, one round trip per server, all at once", async () => {
    writeFileSync(join(root, "srv-a/hb-monitor.failures"), "1765000000 db\n1765000010 oar\n1765000020 db\n");
    const gone = await clearMonitorFailures(hb, transports(), "db");
    expect(gone.map((f) => [f.node, f.resource, f.when])).toEqual([
      ["srv-a", "db", "2025-12-06T05:46:40.000Z"],
      ["srv-a", "db", "2025-12-06T05:47:00.000Z"],
    ]);
    expect(readFileSync(join(root, "srv-a/hb-monitor.failures"), "utf8")).toBe("1765000010 oar\n");
    expect(asked.sort()).toEqual(["srv-a", "srv-b"]);
    expect(most).toBe(2);
    // Then the rest: oar-server by the name Pacemaker gives it, and nothing left.
    expect((await clearMonitorFailures(hb, transports(), "oar-server")).map((f) => f.resource)).toEqual(["oar-server"]);
    expect(readFileSync(join(root, "srv-a/hb-monitor.failures"), "utf8")).toBe("");
    await expect(clearMonitorFailures(hb, transports(), "apache")).rejects.toThrow(
      "no resource apache in this cluster\n  fix: name one of db, oar-server",
    );
  });

  it("cleanup waits for the monitor's look (its lock)", async () => {
    writeFileSync(join(root, "srv-a/hb-monitor.failures"), "1765000000 db\n");
    const { spawn } = await import("node:child_process");
    const look = spawn("sh", [
      "-c",
      `exec 9>"${join(root, "srv-a/hb-monitor.lock")}"; flock 9; : > "${join(root, "locked")}"; sleep 1`,
    ]);
    for (let i = 0; i < 100 && !existsSync(join(root, "locked")); i++) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    expect(await clearMonitorFailures(hb, transports())).toHaveLength(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    await new Promise((r) => (look.exitCode === null ? look.on("exit", r) : r(undefined)));
  });

  it("maintenance on pauses every server at once, says when nothing changed, off resumes", async () => {
    expect(await pauseMonitors(hb, transports(), true)).toBe(true);
    expect(servers.map((s) => existsSync(join(root, s, "hb-monitor.pause")))).toEqual([true, true]);
    expect(most).toBe(2);
    expect(await pauseMonitors(hb, transports(), true)).toBe(false);
    expect(await pauseMonitors(hb, transports(), false)).toBe(true);
    expect(servers.map((s) => existsSync(join(root, s, "hb-monitor.pause")))).toEqual([false, false]);
    expect(await pauseMonitors(hb, transports(), false)).toBe(false);
  });
});
