import { describe, expect, it } from "vitest";
import { exampleCluster, fixedSecrets } from "@oar-ha/core/testing";
import { cibModel, renderCorosyncConf, renderPacemakerFiles } from "../src/index.js";

const secrets = fixedSecrets();

describe("corosync.conf", () => {
  it("two servers: two_node, knet with crypto, two links, consensus 1.2 x token", () => {
    const conf = renderCorosyncConf(exampleCluster());
    for (const l of [
      "transport: knet",
      "crypto_cipher: aes256",
      "crypto_hash: sha256",
      "token: 1000",
      "consensus: 1200",
      "two_node: 1",
      "ring1_addr: 192.168.10.12",
    ])
      expect(conf).toContain(l);
  });

  it("a witness replaces two_node with a qdevice (ffsplit)", () => {
    const conf = renderCorosyncConf(
      exampleCluster((x) => ({ ...x, hosts: [{ name: "qdev", address: "10.0.0.30", roles: ["witness"] }] })),
    );
    expect(conf).not.toContain("two_node");
    expect(conf).toContain("model: net");
    expect(conf).toContain("host: 10.0.0.30");
    expect(conf).toContain("algorithm: ffsplit");
  });
});

describe("CIB", () => {
  it("fencing on, devices never fence their own server, two-server fence race delayed", () => {
    const m = cibModel(exampleCluster(), secrets);
    expect(m.properties).toContainEqual(["stonith-enabled", "true"]);
    expect(m.properties).toContainEqual(["priority-fencing-delay", "10s"]);
    expect(m.stonith.map((s) => s.id)).toEqual(["fence-srv-a", "fence-srv-b"]);
    expect(m.stonith[0]!.params).toContainEqual(["pcmk_delay_max", "5s"]);
    expect(m.constraints).toContainEqual(
      expect.objectContaining({ kind: "location", rsc: "fence-srv-a", node: "srv-a", score: "-INFINITY" }),
    );
    const stonithTimeout = Number(m.properties.find(([k]) => k === "stonith-timeout")![1].replace("s", ""));
    expect(stonithTimeout).toBeGreaterThanOrEqual(60 + 1 + 1.2 + 10);
  });

  it("a quorum witness removes the fence-race delays (only the side holding its vote fences)", () => {
    const m = cibModel(
      exampleCluster((x) => ({ ...x, hosts: [{ name: "qdev", address: "10.0.0.30", roles: ["witness"] }] })),
      secrets,
    );
    expect(m.properties).toContainEqual(["stonith-enabled", "true"]);
    expect(m.properties.find(([k]) => k === "priority-fencing-delay")).toBeUndefined();
    for (const d of m.stonith) expect(d.params.find(([k]) => k === "pcmk_delay_max")).toBeUndefined();
  });

  it("the group follows the promoted DRBD instance and starts after promotion", () => {
    const m = cibModel(exampleCluster(), secrets);
    expect(m.groups[0]!.members.map((p) => p.id)).toEqual(["fs-oar-ha", "vip-oar-ha", "db", "oar-server"]);
    expect(m.clones[0]!.meta).toContainEqual(["promotable", "true"]);
    expect(m.constraints).toContainEqual(
      expect.objectContaining({ kind: "colocation", withRole: "Promoted", score: "INFINITY" }),
    );
    expect(m.constraints).toContainEqual(
      expect.objectContaining({ kind: "order", firstAction: "promote", thenAction: "start", orderKind: "Mandatory" }),
    );
  });

  it("pacemaker.monitorTimeout sets every monitor's timeout (DRBD, group members, fence devices); unset, each agent keeps its own", () => {
    const monitors = (m: ReturnType<typeof cibModel>) =>
      [...m.stonith, ...m.groups.flatMap((g) => g.members), ...m.clones.map((c) => c.primitive)].flatMap((p) =>
        p.ops.filter((o) => o.name === "monitor").map((o) => `${p.id}:${o.timeout}`),
      );
    const slow = monitors(
      cibModel(
        exampleCluster((x) => ({ ...x, pacemaker: { monitorTimeout: 90 } })),
        secrets,
      ),
    );
    expect(slow.length).toBeGreaterThanOrEqual(8);
    expect(slow.filter((m) => !m.endsWith(":90s"))).toEqual([]);
    const own = monitors(cibModel(exampleCluster(), secrets));
    expect(own).toContain("db:30s");
    expect(own.filter((m) => m.startsWith("drbd")).map((m) => m.split(":")[1])).toEqual(["20s", "20s"]);
  });

  it("no fencing: STONITH disabled and no device (the cluster file had to accept the risk)", () => {
    const m = cibModel(
      exampleCluster((x) => ({ ...x, fencing: { kind: "none", acceptRisk: true } })),
      secrets,
    );
    expect(m.properties).toContainEqual(["stonith-enabled", "false"]);
    expect(m.stonith).toEqual([]);
  });

  it("MySQL is monitored over the socket as root: no password on a command line", () => {
    const m = cibModel(
      exampleCluster((x) => ({ ...x, database: { engine: "mariadb" } })),
      secrets,
    );
    const db = m.groups[0]!.members.find((p) => p.id === "db")!;
    expect(db.params).toContainEqual(["test_user", "root"]);
    expect(db.params.map(([k]) => k)).not.toContain("test_passwd");
  });

  it("the authkey is the secret's bytes, mode 0400; CIB files holding BMC passwords are 0600", () => {
    const files = renderPacemakerFiles(exampleCluster(), secrets);
    const key = files.find((f) => f.path === "/etc/corosync/authkey")!;
    expect(key).toMatchObject({ mode: "0400", encoding: "base64", content: secrets.corosyncAuthkey, sensitive: true });
    expect(files.find((f) => f.path === "/etc/oar-ha/cib.xml")!.mode).toBe("0600");
  });
});
