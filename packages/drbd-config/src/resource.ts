import {
  dbServers,
  marker,
  renderTemplate,
  replicationAddress,
  type Cluster,
  type DrbdStorage,
  type RenderedFile,
  type Secrets,
} from "@oar-ha/core";
import res84 from "./templates/resource-84.hbs";
import res9 from "./templates/resource-9.hbs";
import loopTpl from "./templates/loop-service.hbs";

/** Loop devices for image backing are fixed so the resource file can name them: /dev/loop(100 + minor). */
export const loopDevice = (s: DrbdStorage): string => `/dev/loop${100 + s.minor}`;

/** The block device DRBD sits on, from the backing kind. */
export function backingDevice(s: DrbdStorage): string {
  switch (s.backing.kind) {
    case "partition":
      return s.backing.device;
    case "lvm":
      return `/dev/${s.backing.volumeGroup}/${s.backing.name}`;
    case "loop":
      return loopDevice(s);
  }
}

interface Handler {
  readonly name: string;
  readonly command: string;
}

/**
 * Resource-level fencing needs the cluster manager's CIB, so it exists only with Pacemaker:
 * `resource-and-stonith` freezes I/O until the peer is shot when a STONITH device exists.
 */
function fencingPolicy(c: Cluster): { fencing: string; handlers: Handler[] } {
  const split: Handler = { name: "split-brain", command: "/usr/lib/drbd/notify-split-brain.sh root" };
  if (c.manager !== "pacemaker") return { fencing: "dont-care", handlers: [split] };
  const stonith = c.fencing.kind !== "none";
  const s = c.storage as DrbdStorage;
  const v9 = s.version === "9";
  return {
    fencing: stonith ? "resource-and-stonith" : "resource-only",
    handlers: [
      { name: "fence-peer", command: v9 ? "/usr/lib/drbd/crm-fence-peer.9.sh" : "/usr/lib/drbd/crm-fence-peer.sh" },
      v9
        ? { name: "unfence-peer", command: "/usr/lib/drbd/crm-unfence-peer.9.sh" }
        : { name: "after-resync-target", command: "/usr/lib/drbd/crm-unfence-peer.sh" },
      split,
    ],
  };
}

export const resourcePath = (s: DrbdStorage): string => `/etc/drbd.d/${s.resource}.res`;

/** DRBD files for every DB server: the resource file (0600: it holds the shared secret), and the loop unit for image backing. */
export function renderDrbdFiles(c: Cluster, secrets: Secrets): RenderedFile[] {
  if (c.storage.kind !== "drbd") return [];
  const s = c.storage;
  const servers = dbServers(c);
  const view = {
    marker: marker("#"),
    cluster: c.cluster,
    resource: s.resource,
    device: s.device,
    minor: s.minor,
    disk: backingDevice(s),
    protocol: s.protocol,
    noFlushes: s.batteryBackedCache,
    secret: secrets.drbdSecret,
    port: s.port,
    peers: servers.map((n, i) => ({ name: n.name, address: replicationAddress(n), nodeId: i })),
    ...fencingPolicy(c),
  };
  const content = renderTemplate(s.version === "9" ? res9 : res84, view);
  const out: RenderedFile[] = servers.map((n) => ({
    host: n.name,
    path: resourcePath(s),
    mode: "0600",
    owner: "root:root",
    sensitive: true,
    content,
  }));
  if (s.backing.kind === "loop") {
    const file = s.backing.file;
    const unit = renderTemplate(loopTpl, {
      marker: marker("#"),
      file,
      fileDir: file.slice(0, file.lastIndexOf("/")) || "/",
      loop: loopDevice(s),
      loopMinor: 100 + s.minor,
      resource: s.resource,
    });
    for (const n of servers) {
      out.push({
        host: n.name,
        path: "/etc/systemd/system/oar-ha-drbd-loop.service",
        mode: "0644",
        owner: "root:root",
        content: unit,
      });
    }
  }
  return out;
}
