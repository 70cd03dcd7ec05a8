import { describe, expect, it } from "vitest";
import { entries, merge, parseLine, parseZone } from "../src/index.js";

describe("oar.log line formats", () => {
  it("reads OAR <= 2.5.9, >= 2.5.10 and OAR 3 lines, local time made UTC with the writer's zone", () => {
    const z = parseZone("+0100");
    expect(z).toBe(60);
    expect(parseLine("[info] [2011-06-01 12:00:00.123] [Almighty] Starting", z)).toEqual({
      format: "oar-2.5",
      time: Date.UTC(2011, 5, 1, 11, 0, 0, 123),
      level: "info",
      source: "Almighty",
    });
    expect(parseLine("W|2023-11-22T11:04:39.123|Almighty/4242||msg", z)).toEqual({
      format: "oar-2.5.10",
      time: Date.UTC(2023, 10, 22, 10, 4, 39, 123),
      level: "warn",
      source: "Almighty/4242",
    });
    expect(parseLine("[    INFO] [2024-01-01 12:00:00,123] [oar.x::f:12]: msg", z)).toEqual({
      format: "oar-3",
      time: Date.UTC(2024, 0, 1, 11, 0, 0, 123),
      level: "info",
      source: "oar.x::f:12",
    });
    expect(parseLine("[debug] [2011-06-01 12:00:00] [bipbip 12] no fraction")?.time).toBe(
      Date.UTC(2011, 5, 1, 12, 0, 0),
    );
    expect(parseZone("-0330")).toBe(-210);
    expect(() => parseZone("CET")).toThrow(/date \+%z/);
  });

  it("treats anything else as a continuation line of the entry before it", () => {
    for (const l of ["  child output", "", "Use of uninitialized value in concatenation", "[info] not a date"])
      expect(parseLine(l)).toBeUndefined();
    const e = entries([
      "stray first line",
      "[info] [2011-06-01 12:00:00.000] [Leon] a",
      "  out 1",
      "  out 2",
      "[info] [2011-06-01 12:00:01.000] [Leon] b",
    ]);
    expect(e.map((x) => x.lines.length)).toEqual([1, 3, 1]);
    expect(e[0]!.time).toBeUndefined();
  });
});

describe("the merged view", () => {
  const a = [
    "[info] [2026-11-25 10:00:00.000] [Almighty] a1",
    "  a1 output",
    "[info] [2026-11-25 10:00:02.000] [Almighty] a2",
  ];
  const b = ["[info] [2026-11-25 10:00:01.000] [Almighty] b1", "[info] [2026-11-25 10:00:03.000] [Almighty] b2"];

  it("orders entries by time across servers and keeps continuation lines with their entry", () => {
    const m = merge([
      { origin: "srv-a", lines: a },
      { origin: "srv-b", lines: b },
    ]);
    expect(m.map((x) => `${x.origin}:${x.lines[0]!.slice(-2)}`)).toEqual([
      "srv-a:a1",
      "srv-b:b1",
      "srv-a:a2",
      "srv-b:b2",
    ]);
    expect(m[0]!.lines).toEqual([a[0], a[1]]);
  });

  it("never reorders one server's own entries, even when its clock steps back", () => {
    const back = ["[info] [2026-11-25 10:00:05.000] [x] c1", "[info] [2026-11-25 10:00:00.500] [x] c2"];
    const m = merge([
      { origin: "srv-a", lines: a },
      { origin: "srv-c", lines: back },
    ]);
    const c = m.filter((x) => x.origin === "srv-c").map((x) => x.lines[0]!.slice(-2));
    expect(c).toEqual(["c1", "c2"]);
    expect(m.flatMap((x) => x.lines)).toHaveLength(a.length + back.length);
  });

  it("applies each writer's zone: the same instant written in two zones sorts together", () => {
    const paris = ["[info] [2026-11-25 11:00:00.000] [x] paris"];
    const utc = ["[info] [2026-11-25 10:00:00.500] [x] utc"];
    const m = merge([
      { origin: "p", lines: paris, offsetMinutes: 60 },
      { origin: "u", lines: utc, offsetMinutes: 0 },
    ]);
    expect(m.map((x) => x.origin)).toEqual(["p", "u"]);
  });
});
