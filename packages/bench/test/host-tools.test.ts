import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostScript, keyValues } from "@oar-ha/remote";
import { parseDbRun, parseFio, parseStream } from "../src/index.js";

/*
 * The bench host scripts run here, as root, with the real tools (PostgreSQL's pgbench, MariaDB
 * with sysbench, fio, losetup, mkfs.ext4): a loop-mounted ext4 stands in for DRBD's filesystem.
 * What runs on a cluster's Primary is exactly this text, sent over SSH.
 */

const script = (name: string) => readFileSync(join(import.meta.dirname, "../src/scripts", name), "utf8");
const sh = (text: string, vars: Record<string, string | number>, timeout = 600_000) => {
  const r = spawnSync("sh", ["-c", hostScript(text, vars)], { encoding: "utf8", timeout });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const SCRATCH = script("bench-scratch.sh");
const DB = script("bench-db.sh");
const FIO = script("bench-fio.sh");
const STREAM = script("bench-stream.sh");

const top = mkdtempSync(join(tmpdir(), "oar-ha-bench-test-"));
// The database users must reach their directories, as under /var/lib/oar-ha and the mount point on a server.
chmodSync(top, 0o755);
const base = join(top, "base");
const mp = join(top, "drbd-fs");
const mpImg = join(top, "drbd-fs.img");
const vars = (action: string) => ({
  ACTION: action,
  BASE: base,
  KIND: "file",
  VG: "",
  LV: "oar-ha-bench",
  SIZE: "600M",
  MP: mp,
});

beforeAll(() => {
  // DRBD's filesystem, as the Primary has it mounted.
  mkdirSync(mp);
  const r = sh('truncate -s 700M "$IMG" && mkfs.ext4 -q -F "$IMG" && mount -o loop "$IMG" "$MP"', {
    IMG: mpImg,
    MP: mp,
  });
  expect(r.code, r.err).toBe(0);
});

afterAll(() => {
  sh(SCRATCH, { ...vars("cleanup"), ENGINE: "postgresql" });
  sh('umount "$MP"; for l in $(losetup -n -O NAME -j "$IMG"); do losetup -d "$l"; done', { MP: mp, IMG: mpImg });
  rmSync(top, { recursive: true, force: true });
});

describe("bench host scripts, with the real tools", () => {
  it("probe names nothing missing where the tools are installed, and a missing one by name", () => {
    for (const engine of ["postgresql", "mariadb"]) {
      const r = sh(SCRATCH, { ...vars("probe"), ENGINE: engine });
      expect(r.code, r.err).toBe(0);
      expect(keyValues(r.out).missing, engine).toBe("");
    }
    const r = spawnSync("/bin/sh", ["-c", hostScript(SCRATCH, { ...vars("probe"), ENGINE: "mariadb" })], {
      encoding: "utf8",
      env: { PATH: "/nonexistent" },
    });
    expect(keyValues(r.stdout).missing).toContain("sysbench");
  });

  it("setup refuses where the database filesystem is not mounted (not the Primary), creating nothing", () => {
    const r = sh(SCRATCH, { ...vars("setup"), ENGINE: "postgresql", MP: join(top, "not-mounted") });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/not mounted on this server/);
    expect(existsSync(base)).toBe(false);
  });

  for (const engine of ["postgresql", "mariadb"] as const) {
    it(`${engine}: a scratch instance on each filesystem, loaded and benchmarked; cleanup leaves nothing, even mid-run`, async () => {
      const setup = sh(SCRATCH, { ...vars("setup"), ENGINE: engine });
      expect(setup.code, setup.err).toBe(0);
      const dirs = keyValues(setup.out);
      expect(dirs.local).toBe(join(base, "local"));
      expect(dirs.drbd).toBe(join(mp, "oar-ha-bench"));
      for (const where of [dirs.local!, dirs.drbd!]) {
        const db = (action: string) =>
          sh(DB, {
            ACTION: action,
            ENGINE: engine,
            DIR: `${where}/db`,
            RUN: join(base, "run"),
            THREADS: 4,
            DURATION: 3,
            SCALE: 1,
          });
        for (const a of ["start", "prepare"]) {
          const r = db(a);
          expect(r.code, `${engine} ${a} in ${where}: ${r.err}`).toBe(0);
        }
        const run = db("run");
        expect(run.code, run.err).toBe(0);
        const m = parseDbRun(run.out);
        expect(m.tps).toBeGreaterThan(0);
        expect(m.p95Ms).toBeGreaterThan(0);
        expect(m.transactions).toBeGreaterThan(0);
        if (where === dirs.local) expect(db("stop").code).toBe(0);
      }
      // The instance on the DRBD side still runs, as after a killed bench: cleanup stops it and removes everything.
      const pid = readFileSync(join(base, "run/db.pid"), "utf8").trim();
      expect(existsSync(`/proc/${pid}`)).toBe(true);
      // And a killed run's client still holds a file open on the scratch filesystem (umount would be busy).
      writeFileSync(join(dirs.local!, "busy"), "");
      const stray = spawn("tail", ["-f", join(dirs.local!, "busy")], { stdio: "ignore", detached: true });
      stray.unref();
      await new Promise((r) => setTimeout(r, 300));
      expect(existsSync(`/proc/${stray.pid}`)).toBe(true);
      const clean = sh(SCRATCH, { ...vars("cleanup"), ENGINE: engine });
      expect(clean.code, clean.err).toBe(0);
      const removed = keyValues(clean.out).removed ?? "";
      expect(removed).toContain(`process:${pid}`);
      expect(removed).toContain(`process:${stray.pid}`);
      expect(removed).toContain(`mount:${join(base, "local")}`);
      expect(removed).toMatch(/loop:\/dev\/loop\d+/);
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(existsSync(base)).toBe(false);
      expect(existsSync(join(mp, "oar-ha-bench"))).toBe(false);
      expect(spawnSync("losetup", ["-j", join(base, "local.img")], { encoding: "utf8" }).stdout).toBe("");
      // A second cleanup finds nothing.
      expect(keyValues(sh(SCRATCH, { ...vars("cleanup"), ENGINE: engine }).out).removed).toBe("");
    });
  }

  it("fio: synchronous 4 KiB writes on each filesystem, read from fio's own report", () => {
    const setup = sh(SCRATCH, { ...vars("setup"), ENGINE: "postgresql" });
    expect(setup.code, setup.err).toBe(0);
    const dirs = keyValues(setup.out);
    for (const d of [dirs.local!, dirs.drbd!]) {
      const r = sh(FIO, { DIR: d, SECS: 2, RUN: join(base, "run") });
      expect(r.code, r.err).toBe(0);
      const w = parseFio(r.out);
      expect(w.iops).toBeGreaterThan(0);
      expect(w.p95Ms).toBeGreaterThanOrEqual(w.p50Ms);
      expect(existsSync(join(d, "oar-ha-bench-fio.dat"))).toBe(false);
    }
    expect(sh(SCRATCH, { ...vars("cleanup"), ENGINE: "postgresql" }).code).toBe(0);
  });

  it("stream: a bounded iperf3 from client to server (here over loopback), its rate read from iperf3's report; both ends gone after", () => {
    const run = join(top, "stream-run");
    const v = { RUN: run, ADDR: "127.0.0.1", PEER: "127.0.0.1", SECS: 2 };
    expect(sh(STREAM, { ...v, ACTION: "server" }).code).toBe(0);
    expect(sh(STREAM, { ...v, ACTION: "client" }).code).toBe(0);
    const r = sh(STREAM, { ...v, ACTION: "result" }, 60_000);
    expect(r.code, r.err).toBe(0);
    expect(parseStream(r.out)).toBeGreaterThan(10);
    expect(spawnSync("pgrep", ["-f", `iperf3.*${run}`]).status, "no iperf3 left").toBe(1);
  });
});
