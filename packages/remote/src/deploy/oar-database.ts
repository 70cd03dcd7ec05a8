import type { Cluster, Secrets } from "@oar-ha/core";

/*
 * What `oar-database --create` does, as SQL read from stdin. OAR's own tool puts the
 * database passwords on psql/mysql command lines (visible in /proc to every local user
 * while it runs); oar-ha sends the same statements over stdin instead. The schema is OAR's
 * own (/usr/lib/oar/database, shipped by oar-server), read from an OAR server and carried
 * inline: in a four-node cluster the DB servers do not have OAR installed at all.
 */

export const OAR_SQL_DIR = "/usr/lib/oar/database";

/** OAR's schema files, in the order oar-database runs them. */
export const oarSchemaFiles = (engine: Cluster["database"]["engine"]): string[] => {
  const p = engine === "postgresql" ? "pg" : "mysql";
  return [`${p}_structure.sql`, "default_data.sql", `${p}_default_admission_rules.sql`].map(
    (f) => `${OAR_SQL_DIR}/${f}`,
  );
};

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** psql script, run as postgres against the `postgres` database; `schema` is the files' text, in order. */
export function pgCreateSql(c: Cluster, s: Secrets, schema: readonly string[]): string {
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
    ...schema,
    "RESET ROLE;",
    `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${readOnlyUser};`,
    `GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${readOnlyUser};`,
    "",
  ].join("\n");
}

/**
 * OAR 2.5.9's MySQL files do not load into MySQL 5.7+/MariaDB 10.x as shipped (oar-database
 * fails the same way), two defects repaired here:
 * - a column named `force`, a reserved word: quoted in the CREATE TABLE. OAR's own
 *   walltime-change queries still use it unquoted, so `oarwalltime` does not work on
 *   MySQL/MariaDB with this OAR version (PostgreSQL is fine).
 * - admission rule 8 writes `\\'` (an escaped backslash, then a quote that ends the string)
 *   where it means `\\\'` (a backslash and a quote kept in the rule's Perl text): the
 *   statement breaks and the client stops. Two backslashes before a quote become three.
 */
export const repairOarMysqlSql = (sql: string): string =>
  sql.replace(/^(\s*)force(\s+ENUM)/gm, "$1`force`$2").replace(/(?<!\\)\\\\'/g, "\\\\\\'");

/** mariadb script, run as root over the unix socket; `schema` is the files' text, in order. */
export function mysqlCreateSql(c: Cluster, s: Secrets, schema: readonly string[]): string {
  const { name, user, readOnlyUser } = c.database;
  return [
    `CREATE DATABASE ${name} CHARACTER SET latin1;`,
    `CREATE USER IF NOT EXISTS '${user}'@'localhost' IDENTIFIED BY ${lit(s.dbPassword)};`,
    `GRANT ALL PRIVILEGES ON ${name}.* TO '${user}'@'localhost';`,
    `CREATE USER IF NOT EXISTS '${readOnlyUser}'@'localhost' IDENTIFIED BY ${lit(s.dbReadOnlyPassword)};`,
    `GRANT SELECT ON ${name}.* TO '${readOnlyUser}'@'localhost';`,
    `USE ${name};`,
    ...schema.map(repairOarMysqlSql),
    "FLUSH PRIVILEGES;",
    "",
  ].join("\n");
}
