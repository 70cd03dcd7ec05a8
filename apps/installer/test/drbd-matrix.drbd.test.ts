import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/*
 * The DRBD matrix (`npm run test:drbd`; root; hours under software emulation): for each
 * combination the issue names, a lab with the DB servers as qemu VMs on real DRBD, apply
 * (timed), status healthy, a no-op re-apply (timed), then every DRBD drill that applies, each
 * with the workload, lost = 0, the audit (never two DRBD Primaries) and an online verify
 * (D05). Reports go to docs/drills/drbd-*.md; the step times to docs/drills/drbd-suite.md,
 * next to F01 on the namespace lab measured in the same run.
 */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const docs = join(import.meta.dirname, "../../../docs/drills");
const root = "/mnt/oar-ha-lab-drbd-matrix";
const clusterFile = join(root, "oar-ha.yaml");

function oarHa(args: string[], timeoutMs = 3_600_000) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (Date.now() - t0) / 1000 };
}
const say = (m: string) => process.stderr.write(`drbd matrix: ${m}\n`);

interface Row {
  readonly setup: string;
  readonly step: string;
  readonly seconds: number;
  readonly result: string;
}
const rows: Row[] = [];
const record = (setup: string, step: string, seconds: number, result: string) => {
  rows.push({ setup, step, seconds, result });
  say(`${setup}: ${step} ${seconds.toFixed(0)} s: ${result}`);
};

interface Combo {
  readonly name: string;
  readonly slug: string;
  readonly up: readonly string[];
  readonly drills: string;
  /** Kill the first apply 2 s after this phase starts; the next apply must converge. */
  readonly killAt?: RegExp;
  /** Data beyond the first MiB of one server's backing device: preflight lets it through, the initial sync must be a full one. */
  readonly dirty?: { readonly host: string; readonly script: string };
}

const COMBOS: readonly Combo[] = [
  {
    name: "2-node PostgreSQL Pacemaker, DRBD on LVM",
    slug: "2node-pg-pacemaker-lvm",
    up: ["--drbd", "lvm"],
    drills: "F01,F02,F03,S02,N03,D04",
    killAt: /^== DRBD initial sync/,
  },
  {
    name: "2-node MariaDB Heartbeat, DRBD on a loop file",
    slug: "2node-mariadb-heartbeat-loop",
    up: ["--drbd", "loop", "--manager", "heartbeat", "--db", "mariadb"],
    drills: "F01,F02,F03,D04",
    killAt: /^== OAR database/,
  },
  {
    name: "4-node MariaDB Pacemaker, DRBD on a partition",
    slug: "4node-mariadb-pacemaker-partition",
    up: ["--drbd", "partition", "--servers", "4", "--db", "mariadb"],
    drills: "F01,F02,F03,S02,N03,D04",
    dirty: {
      host: "srv-d",
      script: "dd if=/dev/urandom of=/dev/vdb1 bs=1M count=1 seek=300 conv=notrunc,fsync status=none",
    },
  },
];

/** OAR_HA_DRBD_SETUPS=slug,slug (or "namespace" for the comparison run) runs part of the matrix. */
const only = process.env.OAR_HA_DRBD_SETUPS?.split(",")
  .map((x) => x.trim())
  .filter(Boolean);
const chosen = only ? COMBOS.filter((c) => only.includes(c.slug)) : COMBOS;

/** Runs apply and SIGKILLs it 2 s after a line of its output matches `at`; true if it got there. */
function applyKilledAt(at: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, "apply", clusterFile, "--yes"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let seen = false;
    let buf = "";
    p.stderr.on("data", (b: Buffer) => {
      buf += b.toString();
      if (!seen && buf.split("\n").some((l) => at.test(l))) {
        seen = true;
        setTimeout(() => p.kill("SIGKILL"), 2000);
      }
    });
    p.once("close", () => resolve(seen));
  });
}

/**
 * The suite's table is kept per setup in drbd-suite.json: a run of part of the matrix replaces
 * the rows of the setups it ran (dated) and keeps the others, so the table can be built over
 * several runs (the whole matrix takes hours under emulation).
 */
afterAll(() => {
  oarHa(["lab", "down", "--root", root]);
  if (rows.length === 0) return;
  mkdirSync(docs, { recursive: true });
  const store = join(docs, "drbd-suite.json");
  const today = new Date().toISOString().slice(0, 10);
  const ran = new Set(rows.map((r) => r.setup));
  const kept = (
    existsSync(store) ? (JSON.parse(readFileSync(store, "utf8")) as (Row & { date: string })[]) : []
  ).filter((r) => !ran.has(r.setup));
  const all = [...kept, ...rows.map((r) => ({ ...r, date: today }))];
  writeFileSync(store, `${JSON.stringify(all, null, 2)}\n`);
  writeFileSync(
    join(docs, "drbd-suite.md"),
    [
      "# DRBD suite: step times",
      "",
      "Written by `npm run test:drbd` (each setup's rows carry the date of the run that measured them). The DB",
      "servers are qemu VMs under software emulation (TCG, one vCPU each, on a 2-core machine): every figure",
      "here is several times what the same step takes on real servers; compare rows with each other, not",
      "with production.",
      "",
      "| setup | step | seconds | result | date |",
      "|---|---|---|---|---|",
      ...all.map(
        (r) =>
          `| ${r.setup} | ${r.step} | ${Number.isFinite(r.seconds) ? r.seconds.toFixed(0) : "-"} | ${r.result} | ${r.date} |`,
      ),
      "",
    ].join("\n"),
  );
});

describe.each(chosen)("DRBD matrix: $name", (combo) => {
  it("lab up, apply, status healthy, no-op re-apply, every DRBD drill passes with lost = 0 and verify 0 out of sync", async () => {
    const up = oarHa(["lab", "up", "--root", root, ...combo.up]);
    expect(up.code, up.err).toBe(0);
    record(combo.name, "lab up (image cached)", up.seconds, "ok");
    if (combo.dirty) {
      const d = oarHa(["lab", "exec", combo.dirty.host, "--root", root, "--", "sh", "-c", combo.dirty.script]);
      expect(d.code, d.err).toBe(0);
    }
    if (combo.killAt) {
      const t0 = Date.now();
      expect(await applyKilledAt(combo.killAt), `apply reached ${String(combo.killAt)}`).toBe(true);
      record(combo.name, `apply killed at ${String(combo.killAt)}`, (Date.now() - t0) / 1000, "SIGKILL");
    }
    const apply = oarHa(["apply", clusterFile, "--yes"]);
    record(
      combo.name,
      combo.killAt ? "apply after the killed one" : "fresh apply",
      apply.seconds,
      apply.code === 0 ? "ok" : `exit ${apply.code}`,
    );
    if (combo.dirty)
      expect(apply.err, "a backing device with data beyond its first MiB gets a full initial sync").toMatch(
        /full initial sync from srv-c/,
      );
    expect(apply.code, apply.out + apply.err).toBe(0);
    const st = oarHa(["status", clusterFile]);
    record(combo.name, "status", st.seconds, st.code === 0 ? "healthy" : "UNHEALTHY");
    expect(st.code, st.out).toBe(0);
    const again = oarHa(["apply", clusterFile, "--yes"]);
    const changed = /changed (\d+) step/.exec(again.err)?.[1] ?? "?";
    record(
      combo.name,
      "no-op re-apply",
      again.seconds,
      `${changed} step(s) changed; fresh/no-op ${(apply.seconds / again.seconds).toFixed(1)}x`,
    );
    expect(again.code).toBe(0);
    expect(changed).toBe("0");
    const report = join(docs, `drbd-${combo.slug}.md`);
    const drill = oarHa(["drill", clusterFile, "--scenario", combo.drills, "--report", report, "--json"]);
    const { runs } = JSON.parse(drill.out || '{"runs":[]}') as {
      runs: {
        scenario: string;
        passed: boolean;
        outage?: number;
        loss: { lost: unknown[]; acknowledged: number };
        problems: string[];
        drbd?: { resync?: { kib: number; seconds?: number }; verify?: { outOfSyncKiB: number } };
      }[];
    };
    for (const r of runs) {
      const resync = r.drbd?.resync
        ? `, resync ${r.drbd.resync.kib} KiB${r.drbd.resync.seconds !== undefined ? ` in ${r.drbd.resync.seconds} s` : ""}`
        : "";
      record(
        combo.name,
        `drill ${r.scenario}`,
        r.outage ?? Number.NaN,
        `${r.passed ? "passed" : `FAILED: ${r.problems.join("; ")}`}; outage ${r.outage?.toFixed(1) ?? "none"} s, ${r.loss.acknowledged} acked, lost ${r.loss.lost.length}${resync}, verify ${r.drbd?.verify?.outOfSyncKiB ?? "?"} KiB out of sync`,
      );
    }
    expect(runs.map((r) => [r.scenario, r.problems])).toEqual(runs.map((r) => [r.scenario, []]));
    expect(drill.code, drill.err).toBe(0);
    oarHa(["lab", "down", "--root", root]);
  });
});

describe.skipIf(only !== undefined && !only.includes("namespace"))(
  "the namespace lab in the same run, for comparison",
  () => {
    it("F01 on shared storage (2-node PostgreSQL Pacemaker)", () => {
      const up = oarHa(["lab", "up", "--root", root]);
      expect(up.code, up.err).toBe(0);
      const apply = oarHa(["apply", clusterFile, "--yes"]);
      record(
        "namespace lab, shared storage",
        "fresh apply",
        apply.seconds,
        apply.code === 0 ? "ok" : `exit ${apply.code}`,
      );
      expect(apply.code).toBe(0);
      const drill = oarHa(["drill", clusterFile, "--scenario", "F01", "--json"]);
      const { runs } = JSON.parse(drill.out || '{"runs":[]}') as {
        runs: { passed: boolean; outage?: number; loss: { lost: unknown[] } }[];
      };
      const r = runs[0];
      record(
        "namespace lab, shared storage",
        "drill F01",
        r?.outage ?? Number.NaN,
        `${r?.passed ? "passed" : "FAILED"}; outage ${r?.outage?.toFixed(1) ?? "none"} s, lost ${r?.loss.lost.length ?? "?"}`,
      );
      expect(r?.passed).toBe(true);
    });
  },
);
