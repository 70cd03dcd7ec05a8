import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/*
 * The Heartbeat service monitor (src/scripts/hb-monitor.sh) run for real under sh, with
 * stand-ins for what it drives on a server: cl_status (Heartbeat's view), ip (whether the VIP
 * is here), the two resource scripts (their health and whether a start works), hb_standby
 * and logger. Each stand-in appends what it was asked to `calls`; the test then reads the
 * calls, the monitor's state file and the log lines it wrote.
 */

const SCRIPT = join(import.meta.dirname, "../src/scripts/hb-monitor.sh");

let dir: string;
const p = (f: string) => join(dir, f);
const put = (f: string, text: string) => writeFileSync(p(f), text);
const exe = (f: string, body: string) => {
  writeFileSync(p(f), `#!/bin/sh\n${body}\n`);
  chmodSync(p(f), 0o755);
};
const calls = () => (existsSync(p("calls")) ? readFileSync(p("calls"), "utf8").trim().split("\n").filter(Boolean) : []);
const state = () =>
  Object.fromEntries(
    readFileSync(p("state/hb-monitor.state"), "utf8")
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
const haLog = () => (existsSync(p("ha-log")) ? readFileSync(p("ha-log"), "utf8") : "");

/** A resource script whose health is the content of `<name>.health` (ok, fail, hang) and whose start sets `<name>.after-start`. */
function resource(name: string) {
  exe(
    name,
    `echo "${name} $1" >> "${p("calls")}"
case "$1" in
  monitor)
    case "$(cat "${p(`${name}.health`)}")" in
      ok) exit 0 ;;
      hang) sleep 30 ;;
      *) echo "${name} is down" >&2; exit 1 ;;
    esac ;;
  start) cp "${p(`${name}.after-start`)}" "${p(`${name}.health`)}"; [ "$(cat "${p(`${name}.health`)}")" = ok ] ;;
  stop) exit 0 ;;
esac`,
  );
  put(`${name}.health`, "ok\n");
  put(`${name}.after-start`, "ok\n");
}

/** The monitor's settings file: fast looks, the stand-ins of this test; CYCLES=0 looks until stopped. */
function writeConf(cycles: number, extra: Record<string, string> = {}) {
  const conf = {
    INTERVAL: "0.05",
    TIMEOUT: "2",
    MAX_RESTARTS: "2",
    WINDOW: "600",
    VIP: "10.0.0.100",
    PEER: "srv-b",
    SERVICES: "'db oar'",
    DB_SCRIPT: p("db"),
    OAR_SCRIPT: p("oar"),
    HB_STANDBY: p("hb_standby"),
    HA_LOG: p("ha-log"),
    STATE_DIR: p("state"),
    CYCLES: String(cycles),
    ...extra,
  };
  put(
    "conf",
    Object.entries(conf)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n") + "\n",
  );
}

/** The monitor's environment: the stand-ins first on PATH, the settings file above. */
const monitorEnv = () => ({
  ...process.env,
  PATH: `${p("bin")}:${process.env.PATH}`,
  OAR_HA_HB_MONITOR_CONF: p("conf"),
});

function run(cycles: number, extra: Record<string, string> = {}) {
  writeConf(cycles, extra);
  const r = spawnSync("sh", [SCRIPT], {
    env: monitorEnv(),
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "oar-ha-hb-monitor-"));
  spawnSync("mkdir", ["-p", p("bin"), p("state")]);
  // Heartbeat's view: its status files; the VIP is here while `vip-here` exists.
  put("hbstatus", "running\n");
  put("rscstatus", "all\n");
  put("peer", "active\n");
  exe(
    "bin/cl_status",
    `case "$1" in
  hbstatus) [ "$(cat "${p("hbstatus")}")" = running ] ;;
  rscstatus) cat "${p("rscstatus")}" ;;
  nodestatus) cat "${p("peer")}" ;;
esac`,
  );
  exe(
    "bin/ip",
    `[ -e "${p("vip-here")}" ] && echo "2: eth0    inet 10.0.0.100/24 brd 10.0.0.255 scope global secondary eth0"; exit 0`,
  );
  exe("bin/logger", `echo "logger $*" >> "${p("syslog")}"`);
  // Heartbeat's hand-over: the group leaves this server.
  exe("hb_standby", `echo "hb_standby" >> "${p("calls")}"; rm -f "${p("vip-here")}"`);
  resource("db");
  resource("oar");
  put("vip-here", "");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the Heartbeat service monitor", () => {
  it("on the server holding the group, checks the database then the OAR server and touches nothing when both answer", () => {
    run(3);
    expect(calls()).toEqual(["db monitor", "oar monitor", "db monitor", "oar monitor", "db monitor", "oar monitor"]);
    expect(state()).toMatchObject({ role: "active", restarts: "0", total: "0", last: "none" });
  });

  it("on the passive server, checks nothing and restarts nothing, even with the database down there", () => {
    rmSync(p("vip-here"));
    put("db.health", "fail\n");
    run(3);
    expect(calls()).toEqual([]);
    expect(state().role).toBe("passive");
  });

  it("a failed database is restarted in place with the OAR server around it (OAR stopped first, started last), and said in syslog and Heartbeat's log", () => {
    put("db.health", "fail\n");
    run(2);
    expect(calls()).toEqual([
      "db monitor",
      "oar stop",
      "db stop",
      "db start",
      "oar start",
      "db monitor",
      "oar monitor",
    ]);
    expect(state()).toMatchObject({ role: "active", restarts: "1", total: "1" });
    expect(state().last).toMatch(/^\d+ restart db: db is down$/);
    expect(haLog()).toMatch(
      /^oar-ha-hb-monitor\[\d+\]: \d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d WARN: db failed \(db is down\): restarting it here \(failure 1 within 600 s; the group moves after 2 restarts\)$/m,
    );
    expect(haLog()).toMatch(/ info: db restarted$/m);
    expect(readFileSync(p("syslog"), "utf8")).toContain(
      "logger -t oar-ha-hb-monitor -p daemon.warning -- db failed (db is down)",
    );
  });

  it("a failed OAR server is restarted alone: the database is left running", () => {
    put("oar.health", "fail\n");
    run(1);
    expect(calls()).toEqual(["db monitor", "oar monitor", "oar stop", "oar start"]);
  });

  it("a hung database (no answer within the timeout) counts as failed", () => {
    put("db.health", "hang\n");
    const t0 = Date.now();
    run(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(calls()).toEqual(["db monitor", "oar stop", "db stop", "db start", "oar start"]);
    expect(state().last).toMatch(/restart db: no answer within 2 s$/);
  });

  it("when the restarts keep failing, the third failure hands the whole group to the peer, once", () => {
    put("db.health", "fail\n");
    put("db.after-start", "fail\n");
    run(5);
    const c = calls();
    expect(c.filter((x) => x === "db start")).toHaveLength(2);
    expect(c.filter((x) => x === "hb_standby")).toHaveLength(1);
    expect(c.indexOf("hb_standby")).toBeGreaterThan(c.lastIndexOf("db start"));
    expect(state()).toMatchObject({ role: "passive", restarts: "0", total: "3" });
    expect(state().last).toMatch(/^\d+ handover db to srv-b$/);
    expect(haLog()).toMatch(
      / ERROR: db failed 3 times within 600 s \(more than 2 restarts\): handing the group to srv-b$/m,
    );
  });

  it("with the peer dead, restarts in place instead of handing over to nobody", () => {
    put("db.health", "fail\n");
    put("db.after-start", "fail\n");
    put("peer", "dead\n");
    run(4);
    expect(calls()).not.toContain("hb_standby");
    expect(calls().filter((x) => x === "db start")).toHaveLength(4);
    expect(haLog()).toContain("but srv-b is dead: nobody can take the group, restarting in place");
  });

  it("does not hand the group back when it handed it over within the window (the services fail on both servers)", () => {
    put("db.health", "fail\n");
    put("db.after-start", "fail\n");
    put("state/hb-monitor.handed", `${Math.floor(Date.now() / 1000) - 60}\n`);
    run(4);
    expect(calls()).not.toContain("hb_standby");
    expect(haLog()).toContain("the services fail on both servers");
  });

  it("never acts while Heartbeat moves resources, while Heartbeat is down, or while paused", () => {
    put("db.health", "fail\n");
    put("rscstatus", "transition\n");
    run(2);
    expect(state().role).toBe("transition");
    put("rscstatus", "all\n");
    put("hbstatus", "stopped\n");
    run(2);
    expect(state().role).toBe("heartbeat-down");
    put("hbstatus", "running\n");
    put("state/hb-monitor.pause", "");
    run(2);
    expect(state().role).toBe("paused");
    expect(calls()).toEqual([]);
  });

  it("waits for oar-ha's own restart (the same lock) before it looks, and then finds the database back", async () => {
    put("db.health", "fail\n");
    // An apply restarting the database: holds the lock 1.5 s, the database is back when it lets go.
    const { spawn } = await import("node:child_process");
    const apply = spawn("sh", [
      "-c",
      `exec 9>"${p("state/hb-monitor.lock")}"; flock 9; : > "${p("locked")}"; sleep 1.5; echo ok > "${p("db.health")}"`,
    ]);
    for (let i = 0; i < 100 && !existsSync(p("locked")); i++) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    run(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(calls()).toEqual(["db monitor", "oar monitor"]);
    await new Promise((r) => (apply.exitCode === null ? apply.on("exit", r) : r(undefined)));
  });

  it("lets go of the lock while Heartbeat moves the group away (an apply or a cleanup then does not wait for the takeover)", async () => {
    put("db.health", "fail\n");
    put("db.after-start", "fail\n");
    // Heartbeat takes 4 s to move the group after hb_standby.
    exe("hb_standby", `echo "hb_standby" >> "${p("calls")}"; (sleep 4; rm -f "${p("vip-here")}") >/dev/null 2>&1 &`);
    writeConf(4);
    const { spawn } = await import("node:child_process");
    const child = spawn("sh", [SCRIPT], { env: monitorEnv() });
    for (let i = 0; i < 200 && !calls().includes("hb_standby"); i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls()).toContain("hb_standby");
    expect(existsSync(p("vip-here")), "the group is still moving").toBe(true);
    // What apply and cleanup do: take the lock, here with 1 s to get it.
    const got = spawnSync("flock", ["-w", "1", p("state/hb-monitor.lock"), "true"]);
    expect(got.status, "the lock was held during the takeover").toBe(0);
    await new Promise((r) => (child.exitCode === null ? child.on("exit", r) : r(undefined)));
    expect(state()).toMatchObject({ role: "passive" });
    expect(calls().filter((x) => x === "hb_standby")).toHaveLength(1);
  }, 30_000);

  it("stops at once on SIGTERM (Heartbeat's shutdown) and removes its state", async () => {
    writeConf(0, { INTERVAL: "30" });
    const { spawn } = await import("node:child_process");
    const child = spawn("sh", [SCRIPT], { env: monitorEnv() });
    for (let i = 0; i < 100 && !existsSync(p("state/hb-monitor.state")); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(p("state/hb-monitor.state"))).toBe(true);
    const t0 = Date.now();
    child.kill("SIGTERM");
    await new Promise((r) => child.on("exit", r));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(existsSync(p("state/hb-monitor.state"))).toBe(false);
    expect(haLog()).toMatch(/info: stopping \(pid \d+\)$/m);
  });
});
