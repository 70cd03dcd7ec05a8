import { logSyncPair } from "@oar-ha/log-sync";
import { kerberosServers, principalsFor } from "@oar-ha/kerberos-config";
import {
  dbServers,
  hostsWithRole,
  oarServers,
  pgVersion,
  type Cluster,
  type RenderedFile,
  type Secrets,
  type ServicePolicy,
} from "@oar-ha/core";
import type { HostFacts } from "../facts.js";
import type { Transport } from "../transport.js";

export interface DeployContext {
  readonly cluster: Cluster;
  readonly secrets: Secrets;
  readonly files: readonly RenderedFile[];
  readonly services: readonly ServicePolicy[];
  readonly t: ReadonlyMap<string, Transport>;
  facts: Map<string, HostFacts>;
  /** The cluster already ran when apply started (a re-run): changed service files need restarts. */
  clusterRunning: boolean;
  readonly log: (message: string) => void;
  /** Where the secrets came from (a path), for messages only. */
  readonly secretsFile?: string;
  /** The log-sync agent program (one JS file) to install on the OAR servers; absent: log-sync cannot be installed. */
  readonly logSyncAgent?: Uint8Array;
  /**
   * The VIP principals' keys on this machine: the keytab kerberos.keytab names, or (with
   * kerberos.adminPrincipal) the one oar-ha extracted before; set by the extraction step.
   */
  kerberosKeytab?: Uint8Array;
  /** kerberos.adminPrincipal: keeps what oar-ha extracted (0600, on this machine), so it never asks the KDC twice. */
  readonly saveKerberosKeytab?: (bytes: Uint8Array) => void;
}

export const BACKUP_DIR = "/var/lib/oar-ha/backup";
export const MANAGED_LIST = "/var/lib/oar-ha/managed";
export const STATE_DIR = "/var/lib/oar-ha/state";

export function tr(ctx: DeployContext, host: string): Transport {
  const t = ctx.t.get(host);
  if (!t) throw new Error(`no connection to ${host}`);
  return t;
}

/** Every host oar-ha touches: servers, then the other hosts (frontends, nodes, the quorum witness). */
export const allHosts = (c: Cluster): string[] => [...c.nodes.map((n) => n.name), ...c.hosts.map((h) => h.name)];

/** The Debian packages each host needs, from its roles. */
export function packagesFor(c: Cluster, host: string): string[] {
  const pg = c.database.engine === "postgresql";
  const out = new Set<string>();
  const isServer = c.nodes.some((n) => n.name === host);
  if (isServer) {
    if (c.manager === "pacemaker") {
      ["corosync", "pacemaker", "pacemaker-cli-utils", "crmsh", "resource-agents", "fence-agents", "kmod"].forEach(
        (p) => out.add(p),
      );
      if (hostsWithRole(c, "witness").length) out.add("corosync-qdevice");
    } else ["heartbeat", "cluster-glue", "resource-agents", "kmod"].forEach((p) => out.add(p));
    if (c.storage.kind === "drbd") out.add("drbd-utils");
    if (c.storage.kind === "drbd" && c.storage.backing.kind === "lvm" && dbServers(c).some((n) => n.name === host))
      out.add("lvm2");
    if (c.fencing.kind === "sbd") out.add("sbd");
  }
  if (dbServers(c).some((n) => n.name === host)) out.add(pg ? "postgresql" : "mariadb-server");
  // The DB client too: OAR's own oar-database calls it, and apply checks OAR's accounts with it from here.
  // OAR's user tools (oarnodes, oarstat): apply asks oarnodes which nodes OAR knows, and an admin
  // on the server expects them (without them that check failed on every re-apply: found on the VM lab).
  if (oarServers(c).some((n) => n.name === host))
    [
      "oar-server",
      pg ? "oar-server-pgsql" : "oar-server-mysql",
      pg ? `postgresql-client-${pgVersion(c)}` : "mariadb-client",
      "oar-user",
      pg ? "oar-user-pgsql" : "oar-user-mysql",
    ].forEach((p) => out.add(p));
  // The log-sync agent is a Node program (Debian 12's nodejs is 18: the agent is built for it).
  if (logSyncPair(c).some((n) => n.name === host)) ["nodejs", "openssh-client"].forEach((p) => out.add(p));
  const other = c.hosts.find((h) => h.name === host);
  if (other?.roles.includes("frontend") || other?.roles.includes("api"))
    ["oar-user", pg ? "oar-user-pgsql" : "oar-user-mysql"].forEach((p) => out.add(p));
  if (other?.roles.includes("compute")) out.add("oar-node");
  if (hostsWithRole(c, "witness").some((h) => h.name === host)) out.add("corosync-qnetd");
  // Kerberos: klist/kinit on the servers holding VIP principals and on the frontends (the clients).
  if (c.kerberos && (kerberosServers(c).includes(host) || other?.roles.includes("frontend"))) out.add("krb5-user");
  // The OAR API behind Apache with GSSAPI (the HTTP service): Apache and mod_auth_gssapi where HTTP/<VIP name> lives.
  if (c.kerberos && principalsFor(c, host).some((p) => p.service === "HTTP"))
    ["apache2", "libapache2-mod-auth-gssapi"].forEach((p) => out.add(p));
  return [...out].sort();
}
