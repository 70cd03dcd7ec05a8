import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasErrors, loadCluster } from "../src/index.js";

const valid = readFileSync(join(import.meta.dirname, "fixtures/two-node-pg-pacemaker-lvm/cluster.yaml"), "utf8");

describe("loadCluster", () => {
  it("applies defaults to a valid file", () => {
    const r = loadCluster(valid);
    expect(hasErrors(r.issues)).toBe(false);
    expect(r.cluster?.storage).toMatchObject({
      kind: "drbd",
      protocol: "C",
      device: "/dev/drbd0",
      port: 7788,
      mountPoint: "/srv/oar-ha",
    });
    expect(r.cluster?.corosync.token).toBe(1000);
    expect(r.cluster?.nodes[0]?.ssh).toEqual({ user: "root", port: 22 });
    expect(r.cluster?.ssh).toEqual({ knownHosts: "~/.ssh/known_hosts", transport: "ssh2" });
  });

  it("reports every problem at once, each with its line and column", () => {
    // Schema errors come all together (rules wait until the shape is right)...
    const text = valid
      .replace("topology: two-node", "topology: 2")
      .replace("  kind: ipmi\n", "  kind: ipmi\n  x: 1\n")
      .replace("name: srv-b", "name: srv_b");
    const r = loadCluster(text, "c.yaml");
    expect(r.issues.map((i) => `${i.code} ${i.path}`).sort()).toEqual([
      "OARHA102 nodes[1].name",
      "OARHA102 topology",
      "OARHA104 fencing.x",
    ]);
    // ...then every rule reports at once.
    const r2 = loadCluster(
      valid.replace("address: 10.0.0.12\n", "address: 10.0.0.300\n").replace("10.0.0.100/24", "10.9.0.100/24"),
      "c.yaml",
    );
    const codes = r2.issues
      .filter((i) => i.severity === "error")
      .map((i) => `${i.code} ${i.path} ${i.line}:${i.column}`);
    expect(codes).toEqual(
      expect.arrayContaining(["OARHA201 nodes[1].address 11:14", "OARHA203 vips.oar.address 19:19"]),
    );
    expect(r2.issues.every((i) => i.file === "c.yaml")).toBe(true);
  });

  it("warns about two Pacemaker servers without a witness, and not once there is one", () => {
    const warn = (t: string) => loadCluster(t).issues.filter((i) => i.code === "OARHA307");
    const w = warn(valid);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ severity: "warning", path: "hosts" });
    expect(w[0]!.fix).toContain("roles: [witness]");
    const withWitness = valid.replace("hosts:\n", "hosts:\n  - { name: qdev, address: 10.0.0.30, roles: [witness] }\n");
    expect(withWitness).not.toBe(valid);
    expect(hasErrors(loadCluster(withWitness).issues)).toBe(false);
    expect(warn(withWitness)).toHaveLength(0);
  });

  it("accepts a kerberos section (host, postgres, HTTP) and warns on a lower-case realm", () => {
    const k = `${valid}kerberos:\n  realm: example.org\n  kdc: [kdc.example.org]\n  keytab: /root/oar-vip.keytab\n  services: [{ service: host, vip: oar }, { service: postgres, vip: oar }]\n`;
    const r = loadCluster(k);
    expect(hasErrors(r.issues)).toBe(false);
    expect(r.cluster?.kerberos).toMatchObject({
      realm: "example.org",
      reverseDns: false,
      services: [
        { service: "host", vip: "oar" },
        { service: "postgres", vip: "oar" },
      ],
    });
    expect(
      r.issues
        .filter((i) => i.code.startsWith("OARHA71"))
        .map((i) => `${i.code} ${i.severity}`)
        .sort(),
    ).toEqual(["OARHA710 warning"]);
    const http = loadCluster(k.replace("{ service: postgres, vip: oar }", "{ service: HTTP, vip: oar }"));
    expect(http.issues.filter((i) => i.code.startsWith("OARHA71")).map((i) => i.code)).toEqual(["OARHA710"]);
  });

  it("points a missing field at its parent", () => {
    const r = loadCluster(valid.replace("  backing: { kind: lvm, volumeGroup: vg0, size: 20G }\n", ""), "c.yaml");
    const i = r.issues.find((x) => x.path === "storage.backing");
    expect(i?.code).toBe("OARHA105");
    expect(i?.line).toBe(21);
  });

  it("never throws on garbage", () => {
    for (const t of ["", "[]", "42", "nodes: [[[", "\t\t:", "a: *b"]) {
      const r = loadCluster(t);
      expect(hasErrors(r.issues)).toBe(true);
      expect(r.cluster).toBeUndefined();
    }
  });
});
