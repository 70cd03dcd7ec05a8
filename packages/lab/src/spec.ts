import ipaddr from "ipaddr.js";
import { OarHaError } from "@oar-ha/core";

/*
 * What a lab is made of, derived from a few options: pure, so the same options always give
 * the same names and addresses (and tests can check them without root).
 */

export interface LabOptions {
  /** 2 or 4 HA servers. */
  readonly servers?: 2 | 4;
  /** Main network, a /24 (default 10.77.0.0/24): VIPs, clients, cluster link 0. */
  readonly subnet?: string;
  /** Second network for servers, a /24 (default 10.78.0.0/24): cluster link 1, replication. */
  readonly secondarySubnet?: string;
  /** Where the lab keeps its state, host overlays, keys and shared storage. */
  readonly root?: string;
  readonly database?: "postgresql" | "mysql" | "mariadb";
  readonly manager?: "pacemaker" | "heartbeat";
  /** Pacemaker: the admin host runs corosync-qnetd as the cluster's quorum witness (default). */
  readonly witness?: boolean;
  /** A real MIT KDC on the admin host, realm LAB, and a kerberos section in the cluster file. */
  readonly kerberos?: boolean;
  /**
   * Real DRBD: the DB-holding servers are qemu VMs (a kernel of their own) on the same lab
   * networks, and the cluster file puts the database on DRBD over this backing store of each
   * VM's data disk: `partition` (/dev/vdb1), `lvm` (a volume group on it) or `loop` (an image file).
   */
  readonly drbd?: DrbdBacking;
}

export type DrbdBacking = "partition" | "lvm" | "loop";
export const DRBD_BACKINGS: readonly DrbdBacking[] = ["partition", "lvm", "loop"];

export type LabRole = "server" | "frontend" | "admin";

export interface LabHost {
  readonly name: string;
  readonly role: LabRole;
  /** Index in the lab, used for interface names (<= 15 characters). */
  readonly index: number;
  readonly netns: string;
  readonly address: string;
  readonly secondary?: string;
  /** Switch-side veth names for link 0 and link 1. */
  readonly switchPorts: readonly string[];
  /** Ordinal of the server (0-based) for four-node role assignment. */
  readonly serverIndex?: number;
  /** A qemu VM (its switch ports are taps) rather than a namespace host. */
  readonly vm?: boolean;
}

/** The VM side of a DRBD lab: backing kind, each VM's data disk and memory. */
export interface LabDrbd {
  readonly backing: DrbdBacking;
  /** The data disk (/dev/vdb, one partition /dev/vdb1) of each VM. */
  readonly diskMiB: number;
  readonly memoryMiB: number;
  /**
   * vCPUs per VM: one. Two would let the active VM use the host's idle core, but the guest then
   * probes its virtio disks in parallel and their names change from boot to boot (the seed
   * disk was not found, sshd never started; /dev/vdb1 is the cluster file's DRBD partition).
   */
  readonly cpus: number;
  /** The volume group the lab makes on /dev/vdb1 for `lvm` backing (what a site would have before oar-ha). */
  readonly volumeGroup: string;
  /** Size of the DRBD backing volume or loop file. */
  readonly size: string;
}

export interface LabSpec {
  readonly root: string;
  readonly servers: 2 | 4;
  readonly database: "postgresql" | "mysql" | "mariadb";
  readonly manager: "pacemaker" | "heartbeat";
  readonly witness: boolean;
  readonly kerberos: boolean;
  readonly prefix: number;
  readonly subnet: string;
  readonly secondarySubnet: string;
  readonly switchNetns: string;
  /** The machine's own address on the lab network (root namespace end of a veth). */
  readonly adminAddress: string;
  readonly adminLink: string;
  readonly adminSwitchPort: string;
  /** The fence "hypervisor": an sshd in the admin host's network namespace, machine's mount namespace. */
  readonly fence: { readonly address: string; readonly port: number };
  readonly vips: { readonly oar: string; readonly db: string };
  readonly hosts: readonly LabHost[];
  /** Present when the lab's DB servers are VMs with real DRBD. */
  readonly drbd?: LabDrbd;
}

export const NS_PREFIX = "ohl-";
export const DEFAULT_ROOT = "/mnt/oar-ha-lab";

function base24(cidr: string, field: string): number[] {
  let addr: ipaddr.IPv4;
  let bits: number;
  try {
    [addr, bits] = ipaddr.IPv4.parseCIDR(cidr);
  } catch {
    throw new OarHaError("OARHA901", `--${field} ${cidr} is not an IPv4 network such as 10.77.0.0/24`);
  }
  if (bits !== 24) throw new OarHaError("OARHA901", `--${field} ${cidr}: the lab needs a /24 network`);
  if (!addr.range().match(/private/))
    throw new OarHaError(
      "OARHA901",
      `--${field} ${cidr} is not a private range (10/8, 172.16/12, 192.168/16): the lab only uses private addresses`,
    );
  return addr.octets.slice(0, 3);
}

export function labSpec(o: LabOptions = {}): LabSpec {
  const servers = o.servers ?? 2;
  const net = base24(o.subnet ?? "10.77.0.0/24", "subnet");
  const net2 = base24(o.secondarySubnet ?? "10.78.0.0/24", "secondary-subnet");
  if (net.join(".") === net2.join(".")) throw new OarHaError("OARHA901", "--subnet and --secondary-subnet must differ");
  const a = (n: number) => [...net, n].join(".");
  const b = (n: number) => [...net2, n].join(".");
  if (o.drbd !== undefined && !DRBD_BACKINGS.includes(o.drbd))
    throw new OarHaError("OARHA901", `--drbd ${String(o.drbd)}: use one of ${DRBD_BACKINGS.join(", ")}`);
  if (o.drbd && o.kerberos)
    throw new OarHaError(
      "OARHA901",
      "--drbd and --kerberos together are not offered yet: the VM image has no Kerberos client\n  fix: use one of them",
    );
  const hosts: LabHost[] = [];
  const letters = "abcd";
  for (let i = 0; i < servers; i++) {
    const name = `srv-${letters[i] ?? String(i)}`;
    // The DB-holding servers need a kernel of their own for DRBD: two-node, both; four-node, the DB pair.
    const vm = o.drbd !== undefined && (servers === 2 || i >= 2);
    hosts.push({
      name,
      role: "server",
      index: i,
      serverIndex: i,
      netns: `${NS_PREFIX}${name}`,
      address: a(11 + i),
      secondary: b(11 + i),
      switchPorts: [`ohl${i}s0`, `ohl${i}s1`],
      ...(vm ? { vm: true } : {}),
    });
  }
  hosts.push({
    name: "front",
    role: "frontend",
    index: 8,
    netns: `${NS_PREFIX}front`,
    address: a(20),
    switchPorts: ["ohl8s0"],
  });
  hosts.push({
    name: "admin",
    role: "admin",
    index: 9,
    netns: `${NS_PREFIX}admin`,
    address: a(2),
    switchPorts: ["ohl9s0"],
  });
  return {
    root: o.root ?? DEFAULT_ROOT,
    servers,
    database: o.database ?? "postgresql",
    manager: o.manager ?? "pacemaker",
    witness: (o.manager ?? "pacemaker") === "pacemaker" && (o.witness ?? true),
    kerberos: o.kerberos ?? false,
    prefix: 24,
    subnet: `${a(0)}/24`,
    secondarySubnet: `${b(0)}/24`,
    switchNetns: `${NS_PREFIX}switch`,
    adminAddress: a(1),
    adminLink: "ohl-admin",
    adminSwitchPort: "ohladm",
    fence: { address: a(2), port: 2222 },
    vips: { oar: a(100), db: a(101) },
    hosts,
    ...(o.drbd
      ? { drbd: { backing: o.drbd, diskMiB: 1024, memoryMiB: 1536, cpus: 1, volumeGroup: "vg0", size: "512M" } }
      : {}),
  };
}

export const labServers = (s: LabSpec): LabHost[] => s.hosts.filter((h) => h.role === "server");

export function labHost(s: LabSpec, name: string): LabHost {
  const h = s.hosts.find((x) => x.name === name);
  if (!h) throw new OarHaError("OARHA901", `no lab host "${name}"; hosts: ${s.hosts.map((x) => x.name).join(", ")}`);
  return h;
}

/** The lab's VIP names (the cluster file's vips.*.hostname, /etc/hosts, the Kerberos principals). */
export const LAB_VIP_NAMES = { oar: "oar.lab", db: "oardb.lab" } as const;

/** /etc/hosts for every lab host: hosts and VIP names resolve inside the lab. */
export function labEtcHosts(s: LabSpec): string {
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    `${s.adminAddress}\tlab-admin-machine`,
    ...s.hosts.map((h) => `${h.address}\t${h.name}.lab ${h.name}`),
    `${s.vips.oar}\t${LAB_VIP_NAMES.oar} oar`,
    `${s.vips.db}\t${LAB_VIP_NAMES.db} oardb`,
  ];
  return lines.join("\n") + "\n";
}
