import { stringify } from "yaml";
import type { ClusterInput } from "@oar-ha/core";
import { LAB_VIP_NAMES, labServers, type LabSpec } from "./spec.js";

type HostRole = NonNullable<ClusterInput["hosts"]>[number]["roles"][number];

type KerberosService = NonNullable<ClusterInput["kerberos"]>["services"][number];

/** The lab's Kerberos services: ssh -K and the API (HTTP) on the OAR VIP name, gss logins to PostgreSQL through the DB VIP. */
export function kerberosServices(s: LabSpec): KerberosService[] {
  const dbVip = s.servers === 4 ? ("db" as const) : ("oar" as const);
  return [
    { service: "host", vip: "oar" },
    { service: "HTTP", vip: "oar" },
    ...(s.database === "postgresql" ? [{ service: "postgres" as const, vip: dbVip }] : []),
  ];
}

/** The principals the lab's admin exports once (service/<VIP name>). */
export const kerberosPrincipals = (s: LabSpec): string[] =>
  kerberosServices(s).map((k) => `${k.service}/${LAB_VIP_NAMES[k.vip]}`);

/** With the lab KDC: each host's own principal is host/<name>.lab (for `ssh.transport: openssh-gssapi`). */
const gssapi = (s: LabSpec, name: string) => (s.kerberos ? { ssh: { gssapiName: `${name}.lab` } } : {});

/**
 * Shared storage by default: this kernel has no DRBD, so the storage is a directory of the
 * machine that every server sees, bind-mounted by the cluster manager on the active server
 * only. With --drbd, real DRBD on the VMs' data disks (/dev/vdb1, or the lab's VG on it, or a
 * loop file on the root disk).
 */
export function labStorage(s: LabSpec): ClusterInput["storage"] {
  const d = s.drbd;
  if (!d) return { kind: "shared", device: `${s.root}/shared`, filesystem: "none" };
  const backing =
    d.backing === "partition"
      ? { kind: "partition" as const, device: LAB_DATA_PARTITION }
      : d.backing === "lvm"
        ? { kind: "lvm" as const, volumeGroup: d.volumeGroup, size: d.size }
        : { kind: "loop" as const, size: d.size };
  return { kind: "drbd", backing };
}

/** The data disk's one partition inside each lab VM. */
export const LAB_DATA_PARTITION = "/dev/vdb1";

/** Monitor intervals (s) for labs whose servers are emulated VMs (see labCluster). */
export const LAB_VM_MONITORS = { vip: 30, filesystem: 60, database: 30, oarServer: 30 } as const;

/** Every monitor's timeout (s) on emulated VMs (see labCluster). */
export const LAB_VM_MONITOR_TIMEOUT = 90;

/** The cluster file for a lab: lab hosts exactly as if they were real servers. */
export function labCluster(s: LabSpec): ClusterInput {
  const servers = labServers(s);
  const four = s.servers === 4;
  return {
    cluster: "lab",
    topology: four ? "four-node" : "two-node",
    manager: s.manager,
    database: { engine: s.database },
    nodes: servers.map((h, i) => ({
      name: h.name,
      address: h.address,
      interface: "eth0",
      ...(h.secondary ? { secondary: { address: h.secondary, interface: "eth1" } } : {}),
      roles: four ? [i < 2 ? "oar" : "db"] : ["oar", "db"],
      ...gssapi(s, h.name),
    })),
    hosts: [
      ...s.hosts
        .filter((h) => h.role === "frontend")
        .map((h) => ({
          name: h.name,
          address: h.address,
          roles: ["frontend", "compute"] satisfies HostRole[],
          ...gssapi(s, h.name),
        })),
      ...(s.witness && s.manager === "pacemaker"
        ? s.hosts
            .filter((h) => h.role === "admin")
            .map((h) => ({
              name: h.name,
              address: h.address,
              roles: ["witness"] satisfies HostRole[],
              ...gssapi(s, h.name),
            }))
        : []),
    ],
    vips: {
      oar: { address: `${s.vips.oar}/${s.prefix}`, hostname: LAB_VIP_NAMES.oar },
      ...(four ? { db: { address: `${s.vips.db}/${s.prefix}`, hostname: LAB_VIP_NAMES.db } } : {}),
    },
    storage: labStorage(s),
    // Pacemaker: fence_virsh; Heartbeat: oar-ha's external/oar-ha-lab plugin; both drive the lab's fence host.
    fencing: {
      kind: "lab",
      hypervisor: s.fence.address,
      port: s.fence.port,
      identityFile: "/etc/oar-ha/fence_lab_key",
    },
    ssh: { knownHosts: `${s.root}/admin/known_hosts`, identityFile: `${s.root}/admin/id_ed25519` },
    // Emulated VMs (lab up --drbd; software CPUs): every fork costs a tenth of a second or
    // more, and Pacemaker's monitors are shell agents that fork dozens of times. Measured on
    // an idle VM (exec-time in the CIB): DB 10.6 s, VIP 3.6 s, filesystem 2.9 s, OAR server
    // 1.4 s; at the default intervals (3/5/20/3 s, and 10 s tried next) the monitors asked
    // for more than twice the vCPU, so they timed out and Pacemaker restarted healthy
    // services. Intervals a site with slow servers would choose: 30 s for the DB, the VIP and
    // the OAR server, 60 s for the filesystem. Each monitor may take 90 s: while a crashed VM
    // boots, rejoins and resyncs, the survivor's DRBD monitor passed its 20 s and Pacemaker
    // recovered DRBD, restarting the whole group (seen in F01). Corosync missed its 1 s token
    // while starting.
    ...(s.drbd ? { corosync: { token: 3000 } } : {}),
    pacemaker: {
      dcDeadtime: "2s",
      ...(s.drbd ? { monitor: LAB_VM_MONITORS, monitorTimeout: LAB_VM_MONITOR_TIMEOUT } : {}),
    },
    // Heartbeat's service monitor on the same emulated VMs: the DB's pace and bound, for the same reason.
    ...(s.drbd && s.manager === "heartbeat"
      ? { heartbeat: { monitor: { interval: LAB_VM_MONITORS.database, timeout: LAB_VM_MONITOR_TIMEOUT } } }
      : {}),
    // cgroups/cpusets cannot be mounted inside a namespace host: jobs run without containment.
    oar: { unset: ["JOB_RESOURCE_MANAGER_PROPERTY_DB_FIELD"] },
    // The lab KDC (lab up --kerberos): host/oar.lab (and postgres/oar.lab) exported once into this keytab.
    ...(s.kerberos
      ? {
          kerberos: {
            realm: "LAB",
            kdc: ["admin.lab"],
            services: kerberosServices(s),
            keytab: `${s.root}/kerberos/oar-ha.keytab`,
          },
        }
      : {}),
  };
}

export function labClusterYaml(s: LabSpec): string {
  return (
    "# oar-ha lab cluster: written by `oar-ha lab up`. The hosts are network namespaces (and qemu VMs\n" +
    "# where DRBD needs a kernel of their own) on this machine, reached over SSH exactly like real servers.\n" +
    (s.drbd
      ? `# Storage is real DRBD on the DB servers' VMs (backing: ${s.drbd.backing}). The VMs are emulated (slow):\n# a 3 s corosync token and 30-60 s monitors, as for any slow server.\n`
      : "# Storage is SHARED (a directory of the machine bind-mounted on the active server), not DRBD:\n# this kernel has no DRBD module (lab up --drbd gives VMs with real DRBD).\n") +
    stringify(labCluster(s), { lineWidth: 0 })
  );
}
