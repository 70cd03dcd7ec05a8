import { stringify } from "yaml";
import { HOST_ROLES, OarHaError, catalogue, isVipCidr } from "@oar-ha/core";

/** Every `oar-ha init` answer, as given by flags or prompts. */
export interface Answers {
  name: string;
  topology: "two-node" | "four-node";
  manager: "pacemaker" | "heartbeat";
  db: "postgresql" | "mysql" | "mariadb";
  /** "srv-a=10.0.0.11,srv-b=10.0.0.12" (four-node: the first two are OAR servers, the last two DB servers) */
  nodes: string;
  /** "10.0.0.100/24=oar.example.org" */
  oarVip: string;
  dbVip?: string;
  /** drbd-lvm:VG:SIZE | drbd-loop:SIZE | drbd-partition:DEVICE | shared:DEVICE | shared-bind:DIR */
  storage: string;
  /** none | ipmi:NODE=BMC,NODE=BMC[@user] | sbd:DEV[,DEV] | lab:ADDRESS */
  fencing: string;
  /** Interface of the servers' main address, which carries the VIPs (default eth0). */
  interface?: string;
  /** The servers' second link: "srv-a=10.1.0.11,srv-b=10.1.0.12" (cluster ring 1, DRBD replication). */
  secondary?: string;
  /** Interface of the second link (default eth1). */
  secondaryInterface?: string;
  /** BMC user of IPMI fencing (default admin). */
  ipmiUser?: string;
  /** "front=10.0.0.20,node1=10.0.0.31:compute,w=10.0.0.40:witness+frontend": roles joined with + (default frontend) */
  hosts?: string;
  /** Fencing none was asked for knowingly (--accept-risk). */
  acceptRisk?: boolean;
}

const usage = (flag: string, msg: string): never => {
  throw new OarHaError(catalogue.CliUsage.code, `--${flag}: ${msg}`);
};

function pairs(flag: string, s: string): { name: string; value: string; extra?: string }[] {
  return s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [name, rest] = p.split("=");
      if (!name || !rest) return usage(flag, `"${p}" is not NAME=ADDRESS`);
      const at = rest.indexOf(":");
      const value = at < 0 ? rest : rest.slice(0, at);
      const extra = at < 0 ? "" : rest.slice(at + 1);
      return extra ? { name, value, extra } : { name, value };
    });
}

function vip(flag: string, s: string) {
  const [address, hostname] = s.split("=");
  if (!address || !hostname)
    return usage(flag, `"${s}" is not ADDRESS/PREFIX=HOSTNAME, e.g. 10.0.0.100/24=oar.example.org`);
  return { address, hostname };
}

function storage(s: string): Record<string, unknown> {
  const [kind = "", a, b] = s.split(":");
  switch (kind) {
    case "drbd-lvm":
      return { kind: "drbd", backing: { kind: "lvm", volumeGroup: a, size: b } };
    case "drbd-loop":
      return { kind: "drbd", backing: { kind: "loop", size: a } };
    case "drbd-partition":
      return { kind: "drbd", backing: { kind: "partition", device: a } };
    case "shared":
      return { kind: "shared", device: a };
    case "shared-bind":
      return { kind: "shared", device: a, filesystem: "none" };
    default:
      return usage(
        "storage",
        `"${s}": use drbd-lvm:VG:SIZE, drbd-loop:SIZE, drbd-partition:DEVICE, shared:DEVICE or shared-bind:DIR`,
      );
  }
}

function fencing(s: string, user: string | undefined, acceptRisk: boolean): Record<string, unknown> {
  const [kind = "", rest = ""] = s.split(/:(.*)/s);
  switch (kind) {
    case "none":
      if (!acceptRisk)
        return usage(
          "fencing",
          "none: without fencing a server that only seems dead keeps writing while its peer takes over (a split brain, the database corrupted); add --accept-risk to say you know, or name a device: ipmi:NODE=BMC,..., sbd:DEVICE",
        );
      return { kind: "none", acceptRisk: true };
    case "ipmi":
      return {
        kind: "ipmi",
        devices: pairs("fencing", rest).map((p) => ({ node: p.name, address: p.value, user: user ?? "admin" })),
      };
    case "sbd":
      return { kind: "sbd", devices: rest.split(",") };
    case "lab":
      return { kind: "lab", hypervisor: rest };
    default:
      return usage("fencing", `"${s}": use ipmi:NODE=BMC,..., sbd:DEVICE, lab:ADDRESS or none`);
  }
}

/** The servers an IPMI fencing answer names ("ipmi:srv-a=10.0.1.11,srv-b=..."); none for another kind. */
export function ipmiServers(s: string | undefined): string[] {
  const [kind = "", rest = ""] = (s ?? "").split(/:(.*)/s);
  return kind === "ipmi" ? pairs("fencing", rest).map((p) => p.name) : [];
}

/** A host's roles from --hosts: `+` joins them (frontend when none); each must be one the cluster file knows. */
function hostRoles(name: string, address: string, extra: string | undefined): string[] {
  const roles = (extra ?? "frontend").split("+");
  for (const r of roles)
    if (!(HOST_ROLES as readonly string[]).includes(r))
      return usage(
        "hosts",
        `${name}=${address}:${extra ?? ""}: ${r.includes(":") ? "roles are joined with +" : `no role "${r}"`}; roles are ${HOST_ROLES.join(", ")}, joined with +, e.g. ${name}=${address}:frontend+witness`,
      );
  return roles;
}

/** The cluster file's pattern for an interface name (what `ip link` allows). */
function ifname(flag: string, s: string): string {
  return /^[a-zA-Z0-9_.:-]{1,15}$/.test(s)
    ? s
    : usage(flag, `"${s}" is not an interface name (1 to 15 letters, digits, _ . : -), e.g. eth0 or enp3s0`);
}

/**
 * One answer checked on its own, as it is typed (the interactive init asks again on a
 * message); undefined when it reads well. The whole cluster is checked at the end as well.
 */
export function answerProblem(key: keyof Answers, value: string): string | undefined {
  try {
    if (key === "nodes")
      for (const p of pairs("nodes", value))
        if (p.extra !== undefined) usage("nodes", `"${p.name}=${p.value}:${p.extra}" is not NAME=ADDRESS`);
    if (key === "oarVip" || key === "dbVip") {
      const flag = key === "oarVip" ? "oar-vip" : "db-vip";
      const v = vip(flag, value);
      // The cluster file's own rule (OARHA202) decides; said here as the answer is typed.
      if (!isVipCidr(v.address))
        usage(
          flag,
          `"${v.address}" is not an IPv4 address with a prefix length from 8 to 30: it needs its prefix length, e.g. 10.0.0.100/24`,
        );
    }
    if (key === "interface" || key === "secondaryInterface")
      ifname(key === "interface" ? "interface" : "secondary-interface", value);
    if (key === "secondary")
      for (const p of pairs("secondary", value))
        if (p.extra !== undefined) usage("secondary", `"${p.name}=${p.value}:${p.extra}" is not NAME=ADDRESS`);
    if (key === "storage") storage(value);
    if (key === "fencing") fencing(value, undefined, true);
    if (key === "hosts") for (const p of pairs("hosts", value)) hostRoles(p.name, p.value, p.extra);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Answers -> cluster file object (not yet validated: the caller runs the full rules on it). */
export function clusterFromAnswers(a: Answers): Record<string, unknown> {
  const second = new Map(pairs("secondary", a.secondary ?? "").map((p) => [p.name, p.value]));
  const servers = pairs("nodes", a.nodes);
  for (const n of second.keys())
    if (!servers.some((p) => p.name === n))
      usage("secondary", `"${n}" is not one of the servers (${servers.map((p) => p.name).join(", ")})`);
  const nodes = servers.map((p, i) => ({
    name:
      p.extra === undefined
        ? p.name
        : usage(
            "nodes",
            `"${p.name}=${p.value}:${p.extra}" is not NAME=ADDRESS (the servers' roles come from --topology)`,
          ),
    address: p.value,
    ...(a.interface ? { interface: ifname("interface", a.interface) } : {}),
    ...(second.has(p.name)
      ? {
          secondary: {
            address: second.get(p.name),
            interface: ifname("secondary-interface", a.secondaryInterface ?? "eth1"),
          },
        }
      : {}),
    roles: a.topology === "two-node" ? ["oar", "db"] : [i < 2 ? "oar" : "db"],
  }));
  const hosts = a.hosts
    ? pairs("hosts", a.hosts).map((p) => ({
        name: p.name,
        address: p.value,
        roles: hostRoles(p.name, p.value, p.extra),
      }))
    : [];
  return {
    cluster: a.name,
    topology: a.topology,
    manager: a.manager,
    database: { engine: a.db },
    nodes,
    ...(hosts.length ? { hosts } : {}),
    vips: { oar: vip("oar-vip", a.oarVip), ...(a.dbVip ? { db: vip("db-vip", a.dbVip) } : {}) },
    storage: storage(a.storage),
    fencing: fencing(a.fencing, a.ipmiUser, a.acceptRisk === true),
  };
}

export function clusterYaml(obj: Record<string, unknown>): string {
  return (
    "# oar-ha cluster file: see `oar-ha validate --schema` and docs/reference.md for every field.\n" +
    "# Secrets are not here: they live in the .secrets.yaml file next to it (mode 0600).\n" +
    stringify(obj, { lineWidth: 0 })
  );
}
