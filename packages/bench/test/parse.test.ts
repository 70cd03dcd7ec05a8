import { describe, expect, it } from "vitest";
import { parseDbRun, parseFio, parseStream } from "../src/index.js";

describe("bench parsers", () => {
  it("reads the db script's run lines and refuses output without them", () => {
    expect(parseDbRun("noise\ntps=123.45\np95ms=67.8\ntransactions=7407\n")).toEqual({
      tps: 123.45,
      p95Ms: 67.8,
      transactions: 7407,
    });
    expect(() => parseDbRun("tps=\np95ms=1\ntransactions=3")).toThrow(/without tps/);
    expect(() => parseDbRun("FATAL: could not connect")).toThrow(/without tps.*could not connect/s);
    expect(() => parseDbRun("tps=0\np95ms=0\ntransactions=0")).toThrow(/no transaction/);
  });

  it("fio: write plus fdatasync percentiles in ms; no report or no writes is an error", () => {
    const report = (iops: number) =>
      JSON.stringify({
        jobs: [
          {
            write: { iops, clat_ns: { percentile: { "50.000000": 20_000, "95.000000": 40_000 } } },
            sync: { lat_ns: { percentile: { "50.000000": 480_000, "95.000000": 960_000 } } },
          },
        ],
      });
    expect(parseFio(report(1900))).toEqual({ iops: 1900, p50Ms: 0.5, p95Ms: 1 });
    expect(() => parseFio(report(0))).toThrow(/wrote nothing/);
    expect(() => parseFio("fio: pid=0, err=28/file:filesetup.c")).toThrow(/did not print a JSON report/);
    expect(() => parseFio(JSON.stringify({ jobs: [{ write: { iops: 5 } }] }))).toThrow(/latency percentile/);
  });

  it("iperf3: the stream's rate in Mbit/s, undefined when it did not run", () => {
    expect(parseStream(JSON.stringify({ end: { sum_sent: { bits_per_second: 941_000_000 } } }))).toBe(941);
    expect(parseStream('{"error": "unable to connect to server"}')).toBeUndefined();
    expect(parseStream("")).toBeUndefined();
  });
});
