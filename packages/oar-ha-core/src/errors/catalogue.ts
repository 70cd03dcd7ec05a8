/*
 * The error catalogue. Codes are permanent: once published, a code keeps its meaning
 * forever (docs and users' scripts point at them). Add new codes at the end of their range;
 * never renumber. Ranges: 1xx input files and hosts, 2xx network, 3xx topology, 4xx storage,
 * 5xx cluster manager, 6xx fencing/quorum, 7xx database/OAR, 8xx secrets, 9xx command line,
 * drills, benchmarks and the lab. Each code has one exit code, that of its area.
 */

/** The program's exit codes: one source for the CLI, its help and the catalogue. */
export const EXIT = { ok: 0, invalid: 1, usage: 2, io: 3, refused: 4, degraded: 5, unhealthy: 6 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CatalogueEntry {
  readonly code: string;
  readonly title: string;
  /** The exit code of a run that stops on this error. */
  readonly exit: ExitCode;
}

function entry<C extends `OARHA${number}`>(
  code: C,
  title: string,
  exit: ExitCode = EXIT.invalid,
): CatalogueEntry & { readonly code: C } {
  return { code, title, exit };
}

export const catalogue = {
  YamlSyntax: entry("OARHA101", "The cluster file is not valid YAML"),
  SchemaInvalid: entry("OARHA102", "A field of the cluster file has a wrong value or type"),
  FileUnreadable: entry("OARHA103", "A local file could not be read or written", EXIT.io),
  UnknownField: entry("OARHA104", "The cluster file has a field oar-ha does not know"),
  MissingField: entry("OARHA105", "A required field is missing"),
  HostUnreachable: entry("OARHA110", "A host does not answer over SSH (or refused the login or its host key)", EXIT.io),
  HostCommandFailed: entry("OARHA111", "A command on a host failed; the message has its output", EXIT.io),
  HostLacks: entry(
    "OARHA112",
    "A host lacks a file or key that oar-ha needs there (a package not installed, a key not made)",
    EXIT.io,
  ),
  PreflightProblems: entry(
    "OARHA113",
    "apply's preflight found the hosts not as the cluster file needs them (a device in use, no room, a tool missing): nothing was changed",
    EXIT.refused,
  ),

  AddressInvalid: entry("OARHA201", "Not an IPv4 address"),
  VipCidrInvalid: entry("OARHA202", "A VIP is not an address/prefix"),
  VipOutsideSubnet: entry("OARHA203", "A VIP is outside the servers' subnet"),
  VipIsHostAddress: entry("OARHA204", "A VIP equals a host's own address"),
  DuplicateAddress: entry("OARHA205", "Two hosts or VIPs share an address"),
  DuplicateName: entry("OARHA206", "Two hosts or VIPs share a name"),
  DuplicatePort: entry("OARHA207", "Two services share a port"),
  VipIsNetworkOrBroadcast: entry("OARHA208", "A VIP is the network or broadcast address of its subnet"),
  SecondaryLinkSameSubnet: entry("OARHA209", "The secondary link is on the main network"),

  NodeCount: entry("OARHA301", "Wrong number of servers for the topology"),
  RolesTopology: entry("OARHA302", "Server roles do not match the topology"),
  VipsTopology: entry("OARHA303", "VIPs do not match the topology"),
  WitnessCount: entry("OARHA304", "More than one quorum witness"),
  NoSecondaryLink: entry("OARHA305", "Only one cluster link"),
  EvenSplitNoWitness: entry("OARHA306", "Four servers without a quorum witness"),
  TwoNodeNoWitness: entry("OARHA307", "Two Pacemaker servers without a quorum witness"),

  ProtocolNotC: entry("OARHA401", "DRBD protocol A/B can lose committed data"),
  BindMountNeedsShared: entry("OARHA402", "fstype none needs shared storage"),
  LoopFileOnMount: entry("OARHA403", "The loop file lies on the replicated mount"),
  MountPointUnsafe: entry("OARHA404", "The mount point is a system directory"),
  DrbdNotReady: entry("OARHA405", "DRBD or the cluster is not in a state where the command may act", EXIT.refused),
  ToolMissing: entry("OARHA406", "A tool the command needs is not installed on a server", EXIT.refused),
  DrbdDidNotSettle: entry(
    "OARHA407",
    "DRBD did not reach the state the command waits for in time (connected, in sync, verified)",
    EXIT.unhealthy,
  ),

  CorosyncConsensus: entry("OARHA501", "corosync consensus is shorter than 1.2 x token"),
  TwoNodeWithFour: entry("OARHA502", "two_node set with more than two servers"),
  HeartbeatTiming: entry("OARHA503", "Heartbeat timing rules broken"),
  HeartbeatNoMonitoring: entry(
    "OARHA504",
    "Heartbeat haresources mode does not monitor services, and oar-ha's service monitor is turned off",
  ),
  ManagerFieldIgnored: entry("OARHA505", "Settings for the other cluster manager are ignored"),
  ManagerRefused: entry(
    "OARHA506",
    "The cluster is not in a state where the command may act (maintenance on, not healthy, a server not a member, nowhere to move the services)",
    EXIT.refused,
  ),
  ManagerLacks: entry(
    "OARHA507",
    "The cluster manager has no such operation (Heartbeat 3: no unstandby; no maintenance mode nor failure history when oar-ha's service monitor is off)",
    EXIT.refused,
  ),
  HeartbeatMonitorWindow: entry("OARHA508", "The Heartbeat service monitor's window is too short for its restarts"),
  ClusterDidNotSettle: entry(
    "OARHA509",
    "The cluster did not become healthy in time after the command acted (members, quorum, services where they should run)",
    EXIT.unhealthy,
  ),

  FencingNone: entry("OARHA601", "No fencing without an explicit risk flag"),
  FencingCoverage: entry("OARHA602", "Fencing does not cover every server"),
  FencingUnsupported: entry("OARHA603", "This fencing kind does not work with this cluster manager"),
  WitnessWithHeartbeat: entry("OARHA604", "A quorum witness needs Pacemaker/Corosync"),

  DbDurability: entry("OARHA701", "A database durability setting is weakened"),
  OarVersionEngine: entry("OARHA702", "OAR 3 needs PostgreSQL"),
  OarDetach: entry("OARHA703", "Running jobs will not survive a failover"),
  OarReservedKey: entry("OARHA704", "oar.settings sets a key oar-ha manages"),
  DbUsersEqual: entry("OARHA705", "The read-only DB user equals the DB user"),

  KerberosRealmCase: entry("OARHA710", "The Kerberos realm is not in upper case"),
  KerberosKeySource: entry("OARHA711", "Kerberos needs exactly one key source: a keytab or an admin principal"),
  KerberosServiceVip: entry("OARHA712", "A Kerberos service names a VIP the topology does not have"),
  KerberosPostgres: entry("OARHA713", "A postgres principal needs PostgreSQL"),
  KerberosDuplicate: entry("OARHA714", "A Kerberos service is listed twice"),

  SecretsInvalid: entry("OARHA801", "The secrets file is invalid"),
  SecretWeak: entry("OARHA802", "A secret is too short or too long"),
  SecretMissing: entry("OARHA803", "A secret is missing"),
  SecretsExposed: entry("OARHA804", "The secrets file can be read by other users"),

  CliUsage: entry("OARHA901", "Wrong command-line usage", EXIT.usage),
  OutputExists: entry("OARHA902", "The output would overwrite files", EXIT.refused),
  DrillCannotRun: entry(
    "OARHA910",
    "A drill could not set up or inject its fault (no frontend, the workload fails on a healthy cluster, an injection failed)",
  ),
  BenchFailed: entry("OARHA911", "A benchmark step failed on a host"),
  LabCannotRun: entry(
    "OARHA920",
    "The lab cannot run here (not root, no namespaces or taps, a subnet taken, packages missing, another lab running)",
    EXIT.refused,
  ),
  LabHostFailed: entry("OARHA921", "A lab host or VM did not start, does not run, or refused a fault", EXIT.io),
  LabMissing: entry("OARHA922", "No lab under this root", EXIT.io),
} as const satisfies Record<string, CatalogueEntry>;

export type CatalogueKey = keyof typeof catalogue;
/** Every code of the catalogue: what OarHaError accepts. */
export type ErrorCode = (typeof catalogue)[CatalogueKey]["code"];

/** The exit code of a run that stopped on this code (unknown codes: invalid input). */
export function exitOf(code: string): ExitCode {
  return Object.values(catalogue).find((e) => e.code === code)?.exit ?? EXIT.invalid;
}
