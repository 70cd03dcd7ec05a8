import { describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import { monitorCheck, parseMonitorState } from "../src/index.js";

/* What `status` says of the Heartbeat service monitor, from state files as the monitor writes them. */

const hb = exampleCluster((x) => ({ ...x, manager: "heartbeat" }));
const file = (over: Record<string, string> = {}) =>
  Object.entries({ pid: "4242", role: "active", restarts: "0", total: "0", window: "600", max_restarts: "2", last: "none", updated: "1765000000", ...over })
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");

describe("the Heartbeat service monitor in status", () => {
  it("reads the state file; `last=none` is no action, a file that is not the monitor's is nothing", () => {
    expect(parseMonitorState(file())).toEqual({ pid: 4242, role: "active", restarts: 0, total: 0, window: 600, maxRestarts: 2, updated: 1765000000 });
    expect(parseMonitorState(file({ last: "1764999990 restart db: no answer within 20 s" }))?.last).toEqual({ at: 1764999990, what: "restart db: no answer within 20 s" });
    expect(parseMonitorState("now=1765000000\n")).toBeUndefined();
  });

  it("ok while it watches the services, or stands by on the passive server", () => {
    expect(monitorCheck({ host: "srv-a", alive: true, now: 1765000003, state: parseMonitorState(file())! }, hb)).toEqual({ name: "service monitor srv-a", ok: true, detail: "watching the services here" });
    expect(monitorCheck({ host: "srv-b", alive: true, now: 1765000003, state: parseMonitorState(file({ role: "passive" }))! }, hb).detail).toBe("standing by (the group runs on the peer)");
  });

  it("degraded when it does not run, is stuck, paused, or restarted a service within its window", () => {
    const gone = monitorCheck({ host: "srv-a", alive: false, now: 1765000003, state: parseMonitorState(file())! }, hb);
    expect(gone).toMatchObject({ ok: false, degraded: true });
    expect(gone.detail).toMatch(/^not running: a failed database or OAR server on srv-a would be neither restarted nor moved\. fix: oar-ha apply/);
    expect(monitorCheck({ host: "srv-a", alive: true, now: 1765000000 + 600, state: parseMonitorState(file())! }, hb).detail).toBe("stuck: its last look was at 05:46:40 (pid 4242); look at /var/log/ha-log on srv-a");
    expect(monitorCheck({ host: "srv-a", alive: true, now: 1765000000 + 160, state: parseMonitorState(file())! }, hb).ok).toBe(true);
    expect(monitorCheck({ host: "srv-a", alive: true, now: 1765000003, state: parseMonitorState(file({ role: "paused" }))! }, hb).detail).toMatch(/^paused \(\/run\/oar-ha\/hb-monitor\.pause exists\)/);
    // maintenance on: said at once, before the monitor's next look rewrites its state.
    expect(monitorCheck({ host: "srv-a", alive: true, now: 1765000003, paused: true, state: parseMonitorState(file())! }, hb)).toMatchObject({ ok: false, degraded: true, detail: "paused (/run/oar-ha/hb-monitor.pause exists): failed services are not restarted" });
    const restarted = monitorCheck({ host: "srv-a", alive: true, now: 1765000003, state: parseMonitorState(file({ restarts: "1", total: "1", last: "1764999990 restart db: db is down" }))! }, hb);
    expect(restarted).toMatchObject({ ok: false, degraded: true });
    expect(restarted.detail).toMatch(/^watching the services here; 1 failure\(s\) in the last 600 s \(the group moves after 2 restarts\); last: restart db: db is down at 05:46:30\. fix: /);
  });
});
