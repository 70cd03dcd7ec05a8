import {
  OAR_SERVER_CTL,
  corosyncConsensus,
  dbDataDirectory,
  dbPort,
  dbServers,
  groupSuffix,
  oarServers,
  pgConfigDir,
  pgVersion,
  serviceGroups,
  splitCidr,
  witness,
  type Cluster,
  type Secrets,
  type ServiceGroup,
} from "@oar-ha/core";

/*
 * The CIB as a typed model. Both outputs (crm shell script and XML) are rendered from this
 * one model, so they cannot drift apart; every decision is made here, none in templates.
 */

export interface Op {
  readonly name: "start" | "stop" | "monitor" | "promote" | "demote" | "notify";
  readonly interval: string;
  readonly timeout: string;
  readonly role?: "Promoted" | "Unpromoted";
}

export interface Primitive {
  readonly id: string;
  readonly klass: "ocf" | "stonith";
  readonly provider?: string;
  readonly type: string;
  readonly params: readonly (readonly [string, string])[];
  readonly meta: readonly (readonly [string, string])[];
  readonly ops: readonly Op[];
  /** Holds a secret (fence device password): the CIB files are then 0600. */
  readonly sensitive?: boolean;
}

export interface Clone {
  readonly id: string;
  readonly primitive: Primitive;
  readonly meta: readonly (readonly [string, string])[];
}

export interface Group {
  readonly id: string;
  readonly members: readonly Primitive[];
  readonly meta: readonly (readonly [string, string])[];
}

export type Constraint =
  | { kind: "location"; id: string; rsc: string; node: string; score: string; discovery?: "never" }
  | { kind: "colocation"; id: string; rsc: string; withRsc: string; withRole?: "Promoted"; score: string }
  | {
      kind: "order";
      id: string;
      first: string;
      firstAction: string;
      then: string;
      thenAction: string;
      orderKind: "Mandatory" | "Optional";
    };

export interface CibModel {
  readonly properties: readonly (readonly [string, string])[];
  readonly rscDefaults: readonly (readonly [string, string])[];
  readonly opDefaults: readonly (readonly [string, string])[];
  readonly stonith: readonly Primitive[];
  readonly clones: readonly Clone[];
  readonly groups: readonly Group[];
  readonly constraints: readonly Constraint[];
}

const op = (name: Op["name"], interval: string, timeout: string, role?: Op["role"]): Op =>
  role ? { name, interval, timeout, role } : { name, interval, timeout };

/** A monitor's timeout: the cluster file's pacemaker.monitorTimeout when set, else the agent's own `seconds`. */
const monitorTimeout = (c: Cluster, seconds: number): string => `${c.pacemaker.monitorTimeout ?? seconds}s`;

/**
 * The OAR server's operation timeouts, in seconds: the CIB's ops and the agent's meta-data
 * both come from here. start is 120 s: OAR's init script first runs `oar-database --check`
 * (Perl, a DB connection) before Almighty starts, seconds on a real server but up to a
 * minute on a loaded or emulated one (measured on the lab's VMs: 60 s timed out); the
 * agent waits for Almighty until 10 s before this bound, so a slow start still succeeds.
 */
export const OAR_SERVER_TIMEOUTS = { start: 120, stop: 120, monitor: 20 } as const;

/** Resource ids: stable, short, readable in crm_mon. */

function dbPrimitive(c: Cluster): Primitive {
  const interval = `${c.pacemaker.monitor.database}s`;
  if (c.database.engine === "postgresql") {
    const v = pgVersion(c);
    return {
      id: "db",
      klass: "ocf",
      provider: "heartbeat",
      type: "pgsql",
      params: [
        ["pgctl", `/usr/lib/postgresql/${v}/bin/pg_ctl`],
        ["psql", `/usr/lib/postgresql/${v}/bin/psql`],
        ["pgdata", dbDataDirectory(c)],
        ["config", `${pgConfigDir(c)}/postgresql.conf`],
        ["socketdir", "/var/run/postgresql"],
        ["pgport", String(dbPort(c))],
        // The agent's default is /dev/null: PostgreSQL's own messages would be lost.
        ["logfile", `/var/log/postgresql/postgresql-${v}-main.log`],
      ],
      meta: [],
      ops: [op("start", "0s", "120s"), op("stop", "0s", "120s"), op("monitor", interval, monitorTimeout(c, 30))],
    };
  }
  return {
    id: "db",
    klass: "ocf",
    provider: "heartbeat",
    type: "mysql",
    // Monitor as root over the unix socket (socket auth): the stock agent would put a
    // monitor password on its command line, visible to every local user.
    params: [
      ["binary", "/usr/sbin/mysqld"],
      ["config", "/etc/mysql/my.cnf"],
      ["datadir", dbDataDirectory(c)],
      ["user", "mysql"],
      ["group", "mysql"],
      ["pid", "/run/mysqld/mysqld.pid"],
      ["socket", "/run/mysqld/mysqld.sock"],
      ["test_user", "root"],
    ],
    meta: [],
    ops: [op("start", "0s", "120s"), op("stop", "0s", "120s"), op("monitor", interval, monitorTimeout(c, 30))],
  };
}

function groupFor(c: Cluster, g: ServiceGroup): Group {
  const s = c.storage;
  const members: Primitive[] = [];
  const sfx = groupSuffix(g);
  if (g.runsDb) {
    const fsParams: [string, string][] = [
      ["device", s.device],
      ["directory", s.mountPoint],
      ["fstype", s.filesystem],
    ];
    if (s.filesystem === "none") fsParams.push(["options", "bind"]);
    members.push({
      id: `fs-${sfx}`,
      klass: "ocf",
      provider: "heartbeat",
      type: "Filesystem",
      params: fsParams,
      meta: [],
      ops: [
        op("start", "0s", "60s"),
        op("stop", "0s", "60s"),
        op("monitor", `${c.pacemaker.monitor.filesystem}s`, monitorTimeout(c, 40)),
      ],
    });
  }
  const { address, prefix } = splitCidr(g.vip.address);
  members.push({
    id: `vip-${sfx}`,
    klass: "ocf",
    provider: "heartbeat",
    type: "IPaddr2",
    params: [
      ["ip", address],
      ["cidr_netmask", String(prefix)],
      ["nic", g.nodes[0]?.interface ?? "eth0"],
    ],
    meta: [],
    ops: [
      op("start", "0s", "20s"),
      op("stop", "0s", "20s"),
      op("monitor", `${c.pacemaker.monitor.vip}s`, monitorTimeout(c, 20)),
    ],
  });
  if (g.runsDb) members.push(dbPrimitive(c));
  if (g.runsOar) {
    members.push({
      id: "oar-server",
      klass: "ocf",
      provider: "oar-ha",
      type: "oar-server",
      params: [["ctl", OAR_SERVER_CTL]],
      meta: [],
      ops: [
        op("start", "0s", `${OAR_SERVER_TIMEOUTS.start}s`),
        op("stop", "0s", `${OAR_SERVER_TIMEOUTS.stop}s`),
        op("monitor", `${c.pacemaker.monitor.oarServer}s`, monitorTimeout(c, OAR_SERVER_TIMEOUTS.monitor)),
      ],
    });
  }
  // priority: with priority-fencing-delay, the server running the group wins a fence race.
  return { id: `g-${sfx}`, members, meta: [["priority", "10"]] };
}

/**
 * Two servers without a witness: each side of a split has "quorum" (two_node), so both may
 * shoot; delays decide who wins. With a qnetd witness only the side holding its vote fences,
 * and the delays would only lengthen every failover.
 */
const fenceRace = (c: Cluster) => c.nodes.length === 2 && witness(c) === undefined;

function stonithDevices(c: Cluster, secrets: Secrets): Primitive[] {
  const f = c.fencing;
  const two = fenceRace(c);
  const delay: [string, string][] = two ? [["pcmk_delay_max", `${Math.ceil(c.pacemaker.fenceDelay / 2)}s`]] : [];
  const ops = [op("monitor", "60s", monitorTimeout(c, 20))];
  switch (f.kind) {
    case "none":
      return [];
    case "ipmi":
      return f.devices.map((d) => ({
        id: `fence-${d.node}`,
        klass: "stonith",
        type: "fence_ipmilan",
        params: [
          ["ip", d.address],
          ["username", d.user],
          ["password", secrets.fencing[d.node] ?? ""],
          ["lanplus", d.lanplus ? "1" : "0"],
          ["pcmk_host_list", d.node],
          ...delay,
        ],
        meta: [],
        ops,
        sensitive: true,
      }));
    case "sbd":
      return [
        {
          id: "fence-sbd",
          klass: "stonith",
          type: "fence_sbd",
          params: [["devices", f.devices.join(",")], ...delay],
          meta: [],
          ops,
        },
      ];
    case "lab":
      return [
        {
          id: "fence-lab",
          klass: "stonith",
          type: "fence_virsh",
          params: [
            ["ip", f.hypervisor],
            ["ipport", String(f.port)],
            ["username", f.user],
            ["identity_file", f.identityFile],
            ["pcmk_host_list", c.nodes.map((n) => n.name).join(" ")],
            ...delay,
          ],
          meta: [],
          // fence_virsh logs in to the hypervisor over SSH each time: on a loaded host (or the
          // lab's emulated VMs) that alone passed 20 s, and each timed-out monitor is an error.
          ops: [op("monitor", "60s", monitorTimeout(c, 60))],
        },
      ];
  }
}

export function cibModel(c: Cluster, secrets: Secrets): CibModel {
  const groups = serviceGroups(c).map((g) => ({ g, group: groupFor(c, g) }));
  const stonith = stonithDevices(c, secrets);
  const fencing = c.fencing.kind !== "none";
  const two = fenceRace(c);
  const token = c.corosync.token;
  const consensus = corosyncConsensus(c);
  // crmsh's rule for two servers: stonith-timeout >= 60 s + token + consensus.
  const stonithTimeout = Math.max(60, 60 + Math.ceil((token + consensus) / 1000) + (two ? c.pacemaker.fenceDelay : 0));

  const properties: [string, string][] = [
    ["stonith-enabled", fencing ? "true" : "false"],
    ["stonith-timeout", `${stonithTimeout}s`],
    ["no-quorum-policy", "stop"],
    // A failed start counts as one failure, not INFINITY: after a crash the survivor is often the
    // only server that may run the group (DRBD's peer is outdated), and one slow start there must
    // be retried, not leave the service down until a cleanup. It also keeps the group where it is
    // when the peer comes back: with a start failure's INFINITY fail count, the survivor's
    // promotion score drops to 1 and the group moves back as soon as the peer is unfenced (seen
    // after D04 on the lab's VMs; replayed in test/scheduler.test.ts). migration-threshold still
    // moves the group after repeated failures.
    ["start-failure-is-fatal", "false"],
    ["dc-deadtime", c.pacemaker.dcDeadtime],
    ["cluster-recheck-interval", "5min"],
  ];
  if (two && fencing) properties.push(["priority-fencing-delay", `${c.pacemaker.fenceDelay}s`]);

  const constraints: Constraint[] = [];
  const clones: Clone[] = [];
  const s = c.storage;
  const dbGroup = groups.find((x) => x.g.runsDb);
  if (s.kind === "drbd" && dbGroup) {
    const sfx = groupSuffix(dbGroup.g);
    const drbd: Primitive = {
      id: `drbd-${sfx}`,
      klass: "ocf",
      provider: "linbit",
      type: "drbd",
      params: [["drbd_resource", s.resource]],
      meta: [],
      ops: [
        op("monitor", "29s", monitorTimeout(c, 20), "Promoted"),
        op("monitor", "31s", monitorTimeout(c, 20), "Unpromoted"),
        op("start", "0s", "240s"),
        op("stop", "0s", "100s"),
        op("promote", "0s", "90s"),
        op("demote", "0s", "90s"),
        op("notify", "0s", "90s"),
      ],
    };
    const clone = `${drbd.id}-clone`;
    clones.push({
      id: clone,
      primitive: drbd,
      meta: [
        ["promotable", "true"],
        ["promoted-max", "1"],
        ["promoted-node-max", "1"],
        ["clone-max", "2"],
        ["clone-node-max", "1"],
        ["notify", "true"],
      ],
    });
    constraints.push(
      {
        kind: "colocation",
        id: `col-${dbGroup.group.id}-with-${clone}`,
        rsc: dbGroup.group.id,
        withRsc: clone,
        withRole: "Promoted",
        score: "INFINITY",
      },
      {
        kind: "order",
        id: `ord-${clone}-then-${dbGroup.group.id}`,
        first: clone,
        firstAction: "promote",
        then: dbGroup.group.id,
        thenAction: "start",
        orderKind: "Mandatory",
      },
    );
  }
  if (c.topology === "four-node") {
    const oarGroup = groups.find((x) => x.g.id === "oar");
    const dbOnly = dbServers(c);
    const oarOnly = oarServers(c);
    for (const { g, group } of groups) {
      const elsewhere = g.id === "db" ? oarOnly : dbOnly;
      // discovery=never: the other pair has neither the software nor the agent; never probe there.
      for (const n of elsewhere)
        constraints.push({
          kind: "location",
          id: `loc-${group.id}-not-${n.name}`,
          rsc: group.id,
          node: n.name,
          score: "-INFINITY",
          discovery: "never",
        });
    }
    for (const cl of clones)
      for (const n of oarOnly)
        constraints.push({
          kind: "location",
          id: `loc-${cl.id}-not-${n.name}`,
          rsc: cl.id,
          node: n.name,
          score: "-INFINITY",
          discovery: "never",
        });
    if (dbGroup && oarGroup) {
      // Optional: Almighty retries the DB forever, so a DB failover need not restart it.
      constraints.push({
        kind: "order",
        id: `ord-${dbGroup.group.id}-then-${oarGroup.group.id}`,
        first: dbGroup.group.id,
        firstAction: "start",
        then: oarGroup.group.id,
        thenAction: "start",
        orderKind: "Optional",
      });
    }
  }
  // A server never fences itself with its own BMC.
  if (c.fencing.kind === "ipmi") {
    for (const d of c.fencing.devices)
      constraints.push({
        kind: "location",
        id: `loc-fence-${d.node}-not-self`,
        rsc: `fence-${d.node}`,
        node: d.node,
        score: "-INFINITY",
      });
  }
  return {
    properties,
    rscDefaults: [
      ["resource-stickiness", String(c.pacemaker.resourceStickiness)],
      ["migration-threshold", String(c.pacemaker.migrationThreshold)],
      ["failure-timeout", c.pacemaker.failureTimeout],
    ],
    opDefaults: [["timeout", "60s"]],
    stonith,
    clones,
    groups: groups.map((x) => x.group),
    constraints,
  };
}
