import { issue, type Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";
import { dbPort } from "../model/derive.js";

/** Settings that decide whether a committed transaction survives a crash: never weakened. */
const durable: Record<"postgresql" | "mysql", Record<string, (v: string) => boolean>> = {
  postgresql: {
    fsync: (v) => ["on", "true", "1", "yes"].includes(v),
    synchronous_commit: (v) => ["on", "remote_apply", "remote_write", "local"].includes(v),
    full_page_writes: (v) => ["on", "true", "1", "yes"].includes(v),
    wal_sync_method: (v) => v !== "",
  },
  mysql: {
    innodb_flush_log_at_trx_commit: (v) => v === "1",
    sync_binlog: (v) => v === "1",
    innodb_doublewrite: (v) => ["1", "on", "true"].includes(v),
    innodb_flush_method: (v) => !["nosync"].includes(v.toLowerCase()),
  },
};

/** oar.conf keys oar-ha derives from the cluster; setting them by hand would break failover. */
export const managedOarKeys = [
  "SERVER_HOSTNAME",
  "SERVER_PORT",
  "DB_TYPE",
  "DB_HOSTNAME",
  "DB_PORT",
  "DB_BASE_NAME",
  "DB_BASE_LOGIN",
  "DB_BASE_PASSWD",
  "DB_BASE_LOGIN_RO",
  "DB_BASE_PASSWD_RO",
  "DETACH_JOB_FROM_SERVER",
  "LOG_FILE",
];

export function databaseRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  const family = c.database.engine === "postgresql" ? "postgresql" : "mysql";
  for (const [key, value] of Object.entries(c.database.settings)) {
    const ok = durable[family][key.replace(/-/g, "_")];
    if (ok && !ok(String(value).toLowerCase())) {
      out.push(
        issue(
          "DbDurability",
          `database.settings.${key}`,
          `${key} = ${String(value)} lets a crash lose committed transactions`,
          `remove database.settings.${key}; oar-ha keeps it durable`,
        ),
      );
    }
  }
  if (c.oar.version === "3" && c.database.engine !== "postgresql") {
    out.push(
      issue(
        "OarVersionEngine",
        "database.engine",
        `OAR 3 supports PostgreSQL only, not ${c.database.engine}`,
        'use `engine: postgresql`, or `oar.version: "2.5"`',
      ),
    );
  }
  if (!c.oar.detachJobFromServer) {
    out.push(
      issue(
        "OarDetach",
        "oar.detachJobFromServer",
        "with DETACH_JOB_FROM_SERVER=0 every running job dies when the OAR server fails over",
        "remove `oar.detachJobFromServer: false`",
        "warning",
      ),
    );
  }
  for (const key of Object.keys(c.oar.settings)) {
    if (managedOarKeys.includes(key)) {
      out.push(
        issue(
          "OarReservedKey",
          `oar.settings.${key}`,
          `${key} is derived by oar-ha from the cluster file`,
          `remove oar.settings.${key}; set the matching cluster field instead (vips, database, oar)`,
        ),
      );
    }
  }
  if (c.database.user === c.database.readOnlyUser) {
    out.push(
      issue(
        "DbUsersEqual",
        "database.readOnlyUser",
        `the read-only user equals the read-write user "${c.database.user}"`,
        "use another name, e.g. oar_ro",
      ),
    );
  }
  return out;
}

export function portRules(c: Cluster): Issue[] {
  const tcp: [number, string, string][] = [
    [dbPort(c), "database.port", "the database"],
    [c.oar.serverPort, "oar.serverPort", "the OAR server"],
  ];
  if (c.storage.kind === "drbd") tcp.push([c.storage.port, "storage.port", "DRBD replication"]);
  if (c.oar.version === "3")
    tcp.push([6670, "oar.serverPort", "OAR 3 (ZeroMQ 6670)"], [6671, "oar.serverPort", "OAR 3 (ZeroMQ 6671)"]);
  const sshPorts = new Set(c.nodes.map((n) => n.ssh.port));
  for (const p of sshPorts) tcp.push([p, "nodes", "SSH"]);
  const out: Issue[] = [];
  const seen = new Map<number, string>();
  for (const [port, path, what] of tcp) {
    const prev = seen.get(port);
    if (prev !== undefined && prev !== what) {
      out.push(
        issue("DuplicatePort", path, `TCP port ${port} is used by ${prev} and ${what}`, `give ${what} another port`),
      );
    } else seen.set(port, what);
  }
  if (c.manager === "heartbeat" && [5404, 5405].includes(c.heartbeat.udpport)) {
    out.push(
      issue(
        "DuplicatePort",
        "heartbeat.udpport",
        `UDP port ${c.heartbeat.udpport} is corosync's`,
        "keep Heartbeat on 694",
      ),
    );
  }
  return out;
}
