import {
  OAR_SERVER_CTL,
  dbDataDirectory,
  marker,
  pgVersion,
  renderTemplate,
  serviceGroups,
  splitCidr,
  type Cluster,
  type RenderedFile,
  type Secrets,
  type ServiceGroup,
} from "@oar-ha/core";
import haCfTpl from "./templates/ha-cf.hbs";
import authkeysTpl from "./templates/authkeys.hbs";
import haresourcesTpl from "./templates/haresources.hbs";
import scriptTpl from "./templates/resource-script.hbs";

export const DB_SCRIPT = "/etc/ha.d/resource.d/oar-ha-db";
export const OAR_SCRIPT = "/etc/ha.d/resource.d/oar-ha-oar-server";

/** Heartbeat's Filesystem script takes device::directory::fstype[::options]. */
function filesystemResource(c: Cluster): string {
  const s = c.storage;
  const device = s.device;
  return s.filesystem === "none" ? `Filesystem::${device}::${s.mountPoint}::none::bind` : `Filesystem::${device}::${s.mountPoint}::${s.filesystem}`;
}

function vipResource(c: Cluster, g: ServiceGroup): string {
  const { address, prefix } = splitCidr(g.vip.address);
  const first = g.nodes[0];
  return `IPaddr2::${address}/${prefix}/${first?.interface ?? "eth0"}`;
}

/** Order matters: storage, then the VIP, then the DB, then the OAR server (stopped in reverse). */
export function haresourcesLine(c: Cluster, g: ServiceGroup): string[] {
  const r: string[] = [];
  if (g.runsDb) {
    if (c.storage.kind === "drbd") r.push(`drbddisk::${c.storage.resource}`);
    r.push(filesystemResource(c));
  }
  r.push(vipResource(c, g));
  if (g.runsDb) r.push("oar-ha-db");
  if (g.runsOar) r.push("oar-ha-oar-server");
  return r;
}

function stonithLines(c: Cluster, g: ServiceGroup, secrets: Secrets) {
  if (c.fencing.kind !== "ipmi") return [];
  const devices = c.fencing.devices;
  return g.nodes.flatMap((target) => {
    const d = devices.find((x) => x.node === target.name);
    const from = g.nodes.find((n) => n.name !== target.name);
    if (!d || !from) return [];
    const pw = secrets.fencing[d.node] ?? "";
    return [{ from: from.name, type: "external/ipmi", params: `${d.node} ${d.address} ${d.user} ${pw} ${d.lanplus ? "lanplus" : "lan"}` }];
  });
}

function dbScript(c: Cluster): string[] {
  if (c.database.engine === "postgresql") {
    const v = pgVersion(c);
    return [
      `# PostgreSQL ${v} cluster "main", data in ${dbDataDirectory(c)} (start.conf is "manual": never at boot).`,
      'case "$1" in',
      `  start) exec pg_ctlcluster --skip-systemctl-redirect ${v} main start ;;`,
      `  stop) exec pg_ctlcluster --skip-systemctl-redirect ${v} main stop -m fast ;;`,
      `  status) if pg_ctlcluster ${v} main status >/dev/null 2>&1; then echo running; exit 0; else echo stopped; exit 3; fi ;;`,
      '  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;',
      "esac",
    ];
  }
  const svc = c.database.engine === "mariadb" ? "mariadb" : "mysql";
  return [
    `# ${svc}, data in ${dbDataDirectory(c)} (boot start disabled: only Heartbeat starts it).`,
    'case "$1" in',
    `  start|stop) exec /etc/init.d/${svc} "$1" ;;`,
    `  status) if mysqladmin --no-defaults --socket=/run/mysqld/mysqld.sock -uroot ping >/dev/null 2>&1; then echo running; exit 0; else echo stopped; exit 3; fi ;;`,
    '  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;',
    "esac",
  ];
}

/**
 * Heartbeat 3 files. Haresources mode handles two servers per cluster, so a four-node
 * topology becomes two independent Heartbeat pairs (DB pair, OAR pair), each with its own
 * ha.cf, haresources and group; the two pairs never see each other.
 */
export const HEARTBEAT_DROPIN = "/etc/systemd/system/heartbeat.service.d/oar-ha.conf";

export function renderHeartbeatFiles(c: Cluster, secrets: Secrets): RenderedFile[] {
  if (c.manager !== "heartbeat") return [];
  const out: RenderedFile[] = [];
  const authkeys = renderTemplate(authkeysTpl, { marker: marker("#"), key: secrets.heartbeatKey });
  for (const g of serviceGroups(c)) {
    const stonith = stonithLines(c, g, secrets);
    const haCf = renderTemplate(haCfTpl, {
      marker: marker("#"),
      cluster: c.cluster,
      groupTitle: g.id === "all" ? "OAR server and database" : g.id === "db" ? "database pair" : "OAR server pair",
      ...c.heartbeat,
      autoFailback: c.heartbeat.autoFailback ? "on" : "off",
      ucast: g.nodes.flatMap((n) => [
        { interface: n.interface, address: n.address },
        ...(n.secondary ? [{ interface: n.secondary.interface, address: n.secondary.address }] : []),
      ]),
      nodes: g.nodes.map((n) => n.name),
      stonith,
    });
    const haresources = renderTemplate(haresourcesTpl, {
      marker: marker("#"),
      preferred: g.nodes[0]?.name ?? "",
      resources: haresourcesLine(c, g),
    });
    for (const n of g.nodes) {
      out.push(
        { host: n.name, path: "/etc/ha.d/ha.cf", mode: stonith.length ? "0600" : "0644", owner: "root:root", content: haCf, ...(stonith.length ? { sensitive: true } : {}) },
        { host: n.name, path: "/etc/ha.d/authkeys", mode: "0600", owner: "root:root", content: authkeys, sensitive: true },
        { host: n.name, path: "/etc/ha.d/haresources", mode: "0644", owner: "root:root", content: haresources },
        // Heartbeat locks itself in memory (a swapped-out heartbeat misses its deadtime);
        // Debian's unit leaves the default 8 MiB limit and it logs "Cannot lock ourselves into memory".
        { host: n.name, path: HEARTBEAT_DROPIN, mode: "0644", owner: "root:root", content: `${marker("#")}\n[Service]\nLimitMEMLOCK=infinity\n` },
      );
      if (g.runsDb) {
        out.push({ host: n.name, path: DB_SCRIPT, mode: "0755", owner: "root:root", content: renderTemplate(scriptTpl, { marker: marker("#"), what: "the OAR database", lines: dbScript(c) }) });
      }
      if (g.runsOar) {
        out.push({ host: n.name, path: OAR_SCRIPT, mode: "0755", owner: "root:root", content: renderTemplate(scriptTpl, { marker: marker("#"), what: "the OAR server", lines: [`exec ${OAR_SERVER_CTL} "$@"`] }) });
      }
    }
  }
  return out;
}
