import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatIssue, hasErrors, loadCluster } from "@oar-ha/core";
import { fixedSecrets } from "@oar-ha/core/testing";
import { renderCluster } from "../src/index.js";

/** The scenario fixtures shared by the golden and real-tool tests. */
const fixtures = join(import.meta.dirname, "fixtures");
export const scenarios = readdirSync(fixtures).sort();

export function load(scenario: string) {
  const r = loadCluster(readFileSync(join(fixtures, scenario, "cluster.yaml"), "utf8"), `${scenario}/cluster.yaml`);
  if (!r.cluster || hasErrors(r.issues)) throw new Error(r.issues.map(formatIssue).join("\n"));
  const secrets = fixedSecrets(Object.fromEntries(r.cluster.nodes.map((n) => [n.name, `bmc-pass-${n.name}`])));
  return { cluster: r.cluster, secrets, ...renderCluster(r.cluster, secrets) };
}
