import * as z from "zod";

/** What a host outside the HA pair may be (the cluster file's hosts[].roles). */
export const HOST_ROLES = ["frontend", "api", "compute", "witness"] as const;

/*
 * The cluster file, as the user writes it. Every field has a description (it becomes the
 * JSON Schema and the reference docs) and, where a safe one exists, a default.
 * Cross-field rules live in ../rules, not here: the schema says what a field may look like,
 * the rules say whether the whole cluster makes sense.
 */

const hostName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, "must be a host name as `uname -n` prints it (letters, digits, '-')")
  .describe("Host name, equal to `uname -n` on that host.");

const fqdn = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i,
    "must be a DNS name such as oar.example.org",
  );

const ifName = z
  .string()
  .regex(/^[a-zA-Z0-9_.:-]{1,15}$/, "must be a network interface name of at most 15 characters, such as eth0")
  .describe("Network interface name on the host.");

const absPath = z.string().regex(/^\/[^\0]*$/, "must be an absolute path");
const devicePath = z.string().regex(/^\/dev\/[^\0\s]+$/, "must be a block device path under /dev");
const size = z
  .string()
  .regex(/^[1-9][0-9]*[MGT]$/, "must be a size such as 512M, 20G or 1T")
  .describe("Size with a unit: M, G or T (binary units).");
const port = z.number().int().min(1).max(65535);

const ssh = z
  .strictObject({
    user: z.string().default("root").describe("Login user; a non-root user needs passwordless sudo."),
    port: port.default(22).describe("SSH port."),
    transport: z
      .enum(["ssh2", "openssh", "openssh-gssapi"])
      .optional()
      .describe(
        "ssh2 (built in), the system OpenSSH client (ssh_config, ProxyJump) or OpenSSH with Kerberos only (openssh-gssapi: your ticket, no key file); default: ssh.transport.",
      ),
    gssapiName: fqdn
      .optional()
      .describe(
        "openssh-gssapi: the name in the host's own principal host/<name>@REALM that ssh asks a ticket for (oar-ha connects to the address); default: the host's name.",
      ),
  })
  .describe("How oar-ha reaches the host.");

export const sshAccess = z
  .strictObject({
    knownHosts: z.string().default("~/.ssh/known_hosts").describe("known_hosts file checked strictly for every host."),
    identityFile: z.string().optional().describe("Private key; without it, the SSH agent."),
    jumpHost: z
      .string()
      .regex(/^([a-z_][a-z0-9_-]*@)?[a-z0-9.-]+(:[0-9]+)?$/i, "must be [user@]host[:port]")
      .optional()
      .describe("Bastion to go through, as [user@]host[:port]."),
    transport: z
      .enum(["ssh2", "openssh", "openssh-gssapi"])
      .default("ssh2")
      .describe(
        "Default transport for every host. openssh-gssapi logs in with the Kerberos ticket of the user running oar-ha (kinit first; the hosts' sshd must accept GSSAPI and root's .k5login list that principal).",
      ),
  })
  .describe("How oar-ha logs in to the hosts.");

const link = z.strictObject({
  address: z.string().describe("IPv4 address of the host on this link."),
  interface: ifName.default("eth0"),
});

export const serverNode = z
  .strictObject({
    name: hostName,
    address: z.string().describe("IPv4 address of the host on its main network (the network of the VIPs)."),
    interface: ifName.default("eth0").describe("Interface that carries the main address and the VIPs."),
    secondary: link
      .optional()
      .describe("A second, independent link (cluster traffic ring 1 and DRBD replication). Strongly advised."),
    roles: z
      .array(z.enum(["oar", "db"]))
      .min(1)
      .describe(
        "Services this server can run: `oar` (OAR server), `db` (database). Two-node: both; four-node: one each.",
      ),
    ssh: ssh.prefault({}),
  })
  .describe("An HA server managed by the cluster manager.");

export const otherHost = z
  .strictObject({
    name: hostName,
    address: z.string().describe("IPv4 address of the host."),
    roles: z
      .array(z.enum(HOST_ROLES))
      .min(1)
      .describe(
        "frontend: users submit jobs here; api: OAR REST API host; compute: OAR node; witness: runs corosync-qnetd as a quorum witness.",
      ),
    ssh: ssh.prefault({}),
  })
  .describe("A host outside the HA pair that oar-ha configures (frontends, API hosts, compute nodes, quorum witness).");

export const vip = z.strictObject({
  address: z.string().describe("Floating address with prefix length, e.g. 10.0.0.100/24."),
  hostname: fqdn.describe("DNS name of the floating address; clients and OAR use this name."),
});

const backing = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("partition"),
    device: devicePath.describe("Partition used as DRBD backing device, e.g. /dev/sdb1. Must be empty."),
  }),
  z.strictObject({
    kind: z.literal("lvm"),
    volumeGroup: z
      .string()
      .regex(/^[a-zA-Z0-9+_.-]+$/, "must be an LVM volume group name")
      .describe("Existing volume group."),
    name: z
      .string()
      .regex(/^[a-zA-Z0-9+_.-]+$/, "must be an LVM logical volume name")
      .default("oar-ha"),
    size: size,
  }),
  z.strictObject({
    kind: z.literal("loop"),
    file: absPath
      .default("/var/lib/oar-ha/drbd-backing.img")
      .describe("Image file, re-attached to a loop device at boot."),
    size: size,
  }),
]);

const mountShape = {
  mountPoint: absPath.default("/srv/oar-ha").describe("Where the active DB server mounts the database filesystem."),
  filesystem: z
    .enum(["ext4", "xfs", "none"])
    .default("ext4")
    .describe("Filesystem type; `none` is a bind mount of a directory (shared storage only, the lab)."),
};

const drbdStorage = z.strictObject({
  kind: z.literal("drbd"),
  ...mountShape,
  resource: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/i, "must be a DRBD resource name (letters, digits, '-', '_')")
    .default("oar-db"),
  device: devicePath.default("/dev/drbd0"),
  minor: z.number().int().min(0).max(255).default(0).describe("DRBD minor number (the N of /dev/drbdN)."),
  port: port.default(7788).describe("TCP port of the replication link."),
  protocol: z
    .enum(["A", "B", "C"])
    .default("C")
    .describe("Replication protocol. Only C loses nothing when a server dies."),
  acknowledgeDataLoss: z
    .boolean()
    .default(false)
    .describe("Must be true to use protocol A or B: committed transactions can be lost on failover."),
  version: z
    .enum(["8.4", "9"])
    .default("8.4")
    .describe("DRBD kernel module generation (Debian 12's kernel ships 8.4)."),
  batteryBackedCache: z
    .boolean()
    .default(false)
    .describe("Declare a battery-backed write cache: only then are disk flushes turned off."),
  backing,
});

const sharedStorage = z.strictObject({
  kind: z.literal("shared"),
  ...mountShape,
  device: z
    .string()
    .regex(/^\/[^\0\s]+$/, "must be an absolute path")
    .describe(
      "Block device visible on every DB server (a SAN LUN), or a directory for fstype `none` (bind mount, the lab).",
    ),
});

export const storage = z
  .discriminatedUnion("kind", [drbdStorage, sharedStorage])
  .describe("Where the database data lives: DRBD-replicated local disks, or shared storage.");

const ipmiDevice = z.strictObject({
  node: hostName.describe("Server this BMC powers off."),
  address: z.string().describe("BMC address."),
  user: z.string().min(1).describe("BMC user; its password goes in the secrets file under fencing.<node>."),
  lanplus: z.boolean().default(true),
});

export const fencing = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("ipmi"), devices: z.array(ipmiDevice).min(1) }),
    z.strictObject({
      kind: z.literal("sbd"),
      devices: z.array(devicePath).min(1).max(3).describe("Shared SBD disks (1 to 3)."),
      watchdog: devicePath.default("/dev/watchdog"),
    }),
    z.strictObject({
      kind: z.literal("lab"),
      hypervisor: z.string().describe("Address of the lab's fence host (fence_virsh over SSH)."),
      port: port.default(22).describe("SSH port of the lab's fence host."),
      user: z.string().default("root"),
      identityFile: absPath.default("/etc/oar-ha/fence_lab_key"),
    }),
    z.strictObject({
      kind: z.literal("none"),
      acceptRisk: z
        .boolean()
        .default(false)
        .describe("Must be true to run without fencing: a split brain can then corrupt the database."),
    }),
  ])
  .describe("How a failed server is powered off before its services start elsewhere.");

export const corosync = z
  .strictObject({
    token: z
      .number()
      .int()
      .min(500)
      .max(60000)
      .default(1000)
      .describe(
        "Token timeout in ms: how long a silent server takes to be declared dead. 1000 on a dedicated LAN; raise to 3000 on busy or virtualised hosts that flap.",
      ),
    consensus: z.number().int().optional().describe("Consensus timeout in ms; default 1.2 x token."),
    twoNode: z.boolean().optional().describe("votequorum two_node; default: true with two servers and no witness."),
  })
  .describe("Corosync timing (Pacemaker manager only).");

export const pacemaker = z
  .strictObject({
    resourceStickiness: z.number().int().min(0).default(1),
    migrationThreshold: z.number().int().min(1).max(100).default(3),
    failureTimeout: z
      .string()
      .regex(/^[0-9]+(s|min|h)$/)
      .default("10min"),
    monitor: z
      .strictObject({
        vip: z.number().int().min(1).default(5),
        filesystem: z.number().int().min(1).default(20),
        database: z.number().int().min(1).default(3),
        oarServer: z.number().int().min(1).default(3),
      })
      .prefault({})
      .describe("Monitor intervals in seconds."),
    monitorTimeout: z
      .number()
      .int()
      .min(10)
      .max(600)
      .optional()
      .describe(
        "Timeout (s) of every monitor; by default each agent's own (20-60 s). Raise it on slow or emulated servers, where a monitor that times out makes Pacemaker restart a healthy service.",
      ),
    dcDeadtime: z
      .string()
      .regex(/^[0-9]+s$/)
      .default("20s"),
    fenceDelay: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe("Two servers: pcmk_delay_max and priority-fencing-delay (s)."),
  })
  .describe("Pacemaker policy (Pacemaker manager only).");

export const heartbeat = z
  .strictObject({
    keepalive: z.number().positive().default(1),
    warntime: z.number().positive().default(5),
    deadtime: z.number().positive().default(15),
    initdead: z.number().positive().default(60),
    udpport: port.default(694),
    autoFailback: z.boolean().default(false),
    fenceDelay: z
      .number()
      .int()
      .min(0)
      .max(120)
      .default(10)
      .describe(
        "Two servers: in a partition, the server that holds no resources waits this many seconds before it fences its peer, so the one running the services survives (Pacemaker's priority-fencing-delay).",
      ),
    monitor: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Run oar-ha's service monitor on the servers (Heartbeat's haresources mode watches servers, not services). Off: a crashed database or OAR server stays down until an admin acts.",
          ),
        interval: z
          .number()
          .int()
          .min(1)
          .max(300)
          .default(5)
          .describe("Seconds between two checks of the services on the server that holds the group."),
        timeout: z
          .number()
          .int()
          .min(2)
          .max(600)
          .default(20)
          .describe(
            "Seconds a check may take: a database or OAR server that does not answer within it has failed (a hung server, not only a dead one).",
          ),
        maxRestarts: z
          .number()
          .int()
          .min(0)
          .max(20)
          .default(2)
          .describe(
            "Restarts in place within `window`; the next failure hands the whole group to the peer (the default, 2, moves on the third failure, as Pacemaker's migration-threshold 3).",
          ),
        window: z
          .number()
          .int()
          .min(60)
          .max(86400)
          .default(600)
          .describe("Seconds over which failures are counted (Pacemaker's failure-timeout: 10 min)."),
      })
      .prefault({})
      .describe(
        "oar-ha's service monitor for Heartbeat: restarts a failed database or OAR server in place, then moves the group.",
      ),
  })
  .describe("Heartbeat 3 timing in seconds, and oar-ha's service monitor (Heartbeat manager only).");

export const database = z
  .strictObject({
    engine: z.enum(["postgresql", "mysql", "mariadb"]).describe("Database engine of the OAR database."),
    name: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
      .default("oar"),
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,31}$/)
      .default("oar"),
    readOnlyUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,31}$/)
      .default("oar_ro"),
    port: port.optional().describe("Default 5432 (PostgreSQL) or 3306 (MySQL/MariaDB)."),
    version: z
      .string()
      .regex(/^[0-9]+(\.[0-9]+)?$/)
      .optional()
      .describe("PostgreSQL major version; default 15 (Debian 12)."),
    settings: z
      .record(z.string().regex(/^[a-z_][a-z0-9_.-]*$/), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe("Extra server settings. Durability settings cannot be weakened."),
  })
  .describe("The OAR database.");

export const oar = z
  .strictObject({
    version: z.enum(["2.5", "3"]).default("2.5"),
    serverPort: port.default(6666),
    logFile: absPath.default("/var/log/oar.log"),
    logLevel: z.number().int().min(0).max(3).default(2),
    detachJobFromServer: z.boolean().default(true).describe("Running jobs survive a failover only when true."),
    settings: z
      .record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, "must be an oar.conf key in upper case"), z.string())
      .default({})
      .describe("Extra oar.conf keys for every host."),
    unset: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, "must be an oar.conf key in upper case"))
      .default([])
      .describe(
        "oar.conf keys to comment out on every host (e.g. JOB_RESOURCE_MANAGER_PROPERTY_DB_FIELD to run without cpusets/cgroups).",
      ),
  })
  .describe("OAR settings.");

export const logSync = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Each OAR server ships its oar.log to the other, where `oar-ha logs` merges both (needs nodejs on the OAR servers; apply installs it).",
      ),
    replicaMaxMiB: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(64)
      .describe("The replica of the peer's log is rotated by its receiver at this size."),
    replicaKeep: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe("Rotated replicas kept (uncompressed) next to the replica."),
  })
  .describe("log-sync: one continuous oar.log across the two OAR servers (two OAR servers only).");

export const kerberos = z
  .strictObject({
    realm: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/, "must be a Kerberos realm such as EXAMPLE.ORG")
      .describe("Kerberos realm (by convention the DNS domain in upper case)."),
    kdc: z.array(fqdn).min(1).describe("KDC host names, in the order clients try them."),
    adminServer: fqdn.optional().describe("kadmind host; default: the first KDC."),
    services: z
      .array(
        z.strictObject({
          service: z
            .enum(["host", "HTTP", "postgres"])
            .describe("host: ssh -K to the VIP name; HTTP: the OAR API behind Apache; postgres: PostgreSQL gss auth."),
          vip: z
            .enum(["oar", "db"])
            .describe(
              "Whose VIP name the principal is for (db: the DB VIP; in a two-node cluster the OAR VIP carries both).",
            ),
        }),
      )
      .min(1)
      .describe("Principals service/<VIP name>@REALM that both servers of the pair hold."),
    keytab: absPath
      .optional()
      .describe(
        "A keytab the admin exported once on this machine, holding those principals; oar-ha installs its entries on both servers and never re-keys.",
      ),
    adminPrincipal: z
      .string()
      .regex(
        /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?(@[A-Za-z0-9.-]+)?$/,
        "must be a principal such as admin/admin@EXAMPLE.ORG",
      )
      .optional()
      .describe(
        "Instead of a keytab: oar-ha extracts the principals itself once (its password goes in the secrets file under kerberos.adminPassword).",
      ),
    reverseDns: z
      .boolean()
      .default(false)
      .describe(
        "The VIP names have reverse DNS; when false, krb5.conf sets rdns = false and dns_canonicalize_hostname = false.",
      ),
  })
  .describe("Kerberos around the cluster: VIP principals on both servers, GSSAPI for ssh, the API and PostgreSQL.");

export const clusterSchema = z
  .strictObject({
    cluster: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/, "must start with a letter: lower-case letters, digits, '-' (at most 32)")
      .describe("Cluster name (corosync cluster_name)."),
    topology: z
      .enum(["two-node", "four-node"])
      .describe("two-node: OAR server and DB on each server; four-node: an OAR pair and a DB pair."),
    manager: z.enum(["pacemaker", "heartbeat"]).default("pacemaker").describe("Cluster manager."),
    database,
    nodes: z.array(serverNode).min(1).describe("The HA servers."),
    hosts: z.array(otherHost).default([]).describe("Other hosts oar-ha configures."),
    ssh: sshAccess.prefault({}),
    vips: z
      .strictObject({
        oar: vip.describe("VIP of the OAR server group (and of the DB in two-node topology)."),
        db: vip.optional().describe("VIP of the DB group (four-node topology only)."),
      })
      .describe("Floating addresses."),
    storage,
    fencing,
    corosync: corosync.prefault({}),
    pacemaker: pacemaker.prefault({}),
    heartbeat: heartbeat.prefault({}),
    oar: oar.prefault({}),
    logSync: logSync.prefault({}),
    kerberos: kerberos.optional(),
  })
  .describe("An oar-ha cluster file.");

/** The cluster file as written (defaults optional). */
export type ClusterInput = z.input<typeof clusterSchema>;
/** The cluster with every default applied. */
export type Cluster = z.output<typeof clusterSchema>;
export type ServerNode = Cluster["nodes"][number];
export type OtherHost = Cluster["hosts"][number];
export type Vip = z.output<typeof vip>;
export type Storage = Cluster["storage"];
export type DrbdStorage = Extract<Storage, { kind: "drbd" }>;
export type Fencing = Cluster["fencing"];
export type Kerberos = NonNullable<Cluster["kerberos"]>;
export type LogSync = Cluster["logSync"];
