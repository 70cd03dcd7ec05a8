import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { OarHaError, formatIssue, hasErrors, type Cluster, type Secrets } from "@oar-ha/core";
import { allHosts, connectAll, connectSome, type Transport } from "@oar-ha/remote";
import { renderCluster, type RenderResult } from "../render-cluster.js";
import { loadAll } from "./load.js";
import { findLogSyncAgent } from "./agent.js";
import { printIssues } from "./output.js";

export interface Session extends RenderResult {
  readonly cluster: Cluster;
  readonly secrets: Secrets;
  readonly transports: Map<string, Transport>;
  /** Hosts that did not answer (only with `partial`). */
  readonly unreachable: readonly { host: string; error: string }[];
  readonly file: string;
  /** The secrets file, as messages name it (said when this run created it). */
  readonly secretsLabel: string;
  /** The log-sync agent program apply installs (undefined if this build has none). */
  readonly logSyncAgent?: Uint8Array;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Only these hosts (default: every host of the cluster). */
  readonly hosts?: (c: Cluster) => string[];
  /** Read-only commands: go on without the hosts that do not answer (listed in `unreachable`). */
  readonly partial?: boolean;
}

/** Cluster + secrets + rendered files + a transport to every host (strict host keys). */
export async function openSession(
  file: string,
  secretsFile: string | undefined,
  trustNewHosts: boolean,
  o: SessionOptions = {},
): Promise<Session> {
  const r = await loadAll(file, secretsFile, true);
  if (!r.cluster || !r.secrets || hasErrors(r.issues)) {
    printIssues(r.issues);
    throw new OarHaError("OARHA102", `${file} is invalid: nothing was changed`, r.issues);
  }
  await r.saveSecrets?.();
  const rendered = renderCluster(r.cluster, r.secrets);
  const names = o.hosts ? o.hosts(r.cluster) : allHosts(r.cluster);
  const co = {
    trustOnFirstUse: trustNewHosts,
    onNewHostKey: (h: string, line: string) =>
      process.stderr.write(
        `trusted new host key for ${h}: ${line.split(" ").slice(1, 2).join("")} (recorded in known_hosts)\n`,
      ),
  };
  let unreachable: { host: string; error: string }[] = [];
  let transports: Map<string, Transport>;
  if (o.partial) ({ transports, unreachable } = await connectSome(r.cluster, names, co));
  else transports = await connectAll(r.cluster, names, co);
  return {
    ...rendered,
    cluster: r.cluster,
    secrets: r.secrets,
    transports,
    unreachable,
    file,
    secretsLabel: r.secretsCreated ? `${r.secretsFile}, created by this run: there was none` : r.secretsFile,
    ...(r.cluster.logSync.enabled ? { logSyncAgent: findLogSyncAgent() } : {}),
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
    },
  };
}

/** A machine-readable log of a run (JSON lines, no secrets), next to the cluster file. */
export function journal(file: string, command: string): { path: string; write: (e: object) => void } {
  const dir = join(dirname(file), ".oar-ha");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${command}-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`);
  return {
    path,
    write: (e) =>
      appendFileSync(path, JSON.stringify({ time: new Date().toISOString(), ...e }) + "\n", { mode: 0o600 }),
  };
}

export { formatIssue };
