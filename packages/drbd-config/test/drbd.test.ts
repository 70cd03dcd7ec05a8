import { describe, expect, it } from "vitest";
import { exampleCluster, fixedSecrets } from "@oar-ha/core/testing";
import { backingDevice, renderDrbdFiles } from "../src/index.js";
import { drbdDump, writeTree } from "../../../tooling/real-tools.js";

const secrets = fixedSecrets();
const backings = [
  { kind: "partition", device: "/dev/sdb1" },
  { kind: "lvm", volumeGroup: "vg0", size: "20G" },
  { kind: "loop", size: "2G" },
] as const;

describe.each(["8.4", "9"] as const)("DRBD %s", (version) => {
  it.each(backings)("backing $kind: drbdadm parses it, protocol C, both peers, secret in a 0600 file", (backing) => {
    const c = exampleCluster((x) => ({ ...x, storage: { kind: "drbd", version, backing } }));
    const files = renderDrbdFiles(c, secrets);
    const res = files.find((f) => f.path === "/etc/drbd.d/oar-db.res")!;
    expect(res.mode).toBe("0600");
    expect(res.content).toContain(`shared-secret "${secrets.drbdSecret}"`);
    const dir = writeTree(files);
    const r = drbdDump(`${dir}/srv-a/etc/drbd.d/oar-db.res`, version);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/protocol\s+C;/);
    expect(r.stdout).toMatch(/address\s+ipv4 192\.168\.10\.11:7788;/);
    expect(r.stdout).toMatch(/address\s+ipv4 192\.168\.10\.12:7788;/);
    expect(r.stdout).toMatch(new RegExp(`disk\\s+${backingDevice(c.storage as never)};`));
    expect(r.stdout).toMatch(/fencing\s+resource-and-stonith;/);
    expect(files.some((f) => f.path.endsWith("oar-ha-drbd-loop.service"))).toBe(backing.kind === "loop");
  });
});

it("the 8.4 and 9 syntaxes are not interchangeable where they differ (fencing section)", () => {
  const c = exampleCluster((x) => ({
    ...x,
    storage: { kind: "drbd", version: "9", backing: { kind: "partition", device: "/dev/sdb1" } },
  }));
  const dir = writeTree(renderDrbdFiles(c, secrets));
  expect(drbdDump(`${dir}/srv-a/etc/drbd.d/oar-db.res`, "8.4").code).not.toBe(0);
});

it("Heartbeat clusters get no Pacemaker fence-peer handler", () => {
  const c = exampleCluster((x) => ({ ...x, manager: "heartbeat" }));
  const res = renderDrbdFiles(c, secrets)[0]!.content;
  expect(res).toContain("fencing dont-care;");
  expect(res).not.toContain("crm-fence-peer");
});

it("shared storage needs no DRBD file", () => {
  const c = exampleCluster((x) => ({ ...x, storage: { kind: "shared", device: "/dev/mapper/san-oar" } }));
  expect(renderDrbdFiles(c, secrets)).toEqual([]);
});
