#!/usr/bin/env node
// Replication lag, CPU and memory of the log-sync agent against a naive `tail -F | cat >>`,
// at 1,000 and 10,000 lines/s. Both go over a local pipe (not SSH), so the comparison is of
// the shippers themselves. Prints ratios; targets: p99 lag <= 1 s at 1,000 lines/s, agent
// < 5 % of a core, memory flat. Usage: node scripts/bench-log-sync.mjs [seconds per rate]
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = new URL("../packages/log-sync/dist/cli.js", import.meta.url).pathname;
if (!existsSync(CLI)) {
  console.error("build first: npm run build");
  process.exit(1);
}
const SECONDS = Number(process.argv[2] ?? 10);
const TICK = 10; // ms between write bursts
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((p / 100) * a.length))] : NaN);
const clk = 100; // USER_HZ

function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

async function run(kind, rate) {
  const dir = mkdtempSync(join(tmpdir(), "bench-log-sync-"));
  const log = join(dir, "oar.log");
  const replica = join(dir, "replica");
  writeFileSync(log, "");
  const child =
    kind === "log-sync"
      ? spawn(process.execPath, [CLI, "ship", "--log", log, "--", process.execPath, CLI, "receive", "--replica", replica], { stdio: "ignore" })
      : spawn("sh", ["-c", `exec tail -n +1 -F ${log} 2>/dev/null >> ${replica}`], { stdio: "ignore" });
  // The measured processes: the shipper and whatever it spawned (the receiver / nothing).
  const pids = () => [child.pid, ...readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").split(" ").filter(Boolean).map(Number)];
  await sleep(500);
  const sent = new Map();
  const lags = [];
  let seq = 0;
  let readOff = 0;
  let carry = "";
  const readReplica = () => {
    if (!existsSync(replica)) return;
    const size = statSync(replica).size;
    if (size <= readOff) return;
    const fd = openSync(replica, "r");
    const buf = Buffer.alloc(size - readOff);
    readSync(fd, buf, 0, buf.length, readOff);
    closeSync(fd);
    readOff = size;
    const now = performance.now();
    const text = carry + buf.toString();
    const lines = text.split("\n");
    carry = lines.pop();
    for (const l of lines) {
      const m = / seq=(\d+) /.exec(l);
      if (m && sent.has(Number(m[1]))) {
        lags.push(now - sent.get(Number(m[1])));
        sent.delete(Number(m[1]));
      }
    }
  };
  const cpu0 = pids().reduce((a, p) => a + cpuTicks(p), 0);
  const rss = [];
  const t0 = performance.now();
  const perTick = (rate * TICK) / 1000;
  let due = 0;
  while (performance.now() - t0 < SECONDS * 1000) {
    due += perTick;
    let chunk = "";
    const now = performance.now();
    for (; due >= 1; due--) {
      const n = seq++;
      sent.set(n, now);
      chunk += `[info] [2026-11-25 12:00:00.000] [bench] seq=${n} ${"z".repeat(60)}\n`;
    }
    if (chunk) appendFileSync(log, chunk);
    readReplica();
    if (seq % Math.max(1, rate) < perTick) rss.push(pids().reduce((a, p) => a + rssKb(p), 0));
    await sleep(TICK);
  }
  const end = performance.now() + 5000;
  while (sent.size && performance.now() < end) {
    readReplica();
    await sleep(5);
  }
  const cpu1 = pids().reduce((a, p) => a + cpuTicks(p), 0);
  const elapsed = (performance.now() - t0) / 1000;
  child.kill("SIGTERM");
  await sleep(200);
  rmSync(dir, { recursive: true, force: true });
  return {
    kind,
    rate,
    lines: seq,
    missing: sent.size,
    p50: pct(lags, 50),
    p99: pct(lags, 99),
    cpu: ((cpu1 - cpu0) / clk / elapsed) * 100,
    rssStart: rss[0] ?? 0,
    rssEnd: rss.at(-1) ?? 0,
  };
}

const rows = [];
for (const rate of [1000, 10000]) for (const kind of ["log-sync", "tail -F | cat"]) rows.push(await run(kind, rate));
console.log(`log-sync bench, ${SECONDS} s per rate, local pipe (not SSH), ${new Date().toISOString()}`);
console.log("shipper         lines/s  lines   missing  lag p50   lag p99   CPU %core  RSS start→end (MiB)");
for (const r of rows)
  console.log(
    `${r.kind.padEnd(15)} ${String(r.rate).padEnd(8)} ${String(r.lines).padEnd(7)} ${String(r.missing).padEnd(8)} ${r.p50.toFixed(1).padStart(6)} ms ${r.p99.toFixed(1).padStart(6)} ms  ${r.cpu.toFixed(1).padStart(6)}     ${(r.rssStart / 1024).toFixed(1)} → ${(r.rssEnd / 1024).toFixed(1)}`,
  );
for (const rate of [1000, 10000]) {
  const a = rows.find((r) => r.kind === "log-sync" && r.rate === rate);
  const b = rows.find((r) => r.kind !== "log-sync" && r.rate === rate);
  console.log(`${rate} lines/s: log-sync / naive: lag p99 x${(a.p99 / b.p99).toFixed(2)}, CPU x${(a.cpu / Math.max(b.cpu, 0.01)).toFixed(2)}`);
}
const one = rows.find((r) => r.kind === "log-sync" && r.rate === 1000);
console.log(`targets at 1,000 lines/s: p99 lag ${one.p99.toFixed(0)} ms (<= 1000: ${one.p99 <= 1000 ? "met" : "MISSED"}), agent CPU ${one.cpu.toFixed(1)} % (< 5: ${one.cpu < 5 ? "met" : "MISSED"}), memory ${(one.rssStart / 1024).toFixed(1)} → ${(one.rssEnd / 1024).toFixed(1)} MiB`);
