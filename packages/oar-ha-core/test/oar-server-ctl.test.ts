import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderOarServerControl } from "../src/index.js";
import { exampleCluster } from "../src/testing.js";

/*
 * The rendered OAR server control script, run for real. It stops processes by name
 * (pkill -f Almighty...), so each run gets PID and network namespaces of its own
 * (unshare, as root): it sees and signals only the processes the test started there.
 */

const ctl = renderOarServerControl(exampleCluster())[0]!.content;

/** Runs `body` (sh) in fresh PID and network namespaces; returns its output and how long it took. */
function isolated(body: string, timeoutMs: number): { code: number | null; out: string; seconds: number } {
  const t0 = Date.now();
  // The process name comes in the environment: a command line holding it would be matched
  // (and killed) by the script's own pkill -f.
  const r = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "--net", "sh", "-c", body], {
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, N: "Almighty" },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, seconds: (Date.now() - t0) / 1000 };
}

describe("oar-server-ctl stop (real script, in its own namespaces)", () => {
  it("stays within its deadline when OAR's init script hangs, and leaves no OAR process", () => {
    const dir = mkdtempSync(join(tmpdir(), "oar-ha-ctl-"));
    // OAR's init script whose stop never returns (a busy Almighty it waits for).
    const init = join(dir, "oar-server-init");
    writeFileSync(init, '#!/bin/sh\n[ "$1" = stop ] && exec sleep 600\nexit 0\n');
    chmodSync(init, 0o755);
    const script = join(dir, "oar-server-ctl");
    writeFileSync(script, ctl.replace("INIT=/etc/init.d/oar-server", `INIT=${init}`));
    const wait = 9;
    const r = isolated(
      // An "Almighty" that ignores SIGTERM, as OAR's does while it runs a module.
      `bash -c 'trap "" TERM; exec -a "$N" sleep 600' & sleep 0.5; pgrep -f "$N" >/dev/null || echo not-started; ` +
        `OAR_HA_STOP_WAIT=${wait} sh ${script} stop; echo "rc=$?"; ` +
        `pgrep -f "$N" >/dev/null && echo survivor || echo none-left`,
      60_000,
    );
    expect(r.out).not.toContain("not-started");
    expect(r.out).toContain("rc=0");
    expect(r.out).toContain("none-left");
    // The whole stop inside its budget: Pacemaker's timeout is 10 s beyond it.
    expect(r.seconds).toBeLessThan(wait + 5);
  });

  it("the init script hanging is what the old stop did not bound (control: without the timeout it overruns)", () => {
    const dir = mkdtempSync(join(tmpdir(), "oar-ha-ctl-"));
    const init = join(dir, "oar-server-init");
    writeFileSync(init, '#!/bin/sh\n[ "$1" = stop ] && exec sleep 600\nexit 0\n');
    chmodSync(init, 0o755);
    const unbounded = ctl
      .replace("INIT=/etc/init.d/oar-server", `INIT=${init}`)
      .replace(/timeout -k 2 "\$\(\([^"]*\)\)" "\$INIT" stop/, '"$INIT" stop');
    expect(unbounded).not.toBe(ctl);
    const script = join(dir, "oar-server-ctl");
    writeFileSync(script, unbounded);
    const r = isolated(`OAR_HA_STOP_WAIT=6 timeout 15 sh ${script} stop; echo "rc=$?"`, 60_000);
    // timeout(1) had to end it: 124.
    expect(r.out).toContain("rc=124");
  });
});
