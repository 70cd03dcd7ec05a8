import { describe, expect, it } from "vitest";
import { jobMatcher, parseSince, sinceMatcher } from "../src/filters.js";
import { merge } from "../src/merge.js";

const entry = (...lines: string[]) => ({ time: 0, lines, origin: "srv-a" });

describe("--job", () => {
  const j12 = jobMatcher(12);
  it("finds the ways OAR names a job (lines from OAR 2.5.9's sources and OAR 3)", () => {
    for (const l of [
      "[debug] [2026-11-26 10:00:00.000] [Leon] EXTERMINATE the job 12",
      "[debug] [2026-11-26 10:00:00.000] [MetaSched] Set job 12 state to toLaunch at 2026-11-26 10:00:00",
      "[debug] [2026-11-26 10:00:00.000] [MetaSched] Notify oarsub for a RESERVATION (idJob=12) --> OK",
      "[debug] [2026-11-26 10:00:00.000] [MetaSched] Notify oarsub job (num:12) in error; jobInfo=x",
      "[debug] [2026-11-26 10:00:00.000] [bipbip 12] Challenge checked",
      "[debug] [2026-11-26 10:00:00.000] [JOB FINISHING SEQUENCE] [CPUSET] [12] Clean cpuset on each nodes",
      "[debug] [2026-11-26 10:00:00.000] [MetaSched] 12 : Desktop computing job, I don't handle it!",
      "[debug] [2026-11-26 10:00:00.000] [Almighty][bipbip_launcher] Check bipbip process duration: job=12, pid=4242",
      "[    INFO] [2026-11-26 10:00:00,000] [oar.kao.meta_sched::f:12]: Job 12 is launched",
    ]) {
      expect(j12(entry(l)), l).toBe(true);
    }
  });
  it("does not take another job, a pid, a time or a line number for it", () => {
    for (const l of [
      "[debug] [2026-11-26 10:00:00.000] [Leon] EXTERMINATE the job 123",
      "[debug] [2026-11-26 10:00:00.000] [Leon] EXTERMINATE the job 112",
      "[debug] [2026-11-26 10:12:12.012] [Almighty] kill child process 12",
      "[    INFO] [2026-11-26 10:00:00,000] [oar.kao.meta_sched::f:12]: Job 13 is launched",
      "[debug] [2026-11-26 10:00:00.000] [Scheduler] [1] job 12x",
    ]) {
      expect(j12(entry(l)), l).toBe(false);
    }
  });
  it("keeps a child's output with the line that names the job", () => {
    const [e] = merge([
      {
        origin: "srv-a",
        lines: ["[info] [2026-11-26 10:00:00.000] [bipbip 12] oarexec said:", "  Traceback ...", "  Error"],
      },
    ]);
    expect(j12(e!)).toBe(true);
    expect(e!.lines).toHaveLength(3);
  });
});

describe("--since", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");
  it("takes durations and dates", () => {
    expect(parseSince("15m", now)).toBe(now - 15 * 60_000);
    expect(parseSince("2h", now)).toBe(now - 2 * 3_600_000);
    expect(parseSince("2026-11-26T10:00:00Z", now)).toBe(Date.parse("2026-11-26T10:00:00Z"));
    expect(parseSince("2026-11-26 10:00:00Z", now)).toBe(Date.parse("2026-11-26T10:00:00Z"));
  });
  it("refuses anything else with both accepted forms in the message", () => {
    expect(() => parseSince("yesterday", now)).toThrow(
      /neither a date \(2026-11-26T10:00\) nor a duration \(90s, 15m, 2h, 3d\)/,
    );
  });
  it("drops entries before the time and those without one", () => {
    const m = sinceMatcher(1000);
    expect(m({ time: 999, lines: ["a"], origin: "x" })).toBe(false);
    expect(m({ time: 1000, lines: ["a"], origin: "x" })).toBe(true);
    expect(m({ time: undefined, lines: ["a"], origin: "x" })).toBe(false);
  });
});
