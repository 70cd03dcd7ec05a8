import { describe, expect, it } from "vitest";
import { parseDrbdKernelLog } from "@oar-ha/remote";
import { primariesSeen } from "../src/drbd.js";
import { resyncWhy } from "../src/report.js";
import {
  loss,
  oarsubLatency,
  schedulerBack,
  parseLogs,
  probeOutage,
  summarize,
  table,
  outageSvg,
  markdown,
  notApplicable,
  SCENARIOS,
  type DrillRun,
} from "../src/index.js";
import { exampleCluster } from "@oar-ha/core/testing";

const samples = (spec: string, t = 100) => spec.split("").map((c, i) => ({ t: t + i * 0.5, ok: c === "+" }));

describe("probeOutage", () => {
  it("is 0 without a failure after T0, the time to the first success after the first failure otherwise", () => {
    expect(probeOutage(samples("++++++"), 101)).toEqual({ seconds: 0, failures: 0 });
    // failures before T0 do not count
    expect(probeOutage(samples("--++++"), 101)).toEqual({ seconds: 0, failures: 0 });
    // samples every 0.5 s from 100; T0 = 101; fails at 101.5 and 102; back at 102.5
    expect(probeOutage(samples("+++--++"), 101)).toEqual({ seconds: 1.5, failures: 2 });
  });
  it("has no recovery when the last samples still fail", () => {
    expect(probeOutage(samples("++---"), 100).seconds).toBeUndefined();
  });
});

describe("loss", () => {
  const logs = parseLogs({
    probeDb: "",
    probeOar: "",
    writer: ["1.0 1 ack", "1.1 2 ack", "1.2 3 indet", "1.3 4 fail", "1.4 5 ack", "1.5 6 ac"].join("\n"),
    oarsub: ["1.0 ack 10 1.5", "2.0 fail 12.0", "13.0 ack 11 13.5", "14.0 ack 11 14.5"].join("\n"),
  });
  it("counts acknowledged rows that are missing, indeterminate ones apart, and impossible phantoms", () => {
    const l = loss(logs, new Set([1, 3, 4, 5]), new Set([10, 11]));
    expect(l.acknowledged).toBe(3);
    expect(l.lost).toEqual([2]);
    expect(l.indeterminate).toBe(1);
    expect(l.indeterminatePresent).toBe(1);
    expect(l.phantom).toEqual([4]);
    expect(l.jobsReused).toEqual([11]);
    expect(l.jobsLost).toEqual([]);
    expect(loss(logs, new Set([1, 2, 5]), new Set([10])).jobsLost).toEqual([11]);
  });
  it("ignores a half-written last line", () => {
    expect(logs.writes.map((w) => w.n)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("schedulerBack", () => {
  const jobs = (lines: string[]) => parseLogs({ probeDb: "", probeOar: "", writer: "", oarsub: lines.join("\n") });
  it("is the end of the first answered call made after T0, whatever hung across the fault", () => {
    const l = jobs(["1 ack 1 2", "3 ack 2 4", "5 ack 3 6", "7 ack 4 19", "20 fail 30", "31 ack 5 33"]);
    expect(schedulerBack(l, 7.5)).toBe(33 - 7.5);
    expect(oarsubLatency(l, 7.5)).toBe(1);
  });
  it("is undefined when no call made after T0 was answered", () => {
    expect(schedulerBack(jobs(["1 ack 1 2", "3 fail 13", "14 fail 24"]), 2.5)).toBeUndefined();
  });
});

describe("reports", () => {
  const run = (scenario: string, outage: number | undefined, lost: number[] = []): DrillRun => ({
    scenario: scenario as DrillRun["scenario"],
    run: 1,
    timeline: { detected: 1 },
    outage,
    loss: {
      acknowledged: 10,
      lost,
      indeterminate: 1,
      indeterminatePresent: 0,
      phantom: [],
      jobsAcknowledged: 3,
      jobsLost: [],
      jobsReused: [],
    },
    audit: [],
    passed: lost.length === 0 && outage !== undefined,
    problems: lost.length ? ["lost"] : [],
  });
  const runs = [run("F01", 4), run("F01", 6), run("F01", 5), run("S01", undefined, [7])];
  it("summarizes p50/p95/max and losses per scenario", () => {
    const s = summarize(runs);
    expect(s[0]).toMatchObject({
      scenario: "F01",
      runs: 3,
      passed: 3,
      p50: 5,
      p95: 6,
      max: 6,
      lost: 0,
      acknowledged: 30,
    });
    expect(s[1]).toMatchObject({ scenario: "S01", runs: 1, passed: 0, lost: 1 });
    expect(s[1]?.p50).toBeUndefined();
  });
  it("prints a table, a Markdown page naming the failed runs and the skipped scenarios, and an SVG", () => {
    const summaries = summarize(runs);
    const t = table({ summaries, skipped: [{ scenario: "N04", why: "the servers have one cluster link only" }] });
    expect(t).toMatch(/^scenario\s+runs/);
    expect(t).toContain("N04: skipped: the servers have one cluster link only");
    const md = markdown(
      {
        cluster: "lab",
        setup: "two-node",
        machine: "m",
        date: "d",
        storageNote: "shared",
        summaries,
        skipped: [],
        runs,
      },
      "x.svg",
    );
    expect(md).toContain("| F01 | 3 | 3 | 5.0 s | 6.0 s | 6.0 s |");
    expect(md).toContain("- S01 run 1: lost");
    const stopped = markdown(
      {
        cluster: "lab",
        setup: "two-node",
        machine: "m",
        date: "d",
        storageNote: "shared",
        summaries: summarize(runs.slice(0, 3)),
        skipped: [],
        runs: runs.slice(0, 3),
        aborted: { scenario: "N02", run: 1, error: "the OAR server runs nowhere" },
      },
      "x.svg",
    );
    expect(stopped).toContain(
      "## Stopped\n\nThe drill stopped with an error at N02 run 1; the runs above completed before it:\n\n```\nthe OAR server runs nowhere\n```",
    );
    expect(stopped).not.toContain("Every run passed");
    const svg = outageSvg(summaries);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("no recovery");
  });
});

describe("which scenarios apply", () => {
  it("offers only SSH-safe scenarios on real servers and names Heartbeat's limits", () => {
    const pm = exampleCluster();
    const hb = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
    }));
    const ssh = SCENARIOS.filter((s) => notApplicable(s, pm, "ssh") === undefined).map((s) => s.id);
    expect(ssh).toEqual(["F03", "S01", "S02", "S03"]);
    expect(
      notApplicable(
        SCENARIOS.find((s) => s.id === "F01")!,
        hb,
        "lab",
      ),
    ).toBeUndefined();
  });
  it("Heartbeat with fencing (the lab's, IPMI): partitions and a killed Heartbeat are drilled; without fencing they are refused; a failed stop never", () => {
    const fenced = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "lab", hypervisor: "10.77.0.2" },
      pacemaker: undefined,
    }));
    for (const id of ["N01", "N02", "S05"])
      expect(
        notApplicable(
          SCENARIOS.find((s) => s.id === id)!,
          fenced,
          "lab",
        ),
        id,
      ).toBeUndefined();
    expect(
      notApplicable(
        SCENARIOS.find((s) => s.id === "S07")!,
        fenced,
        "lab",
      ),
    ).toMatch(/fences a server that is declared dead, not one whose resource failed to stop/);
    const bare = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
    }));
    for (const id of ["N01", "N02", "S05"])
      expect(
        notApplicable(
          SCENARIOS.find((s) => s.id === id)!,
          bare,
          "lab",
        ),
        id,
      ).toMatch(/no (fencing|STONITH)/);
  });
  it("Heartbeat: the service drills run with oar-ha's service monitor, and are refused without it", () => {
    const hb = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
    }));
    for (const id of ["S01", "S02", "S03", "S08"])
      expect(
        notApplicable(
          SCENARIOS.find((s) => s.id === id)!,
          hb,
          "lab",
        ),
        id,
      ).toBeUndefined();
    const off = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
      heartbeat: { monitor: { enabled: false } },
    }));
    for (const id of ["S01", "S02", "S03", "S08"])
      expect(
        notApplicable(
          SCENARIOS.find((s) => s.id === id)!,
          off,
          "lab",
        ),
        id,
      ).toMatch(/service monitor is turned off \(heartbeat\.monitor\.enabled: false\)/);
  });
  it("runs every scenario of the catalogue on a Pacemaker lab; a failed stop needs fencing", () => {
    const pm = exampleCluster();
    expect(SCENARIOS.filter((s) => notApplicable(s, pm, "lab") !== undefined).map((s) => s.id)).toEqual([]);
    const hb = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
    }));
    expect(
      notApplicable(
        SCENARIOS.find((s) => s.id === "S07")!,
        hb,
        "lab",
      ),
    ).toMatch(/fencing/);
    expect(
      notApplicable(
        SCENARIOS.find((s) => s.id === "S04")!,
        hb,
        "lab",
      ),
    ).toBeUndefined();
  });
  it("offers the DRBD scenarios only where the database is on DRBD, N03 only with Pacemaker's resource-level fencing", () => {
    const shared = exampleCluster((x) => ({ ...x, storage: { kind: "shared", device: "/dev/mapper/san0" } }));
    const drbd = SCENARIOS.filter((s) => s.drbd).map((s) => s.id);
    expect(drbd).toEqual(["N03", "D04"]);
    for (const id of drbd)
      expect(
        notApplicable(
          SCENARIOS.find((s) => s.id === id)!,
          shared,
          "lab",
        ),
      ).toMatch(/shared storage/);
    const hb = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
    }));
    expect(
      notApplicable(
        SCENARIOS.find((s) => s.id === "N03")!,
        hb,
        "lab",
      ),
    ).toMatch(/crm-fence-peer/);
    expect(
      notApplicable(
        SCENARIOS.find((s) => s.id === "D04")!,
        hb,
        "lab",
      ),
    ).toBeUndefined();
  });
});

describe("DRBD facts of a drill (pure)", () => {
  it("counts the most Primaries at once and who was Primary", () => {
    expect(
      primariesSeen([
        { t: 0, primaries: ["srv-a"] },
        { t: 1, primaries: [] },
        { t: 2, primaries: ["srv-b"] },
      ]),
    ).toEqual({ max: 1, hosts: ["srv-a", "srv-b"] });
    expect(primariesSeen([{ t: 0, primaries: ["srv-a", "srv-b"] }]).max).toBe(2);
    expect(primariesSeen([])).toEqual({ max: 0, hosts: [] });
  });
  it("reads the returning server's resync and the verify from the kernel log", () => {
    const dmesg = [
      "[   41.2] block drbd0: Began resync as SyncTarget (will sync 1204 KB [301 bits set]).",
      "[   43.9] block drbd0: Resync done (total 2 sec; paused 0 sec; 602 K/sec)",
      "[  101.0] block drbd0: Online verify done (total 37 sec; paused 0 sec; 14168 K/sec)",
      "[  101.0] block drbd0: Online verify found 3 4k block out of sync!",
    ].join("\n");
    expect(parseDrbdKernelLog(dmesg)).toEqual({
      resyncKiB: 1204,
      resyncSeconds: 2,
      verifySeconds: 37,
      verifyOutOfSyncBlocks: 3,
    });
    expect(parseDrbdKernelLog("")).toEqual({});
  });
  it("tells a bitmap resync from a full one, and what a crashed Primary's activity log added", () => {
    // A crashed Primary's boot and rejoin, in DRBD 8.4's words: an earlier attach in the same
    // log (with its own AL line) must not count.
    const dmesg = [
      "[    9.1] block drbd0: disk( Diskless -> Attaching )",
      "[    9.2] block drbd0: Marked additional 8 MB as out-of-sync based on AL.",
      "[   20.0] block drbd0: disk( Attaching -> Diskless )",
      "[   30.1] block drbd0: disk( Diskless -> Attaching )",
      "[   30.2] block drbd0: Found 6 transactions (128 active extents) in activity log.",
      "[   30.3] block drbd0: 0 KB (0 bits) marked out-of-sync by on disk bit-map.",
      "[   30.3] block drbd0: Marked additional 512 MB as out-of-sync based on AL.",
      "[   35.0] block drbd0: uuid_compare()=-1 by rule 50",
      "[   35.1] block drbd0: Began resync as SyncTarget (will sync 524236 KB [131059 bits set]).",
      "[  470.2] block drbd0: Resync done (total 435 sec; paused 0 sec; 1204 K/sec)",
    ].join("\n");
    expect(parseDrbdKernelLog(dmesg)).toEqual({
      resyncKiB: 524236,
      resyncSeconds: 435,
      resyncKind: "bitmap",
      resyncRule: 50,
      activityLogKiB: 524288,
    });
    expect(
      parseDrbdKernelLog(
        "block drbd0: uuid_compare()=-2 by rule 20\nblock drbd0: Began resync as SyncTarget (will sync 1000 KB [250 bits set]).",
      ),
    ).toEqual({ resyncKiB: 1000, resyncKind: "full", resyncRule: 20 });
    // Debian 12's DRBD 8.4.11 after a hard power-off of the Primary (the lab's D04, 2026-12-07):
    // the activity log's 23 extents counted in the attach's bitmap line; a zero line does not count.
    const d04 = [
      "[  156.5] block drbd0: disk( Diskless -> Attaching )",
      "[  156.6] block drbd0: 92 MB (23552 bits) marked out-of-sync by on disk bit-map.",
      "[  159.2] block drbd0: uuid_compare()=-1 by rule 50",
      "[  160.4] block drbd0: Began resync as SyncTarget (will sync 94208 KB [23552 bits set]).",
      "[  198.1] block drbd0: Resync done (total 37 sec; paused 0 sec; 2544 K/sec)",
      "[ 1485.2] block drbd0: 0 KB (0 bits) marked out-of-sync by on disk bit-map.",
    ].join("\n");
    expect(parseDrbdKernelLog(d04)).toEqual({
      resyncKiB: 94208,
      resyncSeconds: 37,
      resyncKind: "bitmap",
      resyncRule: 50,
      activityLogKiB: 94208,
    });
    // 0 (no resync) and -100 (split brain) are not a resync kind.
    expect(parseDrbdKernelLog("block drbd0: uuid_compare()=-100 by rule 100")).toEqual({});
  });
  it("says why a resync had its size", () => {
    expect(resyncWhy({ host: "srv-a", kib: 524236, kind: "bitmap", activityLogKiB: 524288 })).toBe(
      " (from the bitmap; 524288 KiB of it marked by this server at its attach: its own bitmap and activity log)",
    );
    expect(resyncWhy({ host: "srv-b", kib: 1204, kind: "bitmap" })).toBe(" (from the bitmap)");
    expect(resyncWhy({ host: "srv-b", kib: 1204, kind: "full" })).toBe(" (full: the whole device)");
    expect(resyncWhy({ host: "srv-b", kib: 1204 })).toBe("");
  });
});
