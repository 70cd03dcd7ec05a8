/**
 * Test helpers shipped with the library (the cdk8s way): a valid cluster to start from and
 * deterministic secrets, so embedders can test their own code against oar-ha's model.
 * Never use `fixedSecrets` outside tests: its "random" bytes are a fixed sequence.
 */
import { generateSecrets, type Secrets } from "./secrets.js";
import { checkCluster } from "./load/load-cluster.js";
import type { Cluster, ClusterInput } from "./schema/cluster.js";
import { OarHaError } from "./errors/oar-ha-error.js";
import { formatIssue, hasErrors } from "./errors/issue.js";

export function exampleClusterInput(): ClusterInput {
  return {
    cluster: "oar-test",
    topology: "two-node",
    manager: "pacemaker",
    database: { engine: "postgresql" },
    nodes: [
      {
        name: "srv-a",
        address: "10.0.0.11",
        secondary: { address: "192.168.10.11", interface: "eth1" },
        roles: ["oar", "db"],
      },
      {
        name: "srv-b",
        address: "10.0.0.12",
        secondary: { address: "192.168.10.12", interface: "eth1" },
        roles: ["oar", "db"],
      },
    ],
    hosts: [{ name: "front", address: "10.0.0.20", roles: ["frontend"] }],
    vips: { oar: { address: "10.0.0.100/24", hostname: "oar.example.org" } },
    storage: { kind: "drbd", backing: { kind: "lvm", volumeGroup: "vg0", size: "20G" } },
    fencing: {
      kind: "ipmi",
      devices: [
        { node: "srv-a", address: "10.0.1.11", user: "admin" },
        { node: "srv-b", address: "10.0.1.12", user: "admin" },
      ],
    },
  };
}

/** A valid cluster with `patch` applied on top of the example; throws with every issue if invalid. */
export function exampleCluster(patch: (c: ClusterInput) => ClusterInput | void = () => undefined): Cluster {
  const input = exampleClusterInput();
  const r = checkCluster(patch(input) ?? input);
  if (!r.cluster || hasErrors(r.issues))
    throw new OarHaError("OARHA102", r.issues.map(formatIssue).join("\n"), r.issues);
  return r.cluster;
}

/**
 * The four-node shape on top of `input`: an OAR pair (o1, o2), a DB pair (d1, d2), both VIPs,
 * no fencing (accepted). Use it inside `exampleCluster((x) => fourNode(x))`.
 */
export function fourNode(input: ClusterInput): ClusterInput {
  return {
    ...input,
    topology: "four-node",
    nodes: [
      { name: "o1", address: "10.0.0.11", roles: ["oar"] },
      { name: "o2", address: "10.0.0.12", roles: ["oar"] },
      { name: "d1", address: "10.0.0.13", roles: ["db"] },
      { name: "d2", address: "10.0.0.14", roles: ["db"] },
    ],
    vips: {
      oar: { address: "10.0.0.100/24", hostname: "oar.example.org" },
      db: { address: "10.0.0.101/24", hostname: "db.example.org" },
    },
    fencing: { kind: "none", acceptRisk: true },
  };
}

/** Deterministic secrets for tests and golden files (a fixed byte sequence, not random). */
export function fixedSecrets(
  fencing: Record<string, string> = {
    "srv-a": "bmc-pass-a",
    "srv-b": "bmc-pass-b",
    "srv-c": "bmc-pass-c",
    "srv-d": "bmc-pass-d",
  },
): Secrets {
  let i = 0;
  const bytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n);
    for (let k = 0; k < n; k++) b[k] = (i++ * 151 + 7) & 0xff;
    return b;
  };
  return { ...generateSecrets(bytes), fencing };
}
