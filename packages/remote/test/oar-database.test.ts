import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exampleCluster, fixedSecrets } from "@oar-ha/core/testing";
import { withMariadb, withPostgres } from "../../../tooling/real-tools.js";
import { mysqlCreateSql, oarSchemaFiles, pgCreateSql, repairOarMysqlSql } from "../src/deploy/oar-database.js";

/*
 * The OAR database oar-ha creates (SQL over stdin instead of oar-database, whose passwords
 * travel on command lines), loaded into real throw-away servers with OAR 2.5.9's own schema
 * files (package oar-server, installed by .ci/run).
 */

const schema = (engine: "postgresql" | "mariadb") => oarSchemaFiles(engine).map((f) => readFileSync(f, "utf8"));

describe("repairOarMysqlSql (pure)", () => {
  it("quotes the reserved column and turns a quote-ending \\\\' into an escaped backslash and quote", () => {
    expect(repairOarMysqlSql("CREATE TABLE t (\nforce ENUM('YES','NO'),\ngranted_with_force INT)")).toBe("CREATE TABLE t (\n`force` ENUM('YES','NO'),\ngranted_with_force INT)");
    expect(repairOarMysqlSql("'IN(\\\\'Waiting\\\\')'")).toBe("'IN(\\\\\\'Waiting\\\\\\')'");
    // Already correct escapes (three backslashes) stay as they are.
    expect(repairOarMysqlSql("'drain=\\\\\\'NO\\\\\\''")).toBe("'drain=\\\\\\'NO\\\\\\''");
  });
});

describe("the OAR database on real servers", () => {
  it("MariaDB: OAR's files as shipped do not load (negative control); repaired, the whole schema does", async () => {
    const c = exampleCluster((x) => ({ ...x, database: { engine: "mariadb" } }));
    const raw = schema("mariadb");
    await withMariadb((sql) => {
      const control = sql(`CREATE DATABASE ctl; USE ctl;\n${raw.join("\n")}`);
      expect(control.code).not.toBe(0);
      const r = sql(mysqlCreateSql(c, fixedSecrets(), raw));
      expect(r.code, r.stderr).toBe(0);
      const count = (q: string) => sql("", ["-N", "-e", q]).stdout.trim();
      expect(count(`select count(*) from ${c.database.name}.admission_rules`)).toBe("17");
      expect(count(`select count(*) from ${c.database.name}.queues`)).toBe("3");
      expect(count(`select count(*) from ${c.database.name}.\`schema\``)).toBe("1");
      // Rule 8 keeps its Perl text: the quotes around the job states survive, escaped.
      const rule8 = sql("", ["-N", "--raw", "-e", `select rule from ${c.database.name}.admission_rules where priority = 8`]).stdout;
      expect(rule8).toContain("state IN(\\'Waiting\\',\\'Hold\\'");
    });
  }, 120_000);

  it("PostgreSQL: roles, database and the whole schema from stdin", async () => {
    const c = exampleCluster();
    await withPostgres((psql) => {
      const r = psql(pgCreateSql(c, fixedSecrets(), schema("postgresql")), ["-q", "-d", "postgres"]);
      expect(r.code, r.stderr).toBe(0);
      const q = (sql: string) => psql("", ["-d", c.database.name, "-Atc", sql]).stdout.trim();
      expect(q("select count(*) from admission_rules")).toBe("17");
      expect(q("select count(*) from queues")).toBe("3");
      expect(q(`select tableowner from pg_tables where tablename = 'jobs'`)).toBe(c.database.user);
      expect(q(`select has_table_privilege('${c.database.readOnlyUser}', 'jobs', 'select')`)).toBe("t");
      expect(q(`select has_table_privilege('${c.database.readOnlyUser}', 'jobs', 'insert')`)).toBe("f");
    });
  }, 120_000);
});
