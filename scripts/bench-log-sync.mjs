#!/usr/bin/env node
// Replication lag, CPU and memory of the log-sync agent against a naive
// `tail -F | ssh peer 'cat >>'`, at 1,000 and 10,000 lines/s, both over real SSH to a private
// sshd this script starts on 127.0.0.1 (its own host key and client key, gone at the end);
// `--pipe` compares the shippers over a local pipe instead. Measured: the shipper's process
// tree (agent + ssh client; tail + ssh client). Prints ratios; targets: p99 lag <= 1 s at
// 1,000 lines/s, agent < 5 % of a core, memory flat.
// Usage: node scripts/bench-log-sync.mjs [seconds per rate] [--pipe]
import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = new URL("../packages/log-sync/dist/cli.js", import.meta.url).pathname;
if (!existsSync(CLI)) {
  console.error("build first: npm run build");
  process.exit(1);
}
const PIPE = process.argv.includes("--pipe");
const SECONDS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10);
const TICK = 10; // ms between write bursts
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) =>
  a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((p / 100) * a.length))] : NaN;
const clk = 100; // USER_HZ

function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
const rssKb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** A private sshd on loopback for the bench (root login with the bench's key only). */
async function privateSshd() {
  const dir = mkdtempSync(join(tmpdir(), "bench-sshd-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  for (const k of ["host", "client"]) spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, k)]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client.pub")));
  writeFileSync(
    join(dir, "sshd_config"),
    `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${dir}/host\nPidFile ${dir}/sshd.pid\nAuthorizedKeysFile ${dir}/authorized_keys\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n`,
  );
  writeFileSync(
    join(dir, "known_hosts"),
    `[127.0.0.1]:${port} ${readFileSync(join(dir, "host.pub"), "utf8").split(" ").slice(0, 2).join(" ")}\n`,
  );
  writeFileSync(
    join(dir, "ssh_config"),
    `Host peer\n  HostName 127.0.0.1\n  Port ${port}\n  User root\n  IdentityFile ${dir}/client\n  IdentitiesOnly yes\n  BatchMode yes\n  StrictHostKeyChecking yes\n  UserKnownHostsFile ${dir}/known_hosts\n  LogLevel ERROR\n`,
  );
  spawnSync("mkdir", ["-p", "/run/sshd"]);
  const d = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    if (spawnSync("ssh", ["-F", join(dir, "ssh_config"), "peer", "true"]).status === 0) break;
    await sleep(100);
  }
  return {
    ssh: ["ssh", "-F", join(dir, "ssh_config"), "peer"],
    stop: () => (d.kill("SIGTERM"), rmSync(dir, { recursive: true, force: true })),
  };
}

async function run(kind, rate, sshd) {
  const dir = mkdtempSync(join(tmpdir(), "bench-log-sync-"));
  const log = join(dir, "oar.log");
  const replica = join(dir, "replica");
  writeFileSync(log, "");
  // The flags the installed agent and receiver run with (a bounded heap).
  const HEAP = "--max-old-space-size=64";
  const receive = [process.execPath, HEAP, CLI, "receive", "--replica", replica];
  let child;
  if (kind === "log-sync")
    child = spawn(
      process.execPath,
      [HEAP, CLI, "ship", "--log", log, "--", ...(sshd ? [...sshd.ssh, receive.join(" ")] : receive)],
      { stdio: "ignore" },
    );
  // Its own process group: the pipeline's tail and ssh end with it.
  else
    child = spawn(
      "sh",
      [
        "-c",
        sshd
          ? `tail -n +1 -F ${log} 2>/dev/null | ${sshd.ssh.join(" ")} 'cat >> ${replica}'`
          : `exec tail -n +1 -F ${log} 2>/dev/null >> ${replica}`,
      ],
      { stdio: "ignore", detached: true },
    );
  // The measured processes: the shipper and what it spawned (ssh client or local receiver; tail and ssh).
  const children = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const pids = () => [child.pid, ...children(child.pid)];
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
  if (kind === "log-sync") child.kill("SIGTERM");
  else process.kill(-child.pid, "SIGTERM");
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
    rssMid: rss[Math.floor(rss.length / 2)] ?? 0,
    rssEnd: rss.at(-1) ?? 0,
  };
}

const rows = [];
const sshd = PIPE ? undefined : await privateSshd();
try {
  for (const rate of [1000, 10000])
    for (const kind of ["log-sync", PIPE ? "tail -F | cat" : "tail -F | ssh"]) rows.push(await run(kind, rate, sshd));
} finally {
  sshd?.stop();
}
console.log(
  `log-sync bench, ${SECONDS} s per rate, ${PIPE ? "local pipe (not SSH)" : "over SSH to a private sshd on 127.0.0.1"}, ${new Date().toISOString()}`,
);
console.log("shipper         lines/s  lines   missing  lag p50   lag p99   CPU %core  RSS start→mid→end (MiB)");
for (const r of rows)
  console.log(
    `${r.kind.padEnd(15)} ${String(r.rate).padEnd(8)} ${String(r.lines).padEnd(7)} ${String(r.missing).padEnd(8)} ${r.p50.toFixed(1).padStart(6)} ms ${r.p99.toFixed(1).padStart(6)} ms  ${r.cpu.toFixed(1).padStart(6)}     ${(r.rssStart / 1024).toFixed(1)} → ${(r.rssMid / 1024).toFixed(1)} → ${(r.rssEnd / 1024).toFixed(1)}`,
  );
for (const rate of [1000, 10000]) {
  const a = rows.find((r) => r.kind === "log-sync" && r.rate === rate);
  const b = rows.find((r) => r.kind !== "log-sync" && r.rate === rate);
  console.log(
    `${rate} lines/s: log-sync / naive: lag p99 x${(a.p99 / b.p99).toFixed(2)}, CPU x${(a.cpu / Math.max(b.cpu, 0.01)).toFixed(2)}`,
  );
}
const one = rows.find((r) => r.kind === "log-sync" && r.rate === 1000);
console.log(
  `targets at 1,000 lines/s: p99 lag ${one.p99.toFixed(0)} ms (<= 1000: ${one.p99 <= 1000 ? "met" : "MISSED"}), agent CPU ${one.cpu.toFixed(1)} % (< 5: ${one.cpu < 5 ? "met" : "MISSED"}), memory ${(one.rssStart / 1024).toFixed(1)} → ${(one.rssMid / 1024).toFixed(1)} → ${(one.rssEnd / 1024).toFixed(1)} MiB (second half x${(one.rssEnd / Math.max(1, one.rssMid)).toFixed(2)}: ${one.rssEnd <= one.rssMid * 1.1 ? "flat" : "GROWING"})`,
);
