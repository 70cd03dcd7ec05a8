import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { OarHaError, formatIssue, hasErrors, type Cluster, type Secrets } from "@oar-ha/core";
import { allHosts, connectAll, type ApplyEvent, type Transport } from "@oar-ha/remote";
import { renderCluster, type RenderResult } from "../render-cluster.js";
import { loadAll } from "./load.js";
import { printIssues } from "./output.js";

export interface Session extends RenderResult {
  readonly cluster: Cluster;
  readonly secrets: Secrets;
  readonly transports: Map<string, Transport>;
  readonly file: string;
  close(): Promise<void>;
}

/** Cluster + secrets + rendered files + a transport to every host (strict host keys). */
export async function openSession(file: string, secretsFile: string | undefined, trustNewHosts: boolean): Promise<Session> {
  const r = await loadAll(file, secretsFile, true);
  if (!r.cluster || !r.secrets || hasErrors(r.issues)) {
    printIssues(r.issues);
    throw new OarHaError("OARHA102", `${file} is invalid: nothing was changed`, r.issues);
  }
  const rendered = renderCluster(r.cluster, r.secrets);
  const transports = await connectAll(r.cluster, allHosts(r.cluster), {
    trustOnFirstUse: trustNewHosts,
    onNewHostKey: (h, line) => process.stderr.write(`trusted new host key for ${h}: ${line.split(" ").slice(1, 2).join("")} (recorded in known_hosts)\n`),
  });
  return {
    ...rendered,
    cluster: r.cluster,
    secrets: r.secrets,
    transports,
    file,
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
  return { path, write: (e) => appendFileSync(path, JSON.stringify({ time: new Date().toISOString(), ...e }) + "\n", { mode: 0o600 }) };
}

export function progress(e: ApplyEvent): void {
  if (e.type === "phase") process.stderr.write(`== ${e.title}\n`);
  else if (e.status !== "unchanged") process.stderr.write(`  ${e.status === "failed" ? "FAILED" : e.status.padEnd(12)} ${e.host ? `${e.host}: ` : ""}${e.title} (${(e.ms / 1000).toFixed(1)} s)${e.error ? `\n    ${e.error}` : ""}\n`);
}

export { formatIssue };
