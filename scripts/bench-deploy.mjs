#!/usr/bin/env node
// Benchmark (not a test): fresh apply vs no-op re-apply on the two-node lab, and their ratio.
// Needs root; replaces any running lab. Target: re-apply <= 10 % of a fresh apply, zero changes.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../apps/installer/dist/oar-ha.js", import.meta.url));
const root = "/mnt/oar-ha-lab-bench";
const run = (...args) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`oar-ha ${args.join(" ")} failed:\n${r.stderr}`);
  return { seconds: (performance.now() - t) / 1000, out: r.stdout };
};
try {
  run("lab", "up", "--root", root, "--skip-install");
  const fresh = run("apply", `${root}/oar-ha.yaml`, "--yes", "--json");
  const again = run("apply", `${root}/oar-ha.yaml`, "--yes", "--json");
  const changes = JSON.parse(again.out).changed.length;
  const ratio = again.seconds / fresh.seconds;
  console.log(`fresh apply, 2-node PostgreSQL Pacemaker lab   ${fresh.seconds.toFixed(1).padStart(7)} s`);
  console.log(
    `no-op re-apply                                 ${again.seconds.toFixed(1).padStart(7)} s   changes: ${changes}`,
  );
  console.log(
    `re-apply / fresh apply                         ${(ratio * 100).toFixed(1).padStart(6)} %   target <= 10 %   ${ratio <= 0.1 && changes === 0 ? "ok" : "MISSED"}`,
  );
} finally {
  spawnSync(process.execPath, [bin, "lab", "down", "--root", root], { stdio: "ignore" });
}
