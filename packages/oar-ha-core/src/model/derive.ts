import type { Cluster, ServerNode, Vip } from "../schema/cluster.js";

/*
 * Facts derived from the cluster that rules and generators share. Pure and total:
 * they never throw on a cluster that passed the schema, even one that fails rules.
 */

export const dbPort = (c: Cluster): number => c.database.port ?? (c.database.engine === "postgresql" ? 5432 : 3306);
export const pgVersion = (c: Cluster): string => c.database.version ?? "15";
export const isMysqlFamily = (c: Cluster): boolean => c.database.engine !== "postgresql";

export const oarServers = (c: Cluster): ServerNode[] => c.nodes.filter((n) => n.roles.includes("oar"));
export const dbServers = (c: Cluster): ServerNode[] => c.nodes.filter((n) => n.roles.includes("db"));
export const hostsWithRole = (c: Cluster, role: "frontend" | "api" | "compute" | "witness") =>
  c.hosts.filter((h) => h.roles.includes(role));
export const witness = (c: Cluster) => hostsWithRole(c, "witness")[0];

/** The VIP clients use for the database: its own in four-node topology, the shared one otherwise. */
export const dbVip = (c: Cluster): Vip => (c.topology === "four-node" && c.vips.db ? c.vips.db : c.vips.oar);

/** Split "10.0.0.100/24" into its parts; the prefix defaults to 32 for a bare address. */
export function splitCidr(cidr: string): { address: string; prefix: number } {
  const [address = "", prefix] = cidr.split("/");
  return { address, prefix: prefix === undefined ? 32 : Number(prefix) };
}

/**
 * Service groups: which servers fail over together and what they carry. Two-node: one group
 * with everything. Four-node: a DB group and an OAR group, each on its own pair.
 */
export interface ServiceGroup {
  readonly id: "oar" | "db" | "all";
  readonly nodes: readonly ServerNode[];
  readonly vip: Vip;
  readonly runsDb: boolean;
  readonly runsOar: boolean;
}

export function serviceGroups(c: Cluster): ServiceGroup[] {
  if (c.topology === "two-node") {
    return [{ id: "all", nodes: c.nodes, vip: c.vips.oar, runsDb: true, runsOar: true }];
  }
  return [
    { id: "db", nodes: dbServers(c), vip: dbVip(c), runsDb: true, runsOar: false },
    { id: "oar", nodes: oarServers(c), vip: c.vips.oar, runsDb: false, runsOar: true },
  ];
}

/** The suffix of a group's resource ids (g-SUFFIX, vip-SUFFIX): "oar-ha" for the one group of two nodes. */
export const groupSuffix = (g: ServiceGroup): string => (g.id === "all" ? "oar-ha" : g.id);

/** Corosync's consensus can never be below 1.2 x token (corosync.conf(5)); it is also the default. */
export const consensusFloor = (tokenMs: number): number => Math.ceil(tokenMs * 1.2);
/** The consensus timeout the cluster runs with, in ms. */
export const corosyncConsensus = (c: Cluster): number => c.corosync.consensus ?? consensusFloor(c.corosync.token);

/** Address that carries replication traffic: the secondary link when there is one. */
export const replicationAddress = (n: ServerNode): string => n.secondary?.address ?? n.address;

/** Sort by a string key with a locale-independent comparison (byte-identical output everywhere). */
export function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
