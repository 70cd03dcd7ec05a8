import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  openSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/*
 * The real agent and receiver (the built program, two processes talking over a pipe as they
 * would over SSH), real files, kill -9 of either at random moments, partial lines, rename and
 * copytruncate rotations: the replica ends equal to everything written.
 */

const CLI = join(import.meta.dirname, "../dist/cli.js");
const dir = mkdtempSync(join(tmpdir(), "log-sync-"));
const log = join(dir, "oar.log");
const replica = join(dir, "replica", "oar.log.srv-a");
const status = join(dir, "status.json");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let shipper: ChildProcess | undefined;
const startShipper = () => {
  const err = openSync(join(dir, "ship.err"), "a"); // kept with KEEP=1 for a look after a failure
  shipper = spawn(
    process.execPath,
    [
      CLI,
      "ship",
      "--log",
      log,
      "--status",
      status,
      "--max-batch",
      "2048",
      "--",
      process.execPath,
      CLI,
      "receive",
      "--replica",
      replica,
    ],
    { stdio: ["ignore", "ignore", err] },
  );
};
const receiverPids = () =>
  // Anchored: the shipper's own command line also contains the receiver's.
  spawnSync("pgrep", ["-f", `^${process.execPath} ${CLI} receive --replica ${replica}`], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean)
    .map(Number);
/** The agent said "nothing left to send" after the last write (a status written before it is stale). */
let lastWrite = 0;
const caughtUp = () => {
  if (!existsSync(status)) return false;
  const st = JSON.parse(readFileSync(status, "utf8")) as { caughtUp: boolean; updated: string; lagBytes: number };
  return st.caughtUp && st.lagBytes === 0 && Date.parse(st.updated) > lastWrite;
};

afterAll(() => {
  shipper?.kill("SIGKILL");
  for (const p of receiverPids()) process.kill(p, "SIGKILL");
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe("the agent and the receiver as processes", () => {
  it("kill -9 of either, partial lines and rotations: the replica equals everything written", async () => {
    expect(existsSync(CLI), "build the package first (npm run build)").toBe(true);
    writeFileSync(log, "");
    let written = "";
    const write = (s: string) => {
      appendFileSync(log, s);
      written += s;
      lastWrite = Date.now();
    };
    startShipper();
    let n = 0;
    const kills = { shipper: 0, receiver: 0, rotations: 0 };
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 100; i++, n++) {
        const line = `[info] [2026-11-25 12:00:${String(n % 60).padStart(2, "0")}.${String(n % 1000).padStart(3, "0")}] [w${n % 3}] seq=${n} ${"y".repeat(n % 50)}\n${n % 7 === 0 ? `  continuation of ${n}\n` : ""}`;
        if (n % 13 === 0) {
          write(line.slice(0, 10)); // a partial line: held back until complete
          await sleep(1);
          write(line.slice(10));
        } else write(line);
      }
      await sleep(20);
      if (round % 4 === 1 && shipper?.pid) {
        shipper.kill("SIGKILL");
        kills.shipper++;
        await sleep(30);
        startShipper();
      }
      if (round % 4 === 3) {
        let pids = receiverPids();
        for (let i = 0; i < 40 && pids.length === 0; i++, pids = receiverPids()) await sleep(50); // the shipper may be reconnecting
        for (const p of pids) process.kill(p, "SIGKILL");
        if (pids.length) kills.receiver++;
      }
      if (round % 10 === 9) {
        // One rotation at a time, after the agent caught up (as a day between rotations allows).
        for (let i = 0; i < 400 && !caughtUp(); i++) await sleep(50);
        if (existsSync(`${log}.1`)) rmSync(`${log}.1`); // "compressed": never read again
        if (round % 20 === 9) renameSync(log, `${log}.1`);
        else {
          copyFileSync(log, `${log}.1`);
          truncateSync(log, 0);
        }
        writeFileSync(log, "", { flag: "a" });
        kills.rotations++;
      }
    }
    for (
      let i = 0;
      i < 300 && !(existsSync(replica) && readFileSync(replica, "utf8").length === written.length && caughtUp());
      i++
    )
      await sleep(100);
    const got = readFileSync(replica, "utf8");
    expect(kills.shipper).toBe(10);
    expect(kills.rotations).toBe(4);
    expect(kills.receiver).toBeGreaterThan(3);
    expect(got.length).toBe(written.length);
    expect(got === written).toBe(true);
    // One rotation at a time and the agent caught up between: no generation may look lost.
    expect((JSON.parse(readFileSync(status, "utf8")) as { gaps: number }).gaps).toBe(0);
  }, 120_000);
});
