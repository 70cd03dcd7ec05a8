import { describe, expect, it } from "vitest";
import { statusText, watchSeconds } from "../src/commands/status.js";

describe("status for people", () => {
  it("one aligned line per check, then the verdict with the active server", () => {
    const text = statusText(
      {
        verdict: "degraded",
        vipHolder: "srv-a",
        checks: [
          { name: "node srv-a", ok: true, detail: "online" },
          {
            name: "failed actions",
            ok: false,
            degraded: true,
            detail: "monitor of oar-server on srv-b. fix: oar-ha cleanup",
          },
          { name: "VIP 10.0.0.100", ok: false, detail: "on no server" },
        ],
      },
      "oar-prod",
    );
    expect(text).toBe(
      [
        "ok    node srv-a      online",
        "WARN  failed actions  monitor of oar-server on srv-b. fix: oar-ha cleanup",
        "FAIL  VIP 10.0.0.100  on no server",
        "oar-prod: DEGRADED (the services run, but the cluster could not fail over as it should, or keeps failures: see WARN), active server srv-a",
        "",
      ].join("\n"),
    );
  });
  it("--watch takes whole seconds from 2", () => {
    expect(watchSeconds("5")).toBe(5);
    for (const bad of ["1", "0", "2.5", "x", "-3"])
      expect(() => watchSeconds(bad)).toThrow(/a whole number of seconds from 2 to 3600/);
  });
});
