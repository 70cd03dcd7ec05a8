import { describe, expect, it } from "vitest";
import { answerProblem, clusterFromAnswers, ipmiServers, type Answers } from "../src/commands/init-answers.js";

const base: Answers = {
  name: "oar-prod",
  topology: "two-node",
  manager: "pacemaker",
  db: "postgresql",
  nodes: "srv-a=10.0.0.11,srv-b=10.0.0.12",
  oarVip: "10.0.0.100/24=oar.example.org",
  storage: "drbd-lvm:vg0:20G",
  fencing: "ipmi:srv-a=10.0.1.11,srv-b=10.0.1.12",
};

describe("oar-ha init's answers", () => {
  it("interfaces and the second link go on each server; a second-link name that is not a server is refused", () => {
    const c = clusterFromAnswers({
      ...base,
      interface: "enp3s0",
      secondary: "srv-a=10.1.0.11,srv-b=10.1.0.12",
      secondaryInterface: "enp4s0",
      ipmiUser: "ops",
    });
    expect(c["nodes"]).toEqual([
      {
        name: "srv-a",
        address: "10.0.0.11",
        interface: "enp3s0",
        secondary: { address: "10.1.0.11", interface: "enp4s0" },
        roles: ["oar", "db"],
      },
      {
        name: "srv-b",
        address: "10.0.0.12",
        interface: "enp3s0",
        secondary: { address: "10.1.0.12", interface: "enp4s0" },
        roles: ["oar", "db"],
      },
    ]);
    expect((c["fencing"] as { devices: { user: string }[] }).devices.map((d) => d.user)).toEqual(["ops", "ops"]);
    // Unset: the schema's default interface, no second link, BMC user admin.
    const plain = clusterFromAnswers(base);
    expect(plain["nodes"]).toEqual([
      { name: "srv-a", address: "10.0.0.11", roles: ["oar", "db"] },
      { name: "srv-b", address: "10.0.0.12", roles: ["oar", "db"] },
    ]);
    expect((plain["fencing"] as { devices: { user: string }[] }).devices[0]!.user).toBe("admin");
    expect(() => clusterFromAnswers({ ...base, secondary: "srv-c=10.1.0.13" })).toThrow(
      '--secondary: "srv-c" is not one of the servers (srv-a, srv-b)',
    );
    expect(answerProblem("interface", "eth 0")).toBe(
      '--interface: "eth 0" is not an interface name (1 to 15 letters, digits, _ . : -), e.g. eth0 or enp3s0',
    );
    expect(answerProblem("secondary", "srv-a=10.1.0.11:x")).toBe(
      '--secondary: "srv-a=10.1.0.11:x" is not NAME=ADDRESS',
    );
    expect(answerProblem("secondaryInterface", "enp4s0")).toBeUndefined();
    // The servers whose BMC password init asks for.
    expect(ipmiServers("ipmi:srv-a=10.0.1.11,srv-b=10.0.1.12")).toEqual(["srv-a", "srv-b"]);
    expect(ipmiServers("lab:10.0.0.2")).toEqual([]);
  });

  it("hosts: roles joined with +, frontend by default", () => {
    const c = clusterFromAnswers({
      ...base,
      hosts: "front=10.0.0.20,w=10.0.0.40:witness+frontend,n1=10.0.0.31:compute",
    });
    expect(c["hosts"]).toEqual([
      { name: "front", address: "10.0.0.20", roles: ["frontend"] },
      { name: "w", address: "10.0.0.40", roles: ["witness", "frontend"] },
      { name: "n1", address: "10.0.0.31", roles: ["compute"] },
    ]);
  });
  it("hosts: an unknown role, or roles joined with ':', are refused (never dropped), naming the flag and the form", () => {
    expect(() => clusterFromAnswers({ ...base, hosts: "front=10.0.0.20:frontend:witness" })).toThrow(
      "--hosts: front=10.0.0.20:frontend:witness: roles are joined with +; roles are frontend, api, compute, witness, joined with +, e.g. front=10.0.0.20:frontend+witness",
    );
    expect(() => clusterFromAnswers({ ...base, hosts: "n1=10.0.0.31:bogus" })).toThrow(
      '--hosts: n1=10.0.0.31:bogus: no role "bogus"',
    );
  });
  it("fencing none only with --accept-risk, then written as accepted", () => {
    expect(() => clusterFromAnswers({ ...base, fencing: "none" })).toThrow(
      /--fencing: none: without fencing .* add --accept-risk/,
    );
    expect(clusterFromAnswers({ ...base, fencing: "none", acceptRisk: true })["fencing"]).toEqual({
      kind: "none",
      acceptRisk: true,
    });
  });
  it("servers take no roles (the topology gives them)", () => {
    expect(() => clusterFromAnswers({ ...base, nodes: "srv-a=10.0.0.11:db,srv-b=10.0.0.12" })).toThrow(
      /--nodes: "srv-a=10\.0\.0\.11:db" is not NAME=ADDRESS/,
    );
  });
  it("checks one answer as it is typed", () => {
    expect(answerProblem("oarVip", "10.0.0.100=oar.example.org")).toMatch(
      /needs its prefix length, e\.g\. 10\.0\.0\.100\/24/,
    );
    expect(answerProblem("oarVip", "10.0.0.100/24=oar.example.org")).toBeUndefined();
    // The cluster file's own rule: a /31 has no room for the servers and the VIP.
    expect(answerProblem("oarVip", "10.0.0.100/31=oar.example.org")).toMatch(/prefix length from 8 to 30/);
    expect(answerProblem("storage", "drbd-zfs:x")).toMatch(/use drbd-lvm:VG:SIZE/);
    expect(answerProblem("nodes", "srv-a")).toMatch(/is not NAME=ADDRESS/);
    expect(answerProblem("fencing", "none")).toBeUndefined();
    expect(answerProblem("hosts", "w=10.0.0.40:witnes")).toMatch(/no role "witnes"/);
  });
});
