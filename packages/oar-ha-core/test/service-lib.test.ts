import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { shq, withServiceLib } from "../src/index.js";

/*
 * The service helpers run in a real sh with update-rc.d and systemctl replaced by stand-ins on
 * PATH that log their arguments (this machine, like CI, has no systemd as PID 1: the sysvinit
 * side is what runs; the systemd side is reached through svc_systemd being redefined).
 */
const dir = mkdtempSync(join(tmpdir(), "oar-ha-svc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const tool of ["update-rc.d", "systemctl"]) {
  writeFileSync(
    join(dir, tool),
    `#!/bin/sh\necho "${tool} $*" >> ${shq(join(dir, "calls"))}\n[ "$1" != enable ] || [ "$3" != broken ]\n`,
  );
  chmodSync(join(dir, tool), 0o755);
}
function sh(script: string) {
  rmSync(join(dir, "calls"), { force: true });
  const r = spawnSync("sh", ["-c", withServiceLib(script)], {
    encoding: "utf8",
    env: { PATH: `${dir}:/usr/bin:/bin` },
  });
  let calls = "";
  try {
    calls = readFileSync(join(dir, "calls"), "utf8");
  } catch {
    /* no call */
  }
  return { code: r.status, out: r.stdout, calls: calls.trim().split("\n").filter(Boolean) };
}

describe("service helpers (withServiceLib)", () => {
  it("boot disable: every service through update-rc.d, and systemctl only under systemd; never fails", () => {
    expect(sh("svc_systemd() { false; }; svc_boot_disable corosync pacemaker").calls).toEqual([
      "update-rc.d corosync disable",
      "update-rc.d pacemaker disable",
    ]);
    const sd = sh("set -e; svc_systemd() { true; }; svc_boot_disable drbd; echo done");
    expect(sd.calls).toEqual(["update-rc.d drbd disable", "systemctl disable --quiet drbd"]);
    expect(sd.out).toBe("done\n");
  });

  it("boot enable under set -e stops the script when systemd refuses, like the branch it replaced", () => {
    const r = sh("set -e; svc_systemd() { true; }; svc_boot_enable broken; echo after");
    expect(r.code).not.toBe(0);
    expect(r.out).toBe("");
    expect(sh("set -e; svc_systemd() { true; }; svc_boot_enable broken || true; echo after").out).toBe("after\n");
  });

  it("leaves the caller's variables alone (a while-read loop over service names keeps its own)", () => {
    expect(sh("s=keep; _x=1; svc_boot_enable heartbeat; echo $s").out).toBe("keep\n");
  });

  it("knows systemd from sysvinit by /run/systemd/system, as Debian's own scripts do", () => {
    const r = sh("if svc_systemd; then echo systemd; else echo sysv; fi");
    expect(r.out.trim()).toBe(spawnSync("test", ["-d", "/run/systemd/system"]).status === 0 ? "systemd" : "sysv");
  });
});
