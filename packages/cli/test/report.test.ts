import { describe, expect, it } from "vitest";
import { sinceMinutes } from "../src/commands/report.js";

describe("oar-ha report --since", () => {
  it("takes minutes, hours or days", () => {
    expect([sinceMinutes("90m"), sinceMinutes("24h"), sinceMinutes("2d")]).toEqual([90, 1440, 2880]);
  });
  it("refuses anything else, saying what it takes", () => {
    for (const bad of ["", "24", "1w", "0m", "-3h", "91d"])
      expect(() => sinceMinutes(bad)).toThrow(/say how far back in minutes, hours or days, e\.g\. 90m, 24h, 2d/);
  });
});
