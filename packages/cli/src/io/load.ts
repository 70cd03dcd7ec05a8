import { hasErrors, loadCluster, secretsRules, type Cluster, type Issue, type Secrets } from "@oar-ha/core";
import { defaultSecretsPath, loadSecrets, readText } from "./files.js";

export interface Loaded {
  readonly cluster?: Cluster;
  readonly secrets?: Secrets;
  readonly issues: readonly Issue[];
  readonly secretsFile: string;
  readonly secretsCreated: boolean;
}

/** Cluster file + secrets file, every issue of both. `createSecrets` generates them once when missing. */
export async function loadAll(file: string, secretsFile: string | undefined, createSecrets: boolean): Promise<Loaded> {
  const r = loadCluster(await readText(file, "cluster file"), file);
  const sf = secretsFile ?? defaultSecretsPath(file);
  if (!r.cluster || hasErrors(r.issues)) return { ...r, secretsFile: sf, secretsCreated: false };
  const s = await loadSecrets(sf, createSecrets);
  const issues: Issue[] = [...r.issues, ...s.issues];
  if (s.secrets) issues.push(...secretsRules(r.cluster, s.secrets).map((i) => ({ ...i, file: sf })));
  return {
    cluster: r.cluster,
    issues,
    secretsFile: sf,
    secretsCreated: s.created,
    ...(s.secrets ? { secrets: s.secrets } : {}),
  };
}
