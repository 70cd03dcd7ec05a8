import { describe, expect, it } from "vitest";
import { checkCluster, formatIssue } from "@oar-ha/core";
import { labCluster, labEtcHosts, labSpec } from "../src/index.js";

describe("lab spec (pure)", () => {
  it("names every interface within the kernel's 15 characters and gives each host its addresses", () => {
    const s = labSpec({ servers: 4 });
    expect(s.hosts.map((h) => h.name)).toEqual(["srv-a", "srv-b", "srv-c", "srv-d", "front", "admin"]);
    for (const h of s.hosts) for (const p of h.switchPorts) expect(p.length).toBeLessThanOrEqual(15);
    expect(s.adminLink.length).toBeLessThanOrEqual(15);
    expect(new Set(s.hosts.map((h) => h.address)).size).toBe(s.hosts.length);
    expect(s.hosts.find((h) => h.name === "srv-c")?.secondary).toBe("10.78.0.13");
  });

  it("refuses a public or non-/24 network", () => {
    expect(() => labSpec({ subnet: "8.8.8.0/24" })).toThrow(/private/);
    expect(() => labSpec({ subnet: "10.77.0.0/16" })).toThrow(/\/24/);
    expect(() => labSpec({ subnet: "10.77.0.0/24", secondarySubnet: "10.77.0.0/24" })).toThrow(/differ/);
  });

  it.each([
    [2, "postgresql", "pacemaker"],
    [4, "mariadb", "pacemaker"],
    [2, "mysql", "heartbeat"],
    [4, "postgresql", "heartbeat"],
  ] as const)("writes a valid cluster file: %i servers, %s, %s", (servers, database, manager) => {
    const r = checkCluster(labCluster(labSpec({ servers, database, manager })));
    const errors = r.issues.filter((i) => i.severity === "error");
    expect(errors.map(formatIssue)).toEqual([]);
    expect(r.cluster?.storage).toMatchObject({ kind: "shared", filesystem: "none" });
    expect(r.cluster?.fencing.kind).toBe("lab");
  });

  it("a lab with emulated VMs (--drbd) gets a 3 s corosync token and 30 s DB, VIP and OAR monitors (60 s filesystem), every monitor 90 s to run; namespace labs keep the defaults", () => {
    const vm = checkCluster(
      labCluster(labSpec({ servers: 2, database: "postgresql", manager: "pacemaker", drbd: "lvm" })),
    ).cluster;
    expect([
      vm?.corosync.token,
      vm?.pacemaker.monitor.database,
      vm?.pacemaker.monitor.oarServer,
      vm?.pacemaker.monitor.vip,
      vm?.pacemaker.monitor.filesystem,
      vm?.pacemaker.monitorTimeout,
      vm?.storage.kind,
    ]).toEqual([3000, 30, 30, 30, 60, 90, "drbd"]);
    const ns = checkCluster(labCluster(labSpec({ servers: 2, database: "postgresql", manager: "pacemaker" }))).cluster;
    expect([
      ns?.corosync.token,
      ns?.pacemaker.monitor.database,
      ns?.pacemaker.monitor.oarServer,
      ns?.pacemaker.monitor.vip,
      ns?.pacemaker.monitorTimeout,
    ]).toEqual([1000, 3, 3, 5, undefined]);
  });

  it("Heartbeat on emulated VMs: oar-ha's service monitor looks every 30 s and lets a check take 90 s; namespace labs keep 5 s and 20 s", () => {
    const vm = checkCluster(
      labCluster(labSpec({ servers: 2, database: "mariadb", manager: "heartbeat", drbd: "loop" })),
    );
    expect(vm.issues.filter((i) => i.severity === "error").map(formatIssue)).toEqual([]);
    expect([vm.cluster?.heartbeat.monitor.interval, vm.cluster?.heartbeat.monitor.timeout]).toEqual([30, 90]);
    const ns = checkCluster(labCluster(labSpec({ servers: 2, database: "mariadb", manager: "heartbeat" }))).cluster;
    expect([ns?.heartbeat.monitor.interval, ns?.heartbeat.monitor.timeout]).toEqual([5, 20]);
  });

  it("resolves hosts and VIP names inside the lab", () => {
    const hosts = labEtcHosts(labSpec());
    expect(hosts).toContain("10.77.0.11\tsrv-a.lab srv-a");
    expect(hosts).toContain("10.77.0.100\toar.lab oar");
  });
});
