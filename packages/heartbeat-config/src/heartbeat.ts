import {
  OAR_SERVER_CTL,
  dbDataDirectory,
  dbPort,
  shq,
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
import dbPostgresqlTpl from "./templates/db-postgresql.hbs";
import dbMysqlTpl from "./templates/db-mysql.hbs";
import monitorConfTpl from "./templates/hb-monitor-conf.hbs";
import MONITOR_SH from "./scripts/hb-monitor.sh";
import STANDBY_SH from "./scripts/hb-standby.sh";
import STONITH_SH from "./scripts/stonith.sh";

export const DB_SCRIPT = "/etc/ha.d/resource.d/oar-ha-db";
export const OAR_SCRIPT = "/etc/ha.d/resource.d/oar-ha-oar-server";
/** oar-ha's service monitor (started by Heartbeat's `respawn`), its settings, and the hand-over it (and day 2) use. */
export const HB_MONITOR = "/usr/lib/oar-ha/hb-monitor";
export const HB_MONITOR_CONF = "/etc/oar-ha/hb-monitor.conf";
export const HB_STANDBY_PATH = "/usr/lib/oar-ha/hb-standby";
/** Where the monitor keeps its state (tmpfs: counts start again at boot) and its lock. */
export const HB_MONITOR_STATE_DIR = "/run/oar-ha";
export const HB_MONITOR_STATE = `${HB_MONITOR_STATE_DIR}/hb-monitor.state`;
export const HB_MONITOR_LOCK = `${HB_MONITOR_STATE_DIR}/hb-monitor.lock`;
/** One "EPOCH SERVICE" line per failure the monitor counts (`oar-ha cleanup` empties it). */
export const HB_MONITOR_FAILURES = `${HB_MONITOR_STATE_DIR}/hb-monitor.failures`;
/** While this file exists the monitor restarts nothing (an admin's planned work on a service). */
export const HB_MONITOR_PAUSE = `${HB_MONITOR_STATE_DIR}/hb-monitor.pause`;
/** Heartbeat's log file (ha.cf's logfile), where the monitor writes its decisions too. */
export const HA_LOG = "/var/log/ha-log";
/** Heartbeat's hand-over as a script: this server gives every resource it holds to its peer. */
export const HB_STANDBY_SCRIPT: string = STANDBY_SH;

/** A static host script as installed: oar-ha's marker under its shebang. */
const installed = (script: string): string => script.replace(/^(#![^\n]*\n)/, `$1${marker("#")}\n`);

/** Heartbeat's Filesystem script takes device::directory::fstype[::options]. */
function filesystemResource(c: Cluster): string {
  const s = c.storage;
  const device = s.device;
  return s.filesystem === "none"
    ? `Filesystem::${device}::${s.mountPoint}::none::bind`
    : `Filesystem::${device}::${s.mountPoint}::${s.filesystem}`;
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

/** oar-ha's STONITH plugins for Heartbeat (one program, two names: see scripts/stonith.sh). */
export const STONITH_PLUGIN_DIR = "/usr/lib/stonith/plugins/external";
const STONITH_LAB = "oar-ha-lab";
const STONITH_IPMI = "oar-ha-ipmi";
/** Where a server keeps the BMC password of the peer it may fence (0600 root; never in ha.cf). */
export const fencePasswordFile = (node: string): string => `/etc/oar-ha/fence-${node}.pass`;

interface StonithLine {
  readonly from: string;
  readonly target: string;
  readonly type: string;
  readonly params: string;
}

/**
 * One `stonith_host` line per server of the group: its peer may fence it. Parameters are
 * positional, in the order the plugin's getconfignames prints; none is a secret.
 */
function stonithLines(c: Cluster, g: ServiceGroup): StonithLine[] {
  const f = c.fencing;
  const delay = g.nodes.length === 2 ? c.heartbeat.fenceDelay : 0;
  return g.nodes.flatMap((target) => {
    const from = g.nodes.find((n) => n.name !== target.name);
    if (!from) return [];
    if (f.kind === "lab")
      return [
        {
          from: from.name,
          target: target.name,
          type: `external/${STONITH_LAB}`,
          params: `${target.name} ${f.hypervisor} ${f.port} ${f.user} ${f.identityFile} ${delay}`,
        },
      ];
    if (f.kind !== "ipmi") return [];
    const d = f.devices.find((x) => x.node === target.name);
    if (!d) return [];
    return [
      {
        from: from.name,
        target: target.name,
        type: `external/${STONITH_IPMI}`,
        params: `${d.node} ${d.address} ${d.user} ${fencePasswordFile(d.node)} ${d.lanplus ? "lanplus" : "lan"} ${delay}`,
      },
    ];
  });
}

/** The database's resource script (start, stop with escalation, status, monitor). */
function dbScript(c: Cluster): string {
  if (c.database.engine === "postgresql") {
    return renderTemplate(dbPostgresqlTpl, {
      marker: marker("#"),
      version: pgVersion(c),
      port: dbPort(c),
      dataDir: dbDataDirectory(c),
    });
  }
  return renderTemplate(dbMysqlTpl, {
    marker: marker("#"),
    svc: c.database.engine === "mariadb" ? "mariadb" : "mysql",
    dataDir: dbDataDirectory(c),
  });
}

/** The monitor's settings on a server of group `g` (values quoted for sh by the one helper). */
function monitorConf(c: Cluster, g: ServiceGroup, self: string): string {
  const m = c.heartbeat.monitor;
  const peer = g.nodes.find((n) => n.name !== self)?.name ?? "";
  return renderTemplate(monitorConfTpl, {
    marker: marker("#"),
    interval: m.interval,
    timeout: m.timeout,
    maxRestarts: m.maxRestarts,
    window: m.window,
    vip: shq(splitCidr(g.vip.address).address),
    peer: shq(peer),
    services: shq([...(g.runsDb ? ["db"] : []), ...(g.runsOar ? ["oar"] : [])].join(" ")),
    dbScript: shq(g.runsDb ? DB_SCRIPT : ""),
    oarScript: shq(g.runsOar ? OAR_SCRIPT : ""),
    hbStandby: shq(HB_STANDBY_PATH),
    haLog: shq(HA_LOG),
    stateDir: shq(HB_MONITOR_STATE_DIR),
  });
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
    const stonith = stonithLines(c, g);
    const haCf = renderTemplate(haCfTpl, {
      marker: marker("#"),
      cluster: c.cluster,
      groupTitle: g.id === "all" ? "OAR server and database" : g.id === "db" ? "database pair" : "OAR server pair",
      ...c.heartbeat,
      autoFailback: c.heartbeat.autoFailback ? "on" : "off",
      haLog: HA_LOG,
      respawn: c.heartbeat.monitor.enabled ? [HB_MONITOR] : [],
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
        { host: n.name, path: "/etc/ha.d/ha.cf", mode: "0644", owner: "root:root", content: haCf },
        {
          host: n.name,
          path: "/etc/ha.d/authkeys",
          mode: "0600",
          owner: "root:root",
          content: authkeys,
          sensitive: true,
        },
        { host: n.name, path: "/etc/ha.d/haresources", mode: "0644", owner: "root:root", content: haresources },
        // Heartbeat locks itself in memory (a swapped-out heartbeat misses its deadtime);
        // Debian's unit leaves the default 8 MiB limit and it logs "Cannot lock ourselves into memory".
        {
          host: n.name,
          path: HEARTBEAT_DROPIN,
          mode: "0644",
          owner: "root:root",
          content: `${marker("#")}\n[Service]\nLimitMEMLOCK=infinity\n`,
        },
      );
      if (g.runsDb) {
        out.push({ host: n.name, path: DB_SCRIPT, mode: "0755", owner: "root:root", content: dbScript(c) });
      }
      if (g.runsOar) {
        out.push({
          host: n.name,
          path: OAR_SCRIPT,
          mode: "0755",
          owner: "root:root",
          content: renderTemplate(scriptTpl, {
            marker: marker("#"),
            what: "the OAR server",
            lines: [`exec ${OAR_SERVER_CTL} "$@"`],
          }),
        });
      }
      if (stonith.length) {
        for (const name of [STONITH_LAB, STONITH_IPMI])
          out.push({
            host: n.name,
            path: `${STONITH_PLUGIN_DIR}/${name}`,
            mode: "0755",
            owner: "root:root",
            content: installed(STONITH_SH),
          });
      }
      for (const l of stonith.filter((x) => x.from === n.name && c.fencing.kind === "ipmi")) {
        out.push({
          host: n.name,
          path: fencePasswordFile(l.target),
          mode: "0600",
          owner: "root:root",
          content: `${marker("#")}\n# The BMC password of ${l.target}, read by oar-ha-ipmi (last line)\n${secrets.fencing[l.target] ?? ""}\n`,
          sensitive: true,
        });
      }
      out.push({
        host: n.name,
        path: HB_STANDBY_PATH,
        mode: "0755",
        owner: "root:root",
        content: installed(HB_STANDBY_SCRIPT),
      });
      if (c.heartbeat.monitor.enabled) {
        out.push(
          { host: n.name, path: HB_MONITOR, mode: "0755", owner: "root:root", content: installed(MONITOR_SH) },
          { host: n.name, path: HB_MONITOR_CONF, mode: "0644", owner: "root:root", content: monitorConf(c, g, n.name) },
        );
      }
    }
  }
  return out;
}
