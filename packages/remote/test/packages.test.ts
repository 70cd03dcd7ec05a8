import { describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import { allHosts, packagesFor } from "../src/index.js";

describe("the packages each host needs", () => {
  it("Pacemaker servers get the Pacemaker stack and nothing of Heartbeat", () => {
    const p = packagesFor(exampleCluster(), "srv-a");
    expect(p).toEqual(expect.arrayContaining(["corosync", "pacemaker", "crmsh", "fence-agents", "postgresql", "oar-server"]));
    expect(p).not.toContain("heartbeat");
    expect(p).not.toContain("corosync-qdevice");
  });

  it("a witness: qdevice on the servers, qnetd on the witness, and the witness is a host apply reaches", () => {
    const c = exampleCluster((x) => ({ ...x, hosts: [...(x.hosts ?? []), { name: "qdev", address: "10.0.0.30", roles: ["witness"] }] }));
    expect(packagesFor(c, "srv-b")).toContain("corosync-qdevice");
    expect(packagesFor(c, "srv-b")).not.toContain("heartbeat");
    expect(packagesFor(c, "qdev")).toEqual(["corosync-qnetd"]);
    expect(allHosts(c)).toContain("qdev");
  });

  it("Heartbeat servers get Heartbeat and no corosync", () => {
    const c = exampleCluster((x) => ({ ...x, manager: "heartbeat", fencing: { kind: "none", acceptRisk: true }, pacemaker: undefined }));
    const p = packagesFor(c, "srv-a");
    expect(p).toEqual(expect.arrayContaining(["heartbeat", "cluster-glue"]));
    expect(p).not.toContain("corosync");
  });
});

describe("what apply refuses before any change", () => {
  it("DRBD storage and the parts of the kerberos section not installed yet, each with the fix; nothing for a supported cluster", async () => {
    const { unsupported } = await import("../src/deploy/preflight.js");
    expect(unsupported(exampleCluster()).map((p) => p.message)).toEqual([expect.stringContaining("drbd")]);
    const shared = exampleCluster((x) => ({ ...x, storage: { kind: "shared", device: "/dev/sdb" } }));
    expect(unsupported(shared)).toEqual([]);
    const k = exampleCluster((x) => ({ ...x, storage: { kind: "shared", device: "/dev/sdb" }, kerberos: { realm: "EXAMPLE.ORG", kdc: ["kdc.example.org"], keytab: "/root/k.keytab", services: [{ service: "host", vip: "oar" }] } }));
    // The host service from a keytab is installed; adminPrincipal and the other services are not yet.
    expect(unsupported(k)).toEqual([]);
    const later = exampleCluster((x) => ({ ...x, storage: { kind: "shared", device: "/dev/sdb" }, kerberos: { realm: "EXAMPLE.ORG", kdc: ["kdc.example.org"], adminPrincipal: "admin/admin", services: [{ service: "host", vip: "oar" }, { service: "postgres", vip: "oar" }] } }));
    const p = unsupported(later);
    expect(p.map((x) => x.message)).toEqual([expect.stringContaining("adminPrincipal"), expect.stringContaining("service postgres")]);
    expect(p.every((x) => x.message.includes("OARHA715"))).toBe(true);
    expect(p[0]!.fix).toContain("-norandkey");
  });
});
