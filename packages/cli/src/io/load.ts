import { hasErrors, loadCluster, secretsRules, type Cluster, type Issue, type Secrets } from "@oar-ha/core";
import { defaultSecretsPath, loadSecrets, readText } from "./files.js";

export interface Loaded {
  readonly cluster?: Cluster;
  readonly secrets?: Secrets;
  readonly issues: readonly Issue[];
  readonly secretsFile: string;
  readonly secretsCreated: boolean;
  /** Generated secrets added to an existing secrets file (written by `saveSecrets`). */
  readonly secretsAdded: readonly string[];
  /** Writes the generated secrets; set only when the whole input is valid and something was generated. */
  readonly saveSecrets?: () => Promise<void>;
}

/**
 * Cluster file + secrets file, every issue of both. `createSecrets` generates the missing
 * generated secrets (the whole file when absent) in memory; the caller writes them with
 * `saveSecrets` once it is about to act, so bad input or a refusal leaves the disk as it was.
 */
export async function loadAll(file: string, secretsFile: string | undefined, createSecrets: boolean): Promise<Loaded> {
  const r = loadCluster(await readText(file, "cluster file"), file);
  const sf = secretsFile ?? defaultSecretsPath(file);
  if (!r.cluster || hasErrors(r.issues)) return { ...r, secretsFile: sf, secretsCreated: false, secretsAdded: [] };
  const s = await loadSecrets(sf, createSecrets);
  const issues: Issue[] = [...r.issues, ...s.issues];
  if (s.secrets) issues.push(...secretsRules(r.cluster, s.secrets).map((i) => ({ ...i, file: sf })));
  const write = !hasErrors(issues) && s.save !== undefined;
  return {
    cluster: r.cluster,
    issues,
    secretsFile: sf,
    secretsCreated: write && s.created,
    secretsAdded: write ? s.added : [],
    ...(write ? { saveSecrets: s.save } : {}),
    ...(s.secrets ? { secrets: s.secrets } : {}),
  };
}
