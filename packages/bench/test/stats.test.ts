import { describe, expect, it } from "vitest";
import { PRIOR_2009, priorOverhead, spread, summarizeBench, syncSummary } from "../src/index.js";

describe("bench statistics", () => {
  it("median of an odd and an even count, min and max", () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => spread([])).toThrow(/no values/);
  });

  it("the 2009 overheads, read off its table by hand", () => {
    // 3.66/3.67 = 0.9973 (-0.3 %), 66.77/61.62 = 1.0836 (+8.4 %); 8.75/3.67 = 2.384 (+138 %), 1375.12/496.6 = 2.769 (+177 %)
    expect(priorOverhead("drbd").min).toBeCloseTo(-0.27, 1);
    expect(priorOverhead("drbd").max).toBeCloseTo(8.36, 1);
    expect(priorOverhead("saturated").min).toBeCloseTo(138.4, 0);
    expect(priorOverhead("saturated").max).toBeCloseTo(176.9, 0);
    expect(PRIOR_2009).toHaveLength(3);
  });

  it("overhead is the extra time for the same work: local median tps over the configuration's, minus one", () => {
    const run = (tps: number, p95Ms = 10) => ({ tps, p95Ms, transactions: tps * 10 });
    const s = summarizeBench([
      { config: "saturated", runs: [run(40), run(50), run(45)], streamMbps: [900, 1000, 950] },
      { config: "local", runs: [run(110), run(90), run(100)] },
      { config: "drbd", runs: [run(95, 12), run(96, 14), run(94, 13)] },
    ]);
    expect(s.map((x) => x.config)).toEqual(["local", "drbd", "saturated"]);
    expect(s[0]!.overheadPct).toBe(0);
    expect(s[1]!.overheadPct).toBeCloseTo(5.263, 2); // 100 / 95 - 1
    expect(s[1]!.p95Ms).toEqual({ median: 13, min: 12, max: 14 });
    expect(s[2]!.overheadPct).toBeCloseTo(122.2, 1); // 100 / 45 - 1
    expect(s[2]!.streamMbps).toBe(950);
    expect(() => summarizeBench([{ config: "drbd", runs: [run(1)] }])).toThrow(/no local runs/);
  });

  it("the commit-like write latency factor is DRBD's median over local's", () => {
    const s = syncSummary({ iops: 1000, p50Ms: 0.5, p95Ms: 1 }, { iops: 400, p50Ms: 2, p95Ms: 3 });
    expect(s.latencyFactor).toBe(4);
  });
});
