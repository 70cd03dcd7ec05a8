import type { Cluster } from "../schema/cluster.js";
import type { Secrets } from "../secrets.js";
import { byKey, dbPort, dbServers, dbVip, hostsWithRole, oarServers, pgVersion, splitCidr } from "../model/derive.js";
import type { RenderedFile, ServicePolicy } from "../render/rendered-file.js";
import { marker, renderTemplate } from "../render/template.js";
import pgConfTpl from "../templates/postgresql-conf.hbs";
import pgHbaTpl from "../templates/pg-hba.hbs";
import pgStartTpl from "../templates/pg-start-conf.hbs";
import mysqlCnfTpl from "../templates/mysql-cnf.hbs";
import mysqlGrantsTpl from "../templates/mysql-grants.hbs";

/** Where the DB keeps its data: on the cluster filesystem, never on a server's own disk. */
export function dbDataDirectory(c: Cluster): string {
  const mp = c.storage.mountPoint.replace(/\/+$/, "");
  return c.database.engine === "postgresql" ? `${mp}/postgresql/${pgVersion(c)}/main` : `${mp}/mysql`;
}

export const pgConfigDir = (c: Cluster): string => `/etc/postgresql/${pgVersion(c)}/main`;
/** PostgreSQL's own keytab (krb_server_keyfile) when kerberos lists the postgres service: readable by postgres only. */
export const pgKeytab = (c: Cluster): string => `${pgConfigDir(c)}/krb5.keytab`;

/** Kerberos (gss) logins to PostgreSQL through the DB VIP: asked for in the kerberos section. */
const pgGss = (c: Cluster): { realm: string; keyfile: string } | undefined =>
  c.kerberos?.services.some((s) => s.service === "postgres")
    ? { realm: c.kerberos.realm, keyfile: pgKeytab(c) }
    : undefined;

export const mysqlConfPath = (c: Cluster): string =>
  c.database.engine === "mariadb" ? "/etc/mysql/mariadb.conf.d/90-oar-ha.cnf" : "/etc/mysql/mysql.conf.d/90-oar-ha.cnf";

interface Client {
  readonly address: string;
  readonly comment: string;
}

/** Every address the database must accept: OAR servers, frontends, API hosts, both VIPs. */
export function dbClients(c: Cluster): Client[] {
  const list: Client[] = [
    ...oarServers(c).map((n) => ({ address: n.address, comment: `OAR server ${n.name}` })),
    ...hostsWithRole(c, "frontend").map((h) => ({ address: h.address, comment: `frontend ${h.name}` })),
    ...hostsWithRole(c, "api").map((h) => ({ address: h.address, comment: `API host ${h.name}` })),
    {
      address: splitCidr(c.vips.oar.address).address,
      comment: `VIP ${c.vips.oar.hostname} (connections from the active server)`,
    },
  ];
  const db = dbVip(c);
  if (db !== c.vips.oar) list.push({ address: splitCidr(db.address).address, comment: `VIP ${db.hostname}` });
  const seen = new Set<string>();
  return list.filter((x) => !seen.has(x.address) && seen.add(x.address));
}

const pad = (s: string, w: number): string => " ".repeat(Math.max(1, w - s.length));

function settingsView(c: Cluster): { name: string; value: string }[] {
  const pg = c.database.engine === "postgresql";
  return Object.entries(c.database.settings)
    .map(([name, v]) => ({ name, value: pg && typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : String(v) }))
    .sort(byKey((x) => x.name));
}

function postgresFiles(c: Cluster, host: string): RenderedFile[] {
  const dir = pgConfigDir(c);
  const users = `${c.database.user},${c.database.readOnlyUser}`;
  const clients = dbClients(c).map((x) => ({
    ...x,
    address: `${x.address}/32`,
    pad: pad(c.database.name, 16),
    addressPad: pad(`${x.address}/32`, 24),
  }));
  return [
    {
      host,
      path: `${dir}/conf.d/90-oar-ha.conf`,
      mode: "0644",
      owner: "postgres:postgres",
      content: renderTemplate(pgConfTpl, {
        marker: marker("#"),
        version: pgVersion(c),
        storageKind: c.storage.kind === "drbd" ? "DRBD-replicated" : "shared",
        dataDirectory: dbDataDirectory(c),
        port: dbPort(c),
        settings: settingsView(c),
        gss: pgGss(c),
      }),
    },
    {
      host,
      path: `${dir}/pg_hba.conf`,
      mode: "0640",
      owner: "postgres:postgres",
      content: renderTemplate(pgHbaTpl, {
        marker: marker("#"),
        database: c.database.name,
        users,
        usersPad: pad(users, 16),
        clients,
        gss: pgGss(c),
        allPad: pad("all", 16),
      }),
    },
    {
      host,
      path: `${dir}/start.conf`,
      mode: "0644",
      owner: "postgres:postgres",
      content: renderTemplate(pgStartTpl, { marker: marker("#") }),
    },
  ];
}

function mysqlFiles(c: Cluster, s: Secrets, host: string): RenderedFile[] {
  const grants = dbClients(c).flatMap((x) => [
    { user: c.database.user, address: x.address, password: s.dbPassword, privileges: "ALL PRIVILEGES" },
    { user: c.database.readOnlyUser, address: x.address, password: s.dbReadOnlyPassword, privileges: "SELECT" },
  ]);
  return [
    {
      host,
      path: mysqlConfPath(c),
      mode: "0644",
      owner: "root:root",
      content: renderTemplate(mysqlCnfTpl, {
        marker: marker("#"),
        engineName: c.database.engine === "mariadb" ? "MariaDB" : "MySQL",
        storageKind: c.storage.kind === "drbd" ? "DRBD-replicated" : "shared",
        dataDirectory: dbDataDirectory(c),
        port: dbPort(c),
        settings: settingsView(c),
      }),
    },
    {
      host,
      path: "/etc/oar-ha/mysql-grants.sql",
      mode: "0600",
      owner: "root:root",
      sensitive: true,
      content: renderTemplate(mysqlGrantsTpl, { marker: marker("--"), database: c.database.name, grants }),
    },
  ];
}

export function renderDatabaseFiles(c: Cluster, s: Secrets): RenderedFile[] {
  return dbServers(c).flatMap((n) =>
    c.database.engine === "postgresql" ? postgresFiles(c, n.name) : mysqlFiles(c, s, n.name),
  );
}

/** The DB and OAR server must never start at boot: only the cluster manager starts them. */
export function bootPolicy(c: Cluster): ServicePolicy[] {
  const db = c.database.engine === "postgresql" ? "postgresql" : c.database.engine === "mariadb" ? "mariadb" : "mysql";
  const reason = `started by ${c.manager} on the active server only`;
  return [
    ...dbServers(c).map((n) => ({ host: n.name, service: db, boot: "disabled" as const, reason })),
    // Pacemaker's drbd agent brings the resource up; Heartbeat's drbddisk only promotes, so
    // there DRBD's own service keeps the passive connected (Secondary) from boot on.
    ...(c.storage.kind === "drbd" && c.manager === "pacemaker"
      ? dbServers(c).map((n) => ({
          host: n.name,
          service: "drbd",
          boot: "disabled" as const,
          reason: "brought up by Pacemaker's drbd agent (promotable clone)",
        }))
      : []),
    ...oarServers(c).map((n) => ({ host: n.name, service: "oar-server", boot: "disabled" as const, reason })),
  ];
}
