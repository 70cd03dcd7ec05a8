import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The drill smoke subset of CI, through the bundled program on the namespace lab: a real
 * crash, a real kill -9 of Almighty and of the DB, measured by a workload on the frontend.
 * Any loss or failed audit fails the drill (exit 1) and this test. Needs root; runs after the
 * deploy tests (same machine-wide lab names).
 */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const root = "/mnt/oar-ha-lab-drill";
const clusterFile = join(root, "oar-ha.yaml");

function oarHa(args: string[], timeoutMs = 900_000) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: timeoutMs,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Report {
  summaries: { scenario: string; runs: number; passed: number; lost: number; acknowledged: number; p50?: number }[];
  skipped: { scenario: string; why: string }[];
  runs: {
    scenario: string;
    passed: boolean;
    outage?: number;
    problems: string[];
    loss: { lost: number[]; acknowledged: number; jobsLost: number[] };
    audit: { name: string; ok: boolean }[];
  }[];
}

const SMOKE = [
  {
    name: "two-node PostgreSQL Pacemaker",
    up: [],
    scenarios: "F01,S01,S02",
    ran: ["F01", "S01", "S02"],
    skipped: [] as string[],
  },
  // Heartbeat with oar-ha's service monitor: Almighty killed is restarted in place (S01); when its restart keeps failing, the group moves (S08).
  {
    name: "two-node MariaDB Heartbeat",
    up: ["--manager", "heartbeat", "--db", "mariadb"],
    scenarios: "F01,S01,S08",
    ran: ["F01", "S01", "S08"],
    skipped: [] as string[],
  },
] as const;

describe.each(SMOKE)("drill smoke: $name", (sc) => {
  beforeAll(() => {
    const up = oarHa(["lab", "up", "--root", root, "--skip-install", ...sc.up]);
    expect(up.code, up.err).toBe(0);
    const apply = oarHa(["apply", clusterFile, "--yes"]);
    expect(apply.code, apply.err).toBe(0);
  }, 300_000);
  afterAll(() => {
    oarHa(["lab", "down", "--root", root]);
  });

  it(`${sc.scenarios}: every run recovers, loses nothing, passes its audit; what does not apply says why`, () => {
    const report = join(root, "drill.md");
    const r = oarHa(["drill", clusterFile, "--scenario", sc.scenarios, "--report", report, "--json"]);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out) as Report;
    expect(rep.runs.map((x) => x.scenario)).toEqual(sc.ran);
    for (const run of rep.runs) {
      expect(run.problems, `${run.scenario}: ${run.problems.join("; ")}`).toEqual([]);
      expect(run.passed).toBe(true);
      expect(run.outage).toBeDefined();
      expect(run.loss.lost).toEqual([]);
      expect(run.loss.jobsLost).toEqual([]);
      expect(run.loss.acknowledged).toBeGreaterThan(20);
      expect(run.audit.length).toBeGreaterThanOrEqual(5);
      expect(run.audit.every((a) => a.ok)).toBe(true);
    }
    // A crash of the active server is an outage the probers saw (not a drill that missed it).
    expect(rep.runs.find((x) => x.scenario === "F01")?.outage).toBeGreaterThan(1);
    expect(rep.skipped.map((s) => s.scenario)).toEqual(sc.skipped);
    // The report: Markdown with the table and the chart, the SVG, the JSON.
    const md = readFileSync(report, "utf8");
    for (const id of sc.ran) expect(md).toMatch(new RegExp(`^\\| ${id} \\| 1 \\| 1 \\|`, "m"));
    expect(readFileSync(join(root, "drill.svg"), "utf8")).toMatch(/^<svg/);
    expect(existsSync(join(root, "drill.json"))).toBe(true);
    // Nothing of the workload's credentials in the output.
    const pw = /^dbPassword: (\S+)$/m.exec(readFileSync(join(root, "oar-ha.secrets.yaml"), "utf8"))?.[1] ?? "none";
    expect(r.out + r.err + md).not.toContain(pw);
  }, 900_000);
});
