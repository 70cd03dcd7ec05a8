import { describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import { allHosts, packagesFor } from "../src/index.js";

describe("the packages each host needs", () => {
  it("Pacemaker servers get the Pacemaker stack and nothing of Heartbeat", () => {
    const p = packagesFor(exampleCluster(), "srv-a");
    expect(p).toEqual(
      expect.arrayContaining(["corosync", "pacemaker", "crmsh", "fence-agents", "postgresql", "oar-server"]),
    );
    expect(p).not.toContain("heartbeat");
    expect(p).not.toContain("corosync-qdevice");
  });

  it("a witness: qdevice on the servers, qnetd on the witness, and the witness is a host apply reaches", () => {
    const c = exampleCluster((x) => ({
      ...x,
      hosts: [...(x.hosts ?? []), { name: "qdev", address: "10.0.0.30", roles: ["witness"] }],
    }));
    expect(packagesFor(c, "srv-b")).toContain("corosync-qdevice");
    expect(packagesFor(c, "srv-b")).not.toContain("heartbeat");
    expect(packagesFor(c, "qdev")).toEqual(["corosync-qnetd"]);
    expect(allHosts(c)).toContain("qdev");
  });

  it("Heartbeat servers get Heartbeat and no corosync", () => {
    const c = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
    }));
    const p = packagesFor(c, "srv-a");
    expect(p).toEqual(expect.arrayContaining(["heartbeat", "cluster-glue"]));
    expect(p).not.toContain("corosync");
  });
});

describe("what apply refuses before any change", () => {
  it("DRBD 9 only (apply drives Debian 12's 8.4), with the fix; nothing for a supported cluster (DRBD 8.4, every kerberos service)", async () => {
    const { unsupported } = await import("../src/deploy/preflight.js");
    expect(unsupported(exampleCluster())).toEqual([]);
    const v9 = exampleCluster((x) => ({
      ...x,
      storage: { kind: "drbd", version: "9", backing: { kind: "lvm", volumeGroup: "vg0", size: "20G" } },
    }));
    expect(unsupported(v9).map((p) => p.message)).toEqual([
      "storage.version 9: apply drives DRBD 8.4 (Debian 12's kernel module) only",
    ]);
    const shared = exampleCluster((x) => ({ ...x, storage: { kind: "shared", device: "/dev/sdb" } }));
    expect(unsupported(shared)).toEqual([]);
    const k = exampleCluster((x) => ({
      ...x,
      storage: { kind: "shared", device: "/dev/sdb" },
      kerberos: {
        realm: "EXAMPLE.ORG",
        kdc: ["kdc.example.org"],
        keytab: "/root/k.keytab",
        services: [{ service: "host", vip: "oar" }],
      },
    }));
    // Every Kerberos service, from a keytab or an admin principal, is installed.
    expect(unsupported(k)).toEqual([]);
    const admin = exampleCluster((x) => ({
      ...x,
      storage: { kind: "shared", device: "/dev/sdb" },
      kerberos: {
        realm: "EXAMPLE.ORG",
        kdc: ["kdc.example.org"],
        adminPrincipal: "admin/admin",
        services: [
          { service: "host", vip: "oar" },
          { service: "postgres", vip: "oar" },
          { service: "HTTP", vip: "oar" },
        ],
      },
    }));
    expect(unsupported(admin)).toEqual([]);
  });

  it("OAR servers get OAR's user tools (apply asks oarnodes there), LVM backing brings lvm2 to the DB servers only", () => {
    const c = exampleCluster();
    for (const h of ["srv-a", "srv-b"])
      expect(packagesFor(c, h)).toEqual(expect.arrayContaining(["oar-user", "oar-user-pgsql", "drbd-utils", "lvm2"]));
    expect(packagesFor(c, "front")).not.toContain("lvm2");
  });

  it("the HTTP service brings Apache and mod_auth_gssapi to the servers that hold HTTP/<VIP name>, and nowhere else", () => {
    const c = exampleCluster((x) => ({
      ...x,
      kerberos: {
        realm: "EXAMPLE.ORG",
        kdc: ["kdc.example.org"],
        keytab: "/k",
        services: [
          { service: "host", vip: "oar" },
          { service: "HTTP", vip: "oar" },
        ],
      },
    }));
    for (const h of ["srv-a", "srv-b"])
      expect(packagesFor(c, h)).toEqual(expect.arrayContaining(["apache2", "libapache2-mod-auth-gssapi", "krb5-user"]));
    expect(packagesFor(c, "front")).not.toContain("apache2");
    expect(packagesFor(exampleCluster(), "srv-a")).not.toContain("apache2");
  });
});

describe("kadmin's answers, as stops with the fix (kerberos.adminPrincipal)", () => {
  const c = exampleCluster((x) => ({
    ...x,
    kerberos: {
      realm: "EXAMPLE.ORG",
      kdc: ["kdc.example.org"],
      adminPrincipal: "oarha/admin@EXAMPLE.ORG",
      services: [{ service: "host", vip: "oar" }],
    },
  }));
  // The lines are what MIT kadmin 1.20 printed in the lab for each case.
  it("names the cause and the fix; a clean answer is no error", async () => {
    const { kadminError } = await import("../src/deploy/kerberos-admin.js");
    expect(
      kadminError(
        c,
        "srv-a",
        "Authenticating as principal oarha/admin@EXAMPLE.ORG with password.\nEntry for principal host/oar.example.org with kvno 2, encryption type aes256-cts-hmac-sha1-96 added to keytab WRFILE:/tmp/x.\n",
      ),
    ).toBeUndefined();
    const pw = kadminError(c, "srv-a", "kadmin: Incorrect password while initializing kadmin interface\n");
    expect(pw?.message).toContain("kerberos.adminPassword");
    const ex = kadminError(
      c,
      "srv-a",
      "kadmin: Operation requires ``extract-keys'' privilege while changing host/oar.example.org's key\n",
    );
    expect(ex?.message).toContain("aie");
    expect(ex?.message).toContain("kerberos.keytab");
    expect(ex?.message).toContain("no existing key was changed");
    const net = kadminError(
      c,
      "srv-a",
      "kadmin: Cannot contact any KDC for realm 'EXAMPLE.ORG' while initializing kadmin interface\n",
    );
    expect(net?.message).toContain("reaches the KDC");
  });
});
