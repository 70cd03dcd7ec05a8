import type { Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";
import { databaseRules, portRules } from "./database.js";
import { fencingRules } from "./fencing.js";
import { kerberosRules } from "./kerberos.js";
import { corosyncRules, heartbeatRules } from "./manager.js";
import { addressRules, duplicateRules, secondaryLinkRules, vipRules } from "./network.js";
import { storageRules } from "./storage.js";
import { topologyRules } from "./topology.js";

/** A cross-field check: reads the whole cluster, returns every problem it sees. */
export type Rule = (c: Cluster) => Issue[];

export const rules: readonly Rule[] = [
  addressRules,
  vipRules,
  duplicateRules,
  secondaryLinkRules,
  topologyRules,
  storageRules,
  corosyncRules,
  heartbeatRules,
  fencingRules,
  databaseRules,
  portRules,
  kerberosRules,
];

export function runRules(c: Cluster, extra: readonly Rule[] = []): Issue[] {
  return [...rules, ...extra].flatMap((r) => r(c));
}
