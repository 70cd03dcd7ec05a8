import type { Cluster, Secrets } from "@oar-ha/core";

/*
 * What `oar-database --create` does, as SQL read from stdin. OAR's own tool puts the
 * database passwords on psql/mysql command lines (visible in /proc to every local user
 * while it runs); oar-ha sends the same statements over stdin instead. The schema comes
 * from OAR's own files (/usr/lib/oar/database), in the order oar-database uses.
 */

const SQL_DIR = "/usr/lib/oar/database";
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** psql script, run as postgres against the `postgres` database. */
export function pgCreateSql(c: Cluster, s: Secrets): string {
  const { name, user, readOnlyUser } = c.database;
  return [
    "\\set ON_ERROR_STOP on",
    `CREATE ROLE ${user} LOGIN PASSWORD ${lit(s.dbPassword)};`,
    `CREATE ROLE ${readOnlyUser} LOGIN PASSWORD ${lit(s.dbReadOnlyPassword)};`,
    `CREATE DATABASE ${name} OWNER ${user};`,
    `GRANT ALL PRIVILEGES ON DATABASE ${name} TO ${user};`,
    `\\connect ${name}`,
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
    `GRANT CREATE ON SCHEMA public TO ${user};`,
    `SET ROLE ${user};`,
    `\\i ${SQL_DIR}/pg_structure.sql`,
    `\\i ${SQL_DIR}/default_data.sql`,
    `\\i ${SQL_DIR}/pg_default_admission_rules.sql`,
    "RESET ROLE;",
    `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${readOnlyUser};`,
    `GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${readOnlyUser};`,
    "",
  ].join("\n");
}

/** mariadb script, run as root over the unix socket. */
export function mysqlCreateSql(c: Cluster, s: Secrets): string {
  const { name, user, readOnlyUser } = c.database;
  return [
    `CREATE DATABASE ${name} CHARACTER SET latin1;`,
    `CREATE USER IF NOT EXISTS '${user}'@'localhost' IDENTIFIED BY ${lit(s.dbPassword)};`,
    `GRANT ALL PRIVILEGES ON ${name}.* TO '${user}'@'localhost';`,
    `CREATE USER IF NOT EXISTS '${readOnlyUser}'@'localhost' IDENTIFIED BY ${lit(s.dbReadOnlyPassword)};`,
    `GRANT SELECT ON ${name}.* TO '${readOnlyUser}'@'localhost';`,
    `USE ${name};`,
    `SOURCE ${SQL_DIR}/mysql_structure.sql;`,
    `SOURCE ${SQL_DIR}/default_data.sql;`,
    `SOURCE ${SQL_DIR}/mysql_default_admission_rules.sql;`,
    "FLUSH PRIVILEGES;",
    "",
  ].join("\n");
}
