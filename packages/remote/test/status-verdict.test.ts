import { describe, expect, it } from "vitest";
import { parseCrmMon } from "@oar-ha/pacemaker-config";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { failureChecks, verdictOf, type Check } from "../src/index.js";

// A real crm_mon of the lab (Pacemaker 2.1.5): db's start on srv-b timed out (fail-count INFINITY).
const xml = readFileSync(join(import.meta.dirname, "../../pacemaker-config/test/crm-mon-2node.xml"), "utf8");
const clean = xml.replace(/<failures>[\s\S]*<\/failures>/, "").replace(/ fail-count="[^"]*"/g, "");

describe("what Pacemaker remembers of failures", () => {
  it("a failed start bans the resource from that server, named with the fix, and the failed action is listed", () => {
    const checks = failureChecks(parseCrmMon(xml));
    expect(checks.map((c) => [c.name, c.ok, c.degraded])).toEqual([
      ["resource db on srv-b", false, true],
      ["failed actions", false, true],
    ]);
    expect(checks[0]?.detail).toBe(
      "may no longer run on srv-b: a start failed there (migration-threshold 3); the cluster cannot move it there. fix: find the cause (crm_mon -1 --show-detail; /var/log/pacemaker/pacemaker.log on that server), then crm_resource --cleanup --resource db --node srv-b",
    );
    expect(checks[1]?.detail).toContain(
      "start of db on srv-b: Timed Out (Resource agent did not complete within 2m) at 2026-11-25 11:01:28Z",
    );
  });

  it("fail counts under the threshold only list the failed action", () => {
    const checks = failureChecks(parseCrmMon(xml.replace('fail-count="1000000"', 'fail-count="1"')));
    expect(checks.map((c) => c.name)).toEqual(["failed actions"]);
  });

  it("a stopped fence device degrades: nothing could fence a failed server", () => {
    const stopped = clean.replace(/(<resource id="fence-lab"[^>]*role=")Started/, "$1Stopped");
    expect(stopped).not.toBe(clean);
    expect(failureChecks(parseCrmMon(stopped)).map((c) => [c.name, c.degraded])).toEqual([
      ["fence device fence-lab", true],
    ]);
  });

  it("no failure, no check", () => {
    expect(failureChecks(parseCrmMon(clean))).toEqual([]);
  });
});

describe("the verdict", () => {
  const ok: Check = { name: "a", ok: true, detail: "" };
  const warn: Check = { name: "b", ok: false, detail: "", degraded: true };
  const fail: Check = { name: "c", ok: false, detail: "" };
  it("is healthy only when every check passes, degraded when only degrading checks fail, unhealthy when any other fails", () => {
    expect(verdictOf([ok, ok])).toBe("healthy");
    expect(verdictOf([ok, warn])).toBe("degraded");
    expect(verdictOf([warn, fail, ok])).toBe("unhealthy");
    expect(verdictOf([])).toBe("healthy");
  });
});
