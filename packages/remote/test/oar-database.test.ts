import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exampleCluster, fixedSecrets } from "@oar-ha/core/testing";
import type { Cluster, Secrets } from "@oar-ha/core";
import { run, withMariadb, withPostgres } from "../../../tooling/real-tools.js";
import { dbLoginScript, dbLoginStdin, parseDbLogins, secretsMismatch } from "../src/deploy/db-login.js";
import { mysqlCreateSql, oarSchemaFiles, pgCreateSql, repairOarMysqlSql } from "../src/deploy/oar-database.js";

/*
 * The OAR database oar-ha creates (SQL over stdin instead of oar-database, whose passwords
 * travel on command lines), loaded into real throw-away servers with OAR 2.5.9's own schema
 * files (package oar-server, installed by .ci/run).
 */

const schema = (engine: "postgresql" | "mariadb") => oarSchemaFiles(engine).map((f) => readFileSync(f, "utf8"));

describe("repairOarMysqlSql (pure)", () => {
  it("quotes the reserved column and turns a quote-ending \\\\' into an escaped backslash and quote", () => {
    expect(repairOarMysqlSql("CREATE TABLE t (\nforce ENUM('YES','NO'),\ngranted_with_force INT)")).toBe(
      "CREATE TABLE t (\n`force` ENUM('YES','NO'),\ngranted_with_force INT)",
    );
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
      const rule8 = sql("", [
        "-N",
        "--raw",
        "-e",
        `select rule from ${c.database.name}.admission_rules where priority = 8`,
      ]).stdout;
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

/*
 * The check apply runs on the server that holds the database (preflight on a running cluster,
 * and while waiting for health): OAR's two accounts through the DB VIP with the secrets file's
 * passwords. Here the "VIP" is 127.0.0.1 of a throw-away server that takes password logins.
 */
describe("the OAR accounts' login check on real servers", () => {
  const onLoopback = (c: Cluster, port: number): Cluster => ({
    ...c,
    database: { ...c.database, port },
    vips: { ...c.vips, oar: { ...c.vips.oar, address: "127.0.0.1/8" } },
  });
  const other = (s: Secrets, rw: boolean, ro: boolean): Secrets => ({
    ...s,
    ...(rw ? { dbPassword: "NotTheOneTheDbHas1" } : {}),
    ...(ro ? { dbReadOnlyPassword: "NotTheOneTheDbHas2" } : {}),
  });
  const check = (c: Cluster, s: Secrets) => {
    const r = run("sh", ["-c", dbLoginScript(c)], { input: dbLoginStdin(s), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    return { out: r.stdout, refused: parseDbLogins(r.stdout).map((x) => x.user) };
  };

  for (const engine of ["postgresql", "mariadb"] as const) {
    it(`${engine}: the right passwords log in; a wrong one is named, for that account only; no password on a command line`, async () => {
      const port = engine === "postgresql" ? 54335 : 54336;
      const c = onLoopback(
        exampleCluster((x) => ({ ...x, database: { engine } })),
        port,
      );
      const s = fixedSecrets();
      const script = dbLoginScript(c);
      expect(script).not.toContain(s.dbPassword);
      expect(script).not.toContain(s.dbReadOnlyPassword);
      const body = (sql: (input: string, args?: readonly string[]) => { code: number | null; stderr: string }) => {
        const made =
          engine === "postgresql"
            ? sql(pgCreateSql(c, s, schema(engine)), ["-q", "-d", "postgres"])
            : sql(mysqlCreateSql(c, s, schema(engine)));
        expect(made.code, made.stderr).toBe(0);
        const ok = check(c, s);
        expect(ok.out).toBe(`${c.database.user}\t\n${c.database.readOnlyUser}\t\n`);
        expect(ok.refused).toEqual([]);
        expect(check(c, other(s, true, false)).refused).toEqual([c.database.user]);
        expect(check(c, other(s, false, true)).refused).toEqual([c.database.readOnlyUser]);
        expect(check(c, other(s, true, true)).refused).toEqual([c.database.user, c.database.readOnlyUser]);
      };
      if (engine === "postgresql") await withPostgres(body, { tcpPort: port });
      else await withMariadb(body, { tcpPort: port });
    }, 120_000);
  }

  it("a database that does not answer is not called a password refusal (that is the health wait's to report)", () => {
    const c = onLoopback(exampleCluster(), 54337);
    const r = check(c, fixedSecrets());
    expect(r.out).toMatch(/Connection refused|could not connect/);
    expect(r.refused).toEqual([]);
  });

  it("the message names the accounts, the file and the way out", () => {
    const m = secretsMismatch(
      [
        { user: "oar", answer: 'FATAL:  password authentication failed for user "oar"' },
        { user: "oar_ro", answer: "x" },
      ],
      "/etc/oar-ha/other.secrets.yaml",
    );
    expect(m.message).toContain("refuses oar and oar_ro");
    expect(m.message).toContain("/etc/oar-ha/other.secrets.yaml");
    expect(m.fix).toContain("--secrets");
  });
});
