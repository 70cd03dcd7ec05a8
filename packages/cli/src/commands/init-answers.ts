import { stringify } from "yaml";
import { OarHaError, catalogue } from "@oar-ha/core";

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
  /** "front=10.0.0.20,node1=10.0.0.31:compute" */
  hosts?: string;
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
      const [value = "", extra] = rest.split(":");
      return extra ? { name, value, extra } : { name, value };
    });
}

function vip(flag: string, s: string) {
  const [address, hostname] = s.split("=");
  if (!address || !hostname) return usage(flag, `"${s}" is not ADDRESS/PREFIX=HOSTNAME, e.g. 10.0.0.100/24=oar.example.org`);
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
      return usage("storage", `"${s}": use drbd-lvm:VG:SIZE, drbd-loop:SIZE, drbd-partition:DEVICE, shared:DEVICE or shared-bind:DIR`);
  }
}

function fencing(s: string, user: string | undefined): Record<string, unknown> {
  const [kind = "", rest = ""] = s.split(/:(.*)/s);
  switch (kind) {
    case "none":
      return { kind: "none", acceptRisk: true };
    case "ipmi":
      return { kind: "ipmi", devices: pairs("fencing", rest).map((p) => ({ node: p.name, address: p.value, user: user ?? "admin" })) };
    case "sbd":
      return { kind: "sbd", devices: rest.split(",") };
    case "lab":
      return { kind: "lab", hypervisor: rest };
    default:
      return usage("fencing", `"${s}": use ipmi:NODE=BMC,..., sbd:DEVICE, lab:ADDRESS or none`);
  }
}

/** Answers -> cluster file object (not yet validated: the caller runs the full rules on it). */
export function clusterFromAnswers(a: Answers, ipmiUser?: string): Record<string, unknown> {
  const nodes = pairs("nodes", a.nodes).map((p, i) => ({
    name: p.name,
    address: p.value,
    roles: a.topology === "two-node" ? ["oar", "db"] : [i < 2 ? "oar" : "db"],
  }));
  const hosts = a.hosts
    ? pairs("hosts", a.hosts).map((p) => ({ name: p.name, address: p.value, roles: (p.extra ?? "frontend").split("+") }))
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
    fencing: fencing(a.fencing, ipmiUser),
  };
}

export function clusterYaml(obj: Record<string, unknown>): string {
  return (
    "# oar-ha cluster file: see `oar-ha validate --schema` and docs/reference.md for every field.\n" +
    "# Secrets are not here: they live in the .secrets.yaml file next to it (mode 0600).\n" +
    stringify(obj, { lineWidth: 0 })
  );
}
