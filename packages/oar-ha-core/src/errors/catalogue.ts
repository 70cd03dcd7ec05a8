/*
 * The error catalogue. Codes are permanent: once published, a code keeps its meaning
 * forever (docs and users' scripts point at them). Add new codes at the end of their range;
 * never renumber. Ranges: 1xx input files, 2xx network, 3xx topology, 4xx storage,
 * 5xx cluster manager, 6xx fencing/quorum, 7xx database/OAR, 8xx secrets, 9xx CLI.
 */
export interface CatalogueEntry {
  readonly code: string;
  readonly title: string;
}

function entry(code: string, title: string): CatalogueEntry {
  return { code, title };
}

export const catalogue = {
  YamlSyntax: entry("OARHA101", "The cluster file is not valid YAML"),
  SchemaInvalid: entry("OARHA102", "A field of the cluster file has a wrong value or type"),
  FileUnreadable: entry("OARHA103", "A file could not be read"),
  UnknownField: entry("OARHA104", "The cluster file has a field oar-ha does not know"),
  MissingField: entry("OARHA105", "A required field is missing"),

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
  DrbdNotReady: entry("OARHA405", "DRBD or the cluster is not in a state where the command may act"),
  ToolMissing: entry("OARHA406", "A tool the command needs is not installed on a server"),

  CorosyncConsensus: entry("OARHA501", "corosync consensus is shorter than 1.2 x token"),
  TwoNodeWithFour: entry("OARHA502", "two_node set with more than two servers"),
  HeartbeatTiming: entry("OARHA503", "Heartbeat timing rules broken"),
  HeartbeatNoMonitoring: entry("OARHA504", "Heartbeat haresources mode does not monitor services, and oar-ha's service monitor is turned off"),
  ManagerFieldIgnored: entry("OARHA505", "Settings for the other cluster manager are ignored"),
  ManagerRefused: entry("OARHA506", "The cluster is not in a state where the command may act (maintenance on, a server not a member, nowhere to move the services)"),
  ManagerLacks: entry("OARHA507", "The cluster manager has no such operation (Heartbeat 3: no unstandby; no maintenance mode nor failure history when oar-ha's service monitor is off)"),
  HeartbeatMonitorWindow: entry("OARHA508", "The Heartbeat service monitor's window is too short for its restarts"),

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

  CliUsage: entry("OARHA901", "Wrong command-line usage"),
  OutputExists: entry("OARHA902", "The output would overwrite files"),
} as const satisfies Record<string, CatalogueEntry>;

export type CatalogueKey = keyof typeof catalogue;
