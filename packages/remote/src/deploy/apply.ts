import {
  dbServers,
  hostsWithRole,
  witness,
  type Cluster,
  type RenderedFile,
  type Secrets,
  type ServicePolicy,
} from "@oar-ha/core";
import { gatherFacts } from "../facts.js";
import { planFiles, type FileChange } from "../plan.js";
import { runPhases, type ApplyEvent, type Phase, type RunResult } from "../executor.js";
import type { Transport } from "../transport.js";
import { allHosts, packagesFor, type DeployContext } from "./context.js";
import { oarNodeServiceStep, oarNodesStep } from "./oar-nodes.js";
import { failOnProblems, preflight } from "./preflight.js";
import { clusterRunning, managerState } from "./manager-state.js";
import { restartStep } from "./restart.js";
import { qdeviceCertStep, qnetdStep } from "./witness.js";
import { logSyncAgentStep, logSyncRunStep, logSyncTrustStep } from "./log-sync.js";
import { logSyncPair } from "@oar-ha/log-sync";
import { sshServers } from "@oar-ha/kerberos-config";
import { kdcExtractStep } from "./kerberos-admin.js";
import {
  kerberosFrontends,
  kerberosProblems,
  keytabSteps,
  sshdReloadStep,
  vipHostKeyStep,
  vipKnownHostsStep,
} from "./kerberos.js";
import { drbdBackingStep, drbdInitialSyncStep, drbdMetadataStep, drbdPreflight, drbdUpStep } from "./drbd.js";
import {
  bootPolicyStep,
  cibStep,
  dbBootstrapStep,
  failuresClearedStep,
  heartbeatStartStep,
  fileStep,
  oarKeysStep,
  packageStep,
  pacemakerStartStep,
  waitHealthy,
} from "./steps.js";

export interface DeployInput {
  readonly cluster: Cluster;
  readonly secrets: Secrets;
  readonly files: readonly RenderedFile[];
  readonly services: readonly ServicePolicy[];
  readonly transports: ReadonlyMap<string, Transport>;
  readonly log?: (message: string) => void;
  /** Where the secrets came from (a path), named in messages. */
  readonly secretsFile?: string;
  /** The log-sync agent program to install (the CLI finds it next to itself). */
  readonly logSyncAgent?: Uint8Array;
  /** The keytab file kerberos.keytab names (or, with adminPrincipal, the one extracted before), read by the CLI. */
  readonly kerberosKeytab?: Uint8Array;
  /** adminPrincipal: where the CLI keeps what oar-ha extracts. */
  readonly saveKerberosKeytab?: (bytes: Uint8Array) => void;
}

async function context(i: DeployInput): Promise<DeployContext> {
  const hosts = allHosts(i.cluster);
  const facts = new Map(
    await Promise.all(
      hosts.map(async (h) => {
        const t = i.transports.get(h)!;
        const paths = i.files.filter((f) => f.host === h).map((f) => f.path);
        return [h, await gatherFacts(t, paths, packagesFor(i.cluster, h))] as const;
      }),
    ),
  );
  const ctx: DeployContext = {
    cluster: i.cluster,
    secrets: i.secrets,
    files: i.files,
    services: i.services,
    t: i.transports,
    facts,
    clusterRunning: false,
    log: i.log ?? (() => undefined),
    ...(i.secretsFile ? { secretsFile: i.secretsFile } : {}),
    ...(i.logSyncAgent ? { logSyncAgent: i.logSyncAgent } : {}),
    ...(i.kerberosKeytab ? { kerberosKeytab: i.kerberosKeytab } : {}),
    ...(i.saveKerberosKeytab ? { saveKerberosKeytab: i.saveKerberosKeytab } : {}),
  };
  return ctx;
}

/** What would change, per host: the file diffs (pure planner over fresh facts). */
export async function planDeploy(i: DeployInput): Promise<FileChange[]> {
  const ctx = await context(i);
  return planFiles(i.files, ctx.facts);
}

/** DRBD under the database: backing store, metadata, resource up on both DB servers, initial sync. */
function drbdPhases(ctx: DeployContext): Phase[] {
  const db = dbServers(ctx.cluster).map((n) => n.name);
  return [
    { title: "DRBD backing store", parallel: true, steps: db.map((h) => drbdBackingStep(ctx, h)) },
    { title: "DRBD metadata", parallel: true, steps: db.map((h) => drbdMetadataStep(ctx, h)) },
    { title: "DRBD resource up", parallel: true, steps: db.map((h) => drbdUpStep(ctx, h)) },
    { title: "DRBD initial sync", parallel: false, steps: [drbdInitialSyncStep(ctx)] },
  ];
}

/** The phases of a deploy, in order. Each step checks before it acts: a re-run does only what is missing. */
export function deployPhases(ctx: DeployContext): Phase[] {
  const c = ctx.cluster;
  const hosts = allHosts(c);
  const phases: Phase[] = [
    { title: "packages", parallel: true, steps: hosts.map((h) => packageStep(ctx, h)) },
    // kerberos.adminPrincipal: the VIP principals from the KDC, once (kadmin comes with the packages).
    ...(c.kerberos?.adminPrincipal
      ? [{ title: "Kerberos: the VIP principals from the KDC", parallel: false, steps: [kdcExtractStep(ctx)] }]
      : []),
    {
      title: "configuration files",
      parallel: true,
      steps: ctx.files.filter((f) => !f.after?.length).map((f) => fileStep(ctx, f)),
    },
    // Files that include others, once those are in place (never an include of something missing).
    ...(ctx.files.some((f) => f.after?.length)
      ? [
          {
            title: "configuration files that include others",
            parallel: true,
            steps: ctx.files.filter((f) => f.after?.length).map((f) => fileStep(ctx, f)),
          },
        ]
      : []),
    // Before the services restart with their changed settings (PostgreSQL's krb_server_keyfile).
    ...(c.kerberos ? [{ title: "Kerberos keytabs", parallel: true, steps: keytabSteps(ctx) }] : []),
    {
      title: "no boot-time start outside the cluster manager",
      parallel: true,
      steps: ctx.services.map((s) => bootPolicyStep(ctx, s.host, s.service)),
    },
    { title: "oar SSH keys", parallel: false, steps: [oarKeysStep(ctx)] },
    ...(c.storage.kind === "drbd" ? drbdPhases(ctx) : []),
    { title: "OAR database", parallel: false, steps: [dbBootstrapStep(ctx)] },
  ];
  const w = witness(c);
  if (c.manager === "pacemaker" && w)
    phases.push({ title: "quorum witness", parallel: false, steps: [qnetdStep(ctx, w.name), qdeviceCertStep(ctx)] });
  if (c.manager === "pacemaker") {
    phases.push(
      { title: "cluster manager", parallel: true, steps: c.nodes.map((n) => pacemakerStartStep(ctx, n.name)) },
      { title: "cluster configuration", parallel: false, steps: [cibStep(ctx)] },
    );
  } else {
    phases.push({
      title: "cluster manager",
      parallel: true,
      steps: c.nodes.map((n) => heartbeatStartStep(ctx, n.name)),
    });
  }
  phases.push({
    title: "services whose configuration changed",
    parallel: false,
    steps: [
      restartStep(ctx, "db"),
      restartStep(ctx, "oar-server"),
      ...(c.manager === "pacemaker" ? [failuresClearedStep(ctx)] : []),
    ],
  });
  const pair = logSyncPair(c).map((n) => n.name);
  if (pair.length) {
    phases.push(
      { title: "log-sync agent program", parallel: true, steps: pair.map((h) => logSyncAgentStep(ctx, h)) },
      { title: "log-sync keys", parallel: false, steps: [logSyncTrustStep(ctx)] },
      { title: "log-sync agents", parallel: true, steps: pair.map((h) => logSyncRunStep(ctx, h)) },
    );
  }
  if (c.kerberos) {
    const ssh = sshServers(c);
    if (ssh.length) {
      phases.push(
        { title: "Kerberos: the VIP's host key", parallel: false, steps: [vipHostKeyStep(ctx)] },
        { title: "Kerberos: sshd", parallel: true, steps: ssh.map((h) => sshdReloadStep(ctx, h)) },
        {
          title: "Kerberos: the VIP in the frontends' known_hosts",
          parallel: true,
          steps: kerberosFrontends(c).map((h) => vipKnownHostsStep(ctx, h)),
        },
      );
    }
  }
  return phases;
}

export interface DeployResult extends RunResult {
  readonly seconds: number;
}

/**
 * Apply: facts, preflight (stops before any change), then the phases, then waits until the
 * cluster is healthy and OAR knows its nodes.
 */
export async function applyDeploy(
  i: DeployInput,
  o: { dryRun?: boolean; emit?: (e: ApplyEvent) => void } = {},
): Promise<DeployResult> {
  const t0 = Date.now();
  const ctx = await context(i);
  const atStart = await managerState(ctx.cluster, ctx.t);
  ctx.clusterRunning = clusterRunning(atStart);
  failOnProblems([...(await preflight(ctx, atStart)), ...(await kerberosProblems(ctx)), ...(await drbdPreflight(ctx))]);
  const r1 = await runPhases(deployPhases(ctx), o);
  if (o.dryRun) return { ...r1, seconds: (Date.now() - t0) / 1000 };
  o.emit?.({ type: "phase", title: "waiting until every resource runs" });
  await waitHealthy(ctx);
  const r2 = await runPhases(
    [
      { title: "OAR nodes", parallel: false, steps: [oarNodesStep(ctx)] },
      {
        title: "oar-node services",
        parallel: true,
        steps: hostsWithRole(ctx.cluster, "compute").map((h) => oarNodeServiceStep(ctx, h.name)),
      },
    ],
    o,
  );
  return {
    changed: [...r1.changed, ...r2.changed],
    unchanged: [...r1.unchanged, ...r2.unchanged],
    seconds: (Date.now() - t0) / 1000,
  };
}
