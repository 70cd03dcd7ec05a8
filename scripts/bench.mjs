#!/usr/bin/env node
// Benchmarks (not tests): render time of the 4-node cluster, `oar-ha --version` start time as a
// ratio to `node -e 0`, and the bundle size. Prints figures beside their targets; never fails a build.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadCluster } from "@oar-ha/core";
import { fixedSecrets } from "@oar-ha/core/testing";
import { renderCluster } from "@oar-ha/cli";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = `${root}apps/installer/dist/oar-ha.js`;
const fixture = `${root}packages/cli/test/fixtures/four-node-pg-pacemaker/cluster.yaml`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];

// 1. load + validate + render, in process (what an embedding tool pays).
const text = readFileSync(fixture, "utf8");
const secrets = fixedSecrets();
const once = () => {
  const t = performance.now();
  const r = loadCluster(text);
  renderCluster(r.cluster, secrets);
  return performance.now() - t;
};
const cold = once();
for (let i = 0; i < 20; i++) once();
const warm = Array.from({ length: 200 }, once);

// 2. start-up of the bundled program vs node itself.
const time = (args) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return performance.now() - t;
};
for (let i = 0; i < 3; i++) (time(["-e", "0"]), time([bin, "--version"]));
const nodeRuns = [];
const oarRuns = [];
const helpRuns = [];
for (let i = 0; i < 25; i++) {
  nodeRuns.push(time(["-e", "0"]));
  oarRuns.push(time([bin, "--version"]));
  helpRuns.push(time([bin, "--help"]));
}
const size = statSync(bin).size;

const row = (name, value, target, ok) =>
  console.log(`${name.padEnd(44)} ${value.padStart(14)}   target ${target.padEnd(12)} ${ok ? "ok" : "MISSED"}`);
console.log(`oar-ha benchmarks on ${process.platform} ${process.arch}, node ${process.version}\n`);
row("render 4-node cluster, first call (ms)", cold.toFixed(1), "< 50 ms", cold < 50);
row("render 4-node cluster, warm p50 (ms)", median(warm).toFixed(2), "< 50 ms", median(warm) < 50);
row("render 4-node cluster, warm p95 (ms)", p95(warm).toFixed(2), "< 50 ms", p95(warm) < 50);
row("`node -e 0` p50 (ms)", median(nodeRuns).toFixed(1), "-", true);
row("`oar-ha --version` p50 (ms)", median(oarRuns).toFixed(1), "-", true);
const ratio = median(oarRuns) / median(nodeRuns);
row("`oar-ha --version` / `node -e 0`", `${ratio.toFixed(2)}x`, "<= 2x", ratio <= 2);
const helpRatio = median(helpRuns) / median(nodeRuns);
row("`oar-ha --help` / `node -e 0` (loads the CLI)", `${helpRatio.toFixed(2)}x`, "-", true);
row("bundle size (KB)", (size / 1024).toFixed(0), "<= 1024 KB", size <= 1024 * 1024);

// 3. `lab up` of two servers (packages already installed), when we may create namespaces.
if (process.getuid?.() === 0) {
  const root = "/mnt/oar-ha-lab-bench";
  const t = performance.now();
  const up = spawnSync(process.execPath, [bin, "lab", "up", "--root", root, "--skip-install"], { stdio: "ignore" });
  const secs = (performance.now() - t) / 1000;
  spawnSync(process.execPath, [bin, "lab", "down", "--root", root], { stdio: "ignore" });
  if (up.status === 0) row("`oar-ha lab up`, 2 servers (s)", secs.toFixed(1), "< 10 s", secs < 10);
  else console.log("`oar-ha lab up` failed: run `oar-ha lab up` to see why");
} else console.log("(lab up not measured: needs root)");
