import type { Cluster, OtherHost, ServerNode } from "../schema/cluster.js";
import type { Secrets } from "../secrets.js";
import { byKey, dbPort, dbVip, hostsWithRole, oarServers, splitCidr } from "../model/derive.js";
import type { RenderedFile } from "../render/rendered-file.js";
import { marker, renderTemplate } from "../render/template.js";
import oarConfTpl from "../templates/oar-conf.hbs";
import oarNodeTpl from "../templates/oar-node-default.hbs";
import oarCronTpl from "../templates/oar-cron.hbs";

interface Key {
  readonly name: string;
  readonly value: string;
}

/** oar.conf keys for a host; `withDb` adds database credentials (servers, frontends, API hosts). */
export function oarConfKeys(c: Cluster, s: Secrets, withDb: boolean): Key[] {
  const keys: Key[] = [
    { name: "SERVER_HOSTNAME", value: c.vips.oar.hostname },
    { name: "SERVER_PORT", value: String(c.oar.serverPort) },
    { name: "DETACH_JOB_FROM_SERVER", value: c.oar.detachJobFromServer ? "1" : "0" },
    { name: "LOG_FILE", value: c.oar.logFile },
    { name: "LOG_LEVEL", value: String(c.oar.logLevel) },
  ];
  if (withDb) {
    keys.push(
      { name: "DB_TYPE", value: c.database.engine === "postgresql" ? "Pg" : "mysql" },
      { name: "DB_HOSTNAME", value: dbVip(c).hostname },
      { name: "DB_PORT", value: String(dbPort(c)) },
      { name: "DB_BASE_NAME", value: c.database.name },
      { name: "DB_BASE_LOGIN", value: c.database.user },
      { name: "DB_BASE_PASSWD", value: s.dbPassword },
      { name: "DB_BASE_LOGIN_RO", value: c.database.readOnlyUser },
      { name: "DB_BASE_PASSWD_RO", value: s.dbReadOnlyPassword },
    );
  }
  const extra = Object.entries(c.oar.settings)
    .map(([name, value]) => ({ name, value }))
    .sort(byKey((k) => k.name));
  return [...keys, ...extra];
}

const OAR_CONF = "/etc/oar/oar.conf";

function oarConf(c: Cluster, s: Secrets, host: ServerNode | OtherHost, withDb: boolean): RenderedFile {
  return {
    host: host.name,
    path: OAR_CONF,
    // Debian's oar-common ships oar.conf 0600 oar:root: it holds the DB password.
    mode: "0600",
    owner: "oar:root",
    sensitive: withDb,
    merge: "shell-keys",
    content: renderTemplate(oarConfTpl, {
      marker: marker("#"),
      path: OAR_CONF,
      host: host.name,
      keys: oarConfKeys(c, s, withDb),
      unset: [...c.oar.unset].sort(),
    }),
  };
}

/** oar.conf on OAR servers, frontends, API hosts and compute nodes; /etc/default/oar-node on compute nodes. */
export function renderOarFiles(c: Cluster, s: Secrets): RenderedFile[] {
  const out: RenderedFile[] = [];
  const cron = renderTemplate(oarCronTpl, { marker: marker("#"), vip: splitCidr(c.vips.oar.address).address });
  for (const n of oarServers(c)) {
    out.push(oarConf(c, s, n, true));
    out.push({ host: n.name, path: "/etc/cron.d/oar-server", mode: "0644", owner: "root:root", content: cron });
  }
  const clients = [...hostsWithRole(c, "frontend"), ...hostsWithRole(c, "api")];
  for (const h of new Set(clients)) out.push(oarConf(c, s, h, true));
  for (const h of hostsWithRole(c, "compute")) {
    if (!clients.includes(h)) out.push(oarConf(c, s, h, false));
    out.push({
      host: h.name,
      path: "/etc/default/oar-node",
      mode: "0644",
      owner: "root:root",
      merge: "shell-keys",
      content: renderTemplate(oarNodeTpl, { marker: marker("#"), host: h.name, serverHostname: c.vips.oar.hostname }),
    });
  }
  return out;
}
