import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { allStarted, parseCrmMon, runningOn } from "../src/index.js";

// A real `crm_mon -1 --output-as=xml` of the lab's two-node cluster (Pacemaker 2.1.5).
const xml = readFileSync(join(import.meta.dirname, "crm-mon-2node.xml"), "utf8");

it("reads nodes, DC, quorum and where every resource runs", () => {
  const s = parseCrmMon(xml);
  expect(s.quorum).toBe(true);
  expect(s.dc).toMatch(/^srv-[ab]$/);
  expect(s.nodes.map((n) => [n.name, n.online])).toEqual([
    ["srv-a", true],
    ["srv-b", true],
  ]);
  expect(s.resources.map((r) => r.id)).toEqual(["fs-oar-ha", "vip-oar-ha", "db", "oar-server", "fence-lab"]);
  expect(s.resources.find((r) => r.id === "db")?.parent).toBe("g-oar-ha");
  expect(runningOn(s, "vip-oar-ha")).toBe("srv-a");
  expect(allStarted(s)).toBe(true);
});

it("a stopped resource is not healthy", () => {
  const stopped = xml.replace(/(<resource id="db"[^>]*role=")Started/, "$1Stopped");
  expect(allStarted(parseCrmMon(stopped))).toBe(false);
});

it("a node whose Pacemaker has not joined (online, pending) is read as pending", () => {
  // What crm_mon showed on the lab while srv-b's pacemakerd could not reach corosync.
  const pending = xml.replace(/(<node name="srv-b"[^>]*?)pending="false"/, '$1pending="true"');
  expect(pending).not.toBe(xml);
  const b = parseCrmMon(pending).nodes.find((n) => n.name === "srv-b");
  expect([b?.online, b?.pending]).toEqual([true, true]);
  expect(parseCrmMon(xml).nodes.map((n) => n.pending)).toEqual([false, false]);
});

it("reads failed actions and fail counts: a failed start bans the resource from that node", () => {
  // The fixture: db's start on srv-b timed out after 2 min (fail-count INFINITY, threshold 3).
  const s = parseCrmMon(xml);
  expect(s.failures).toEqual([
    {
      resource: "db",
      node: "srv-b",
      task: "start",
      status: "Timed Out",
      result: "error",
      reason: "Resource agent did not complete within 2m",
      when: "2026-11-25 11:01:28Z",
    },
  ]);
  expect(s.failures).toHaveLength(1);
  expect(s.failCounts).toEqual([{ resource: "db", node: "srv-b", count: 1_000_000, threshold: 3, banned: true }]);
});

it("a fail count under the threshold does not ban; a resource id with underscores and a monitor interval is read whole", () => {
  const edited = xml
    .replace('fail-count="1000000"', 'fail-count="2"')
    .replace('op_key="db_start_0"', 'op_key="my_db_monitor_10000"')
    .replace('interval="0" task="start"', 'interval="10000" task="monitor"');
  const s = parseCrmMon(edited);
  expect(s.failCounts).toEqual([{ resource: "db", node: "srv-b", count: 2, threshold: 3, banned: false }]);
  expect(s.failures.map((f) => [f.resource, f.task])).toEqual([["my_db", "monitor"]]);
});

it("a cluster without failures has none", () => {
  const clean = xml.replace(/<failures>[\s\S]*<\/failures>/, "").replace(/ fail-count="[^"]*"/g, "");
  const s = parseCrmMon(clean);
  expect([s.failures, s.failCounts]).toEqual([[], []]);
});

it("reads maintenance mode from the cluster options", () => {
  expect(parseCrmMon(xml).maintenance).toBe(false);
  expect(parseCrmMon(xml.replace('maintenance-mode="false"', 'maintenance-mode="true"')).maintenance).toBe(true);
});
