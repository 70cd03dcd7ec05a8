import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pgConfigDir, mysqlConfPath } from "@oar-ha/core";
import { CIB_CRM_PATH, CIB_XML_PATH, OCF_AGENT_PATH } from "@oar-ha/pacemaker-config";
import { resourcePath } from "@oar-ha/drbd-config";
import { dbClients } from "@oar-ha/core";
import {
  corosyncTest,
  crmLoad,
  crmVerifyXml,
  drbdDump,
  mariadbCheck,
  mariadbRunSql,
  postgresCheck,
  run,
  shSyntax,
  writeTree,
} from "../../../tooling/real-tools.js";
import { load, scenarios } from "./scenarios.js";

/*
 * The real tools accept what oar-ha generates: drbdadm, crm_verify, crmsh, corosync,
 * postgres, mariadbd, sh. Each checker is also shown a broken file once, to prove it can fail.
 */

const detail = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`.slice(0, 4000);

describe.each(scenarios)("%s: real tools accept the files", (scenario) => {
  const { cluster, files } = load(scenario);
  const dir = writeTree(files);
  const at = (host: string, path: string) => join(dir, host, path);
  const servers = cluster.nodes;
  const first = servers[0]!;
  const db = servers.find((n) => n.roles.includes("db"))!;
  const oar = servers.find((n) => n.roles.includes("oar"))!;

  if (cluster.storage.kind === "drbd") {
    const s = cluster.storage;
    it(`drbdadm (${s.version}) parses the resource file`, () => {
      const r = drbdDump(at(db.name, resourcePath(s)), s.version);
      expect(r.code, detail(r)).toBe(0);
      expect(r.stdout).toContain(`resource ${s.resource}`);
      expect(r.stdout).toMatch(/protocol\s+C;/);
    });
  }

  if (cluster.manager === "pacemaker") {
    it("crm_verify accepts the CIB XML", () => {
      const r = crmVerifyXml(at(first.name, CIB_XML_PATH));
      expect(r.code, detail(r)).toBe(0);
    });

    it("crmsh loads the crm script into an empty CIB and crm_verify accepts the result", () => {
      const r = crmLoad(at(first.name, CIB_CRM_PATH), at(oar.name, OCF_AGENT_PATH));
      expect(r.load.code, detail(r.load)).toBe(0);
      expect(r.verify.code, detail(r.verify)).toBe(0);
      // Same resources either way: the XML and the crm script come from one model.
      const ids = (xml: string) => [...xml.matchAll(/<(primitive|clone|group) id="([^"]+)"/g)].map((m) => m[2]).sort();
      expect(ids(readFileSync(r.cib, "utf8"))).toEqual(ids(readFileSync(at(first.name, CIB_XML_PATH), "utf8")));
    });

    it.each(servers.map((n) => n.name))("corosync -t accepts corosync.conf and authkey on %s", (name) => {
      const n = servers.find((x) => x.name === name)!;
      const r = corosyncTest(join(dir, name, "etc/corosync"), name, [
        n.address,
        ...(n.secondary ? [n.secondary.address] : []),
      ]);
      expect(r.code, detail(r)).toBe(0);
    });

    it("the OCF agent prints its meta-data and reports 'not running' where OAR is absent", () => {
      const agent = at(oar.name, OCF_AGENT_PATH);
      const meta = run(agent, ["meta-data"], { env: { OCF_ROOT: "/usr/lib/ocf" } });
      expect(meta.code, detail(meta)).toBe(0);
      expect(meta.stdout).toContain('<resource-agent name="oar-server"');
      const mon = run(agent, ["monitor"], { env: { OCF_ROOT: "/usr/lib/ocf", OCF_RESKEY_ctl: "/nonexistent" } });
      expect(mon.code).toBe(7);
    });
  }

  if (cluster.database.engine === "postgresql") {
    it("PostgreSQL accepts the settings and pg_hba.conf", () => {
      const dirPg = pgConfigDir(cluster);
      const r = postgresCheck(at(db.name, `${dirPg}/conf.d/90-oar-ha.conf`), at(db.name, `${dirPg}/pg_hba.conf`));
      expect(r.settings.code, detail(r.settings)).toBe(0);
      expect(r.settings.stdout.trim()).toBe(`${cluster.storage.mountPoint}/postgresql/15/main`);
      expect(r.hba.code, detail(r.hba)).toBe(0);
      expect(r.hba.stdout.trim()).toBe("0");
    });
  } else {
    it("mariadbd accepts the server settings", () => {
      const r = mariadbCheck(at(db.name, mysqlConfPath(cluster)));
      expect(r.code, detail(r)).toBe(0);
      expect(r.stdout).toMatch(/innodb-flush-log-at-trx-commit\s+1/);
    });

    it("MariaDB runs the grants script twice (re-runnable) and knows every client address", async () => {
      const sql = at(db.name, "/etc/oar-ha/mysql-grants.sql");
      const first = await mariadbRunSql(sql);
      expect(first.sql.code, detail(first.sql)).toBe(0);
      for (const a of dbClients(cluster).map((x) => x.address)) {
        expect(first.users).toContain(`${cluster.database.user}@${a}`);
        expect(first.users).toContain(`${cluster.database.readOnlyUser}@${a}`);
      }
    }, 120_000);
  }

  it("every generated script is valid sh", () => {
    const scripts = files.filter((f) => f.mode === "0755");
    expect(scripts.length).toBeGreaterThan(0);
    for (const f of scripts) {
      const r = shSyntax(at(f.host, f.path));
      expect(r.code, `${f.host}:${f.path}\n${detail(r)}`).toBe(0);
    }
  });
});

describe("the checkers can fail", () => {
  const { files, cluster } = load("two-node-pg-pacemaker-lvm");
  const dir = writeTree(files);
  const broken = (rel: string, from: string | RegExp, to: string) => {
    const p = join(dir, "srv-a", rel);
    writeFileSync(`${p}.broken`, readFileSync(p, "utf8").replace(from, to));
    return `${p}.broken`;
  };

  it("drbdadm rejects an unknown protocol", () => {
    expect(drbdDump(broken("etc/drbd.d/oar-db.res", "protocol C;", "protocol Q;"), "8.4").code).not.toBe(0);
  });
  it("crm_verify rejects a colocation with an unknown role", () => {
    expect(crmVerifyXml(broken(CIB_XML_PATH, 'with-rsc-role="Promoted"', 'with-rsc-role="Boss"')).code).not.toBe(0);
  });
  it("crmsh rejects a crm script naming a missing agent", () => {
    expect(crmLoad(broken(CIB_CRM_PATH, "ocf:heartbeat:IPaddr2", "ocf:heartbeat:NoSuchAgent")).load.code).not.toBe(0);
  });
  it("corosync rejects a node list without the local host", () => {
    expect(corosyncTest(join(dir, "srv-a/etc/corosync"), "elsewhere", ["10.9.9.9"]).code).not.toBe(0);
  });
  it("PostgreSQL rejects a bad boolean and a bad pg_hba line", () => {
    const conf = broken(`${pgConfigDir(cluster)}/conf.d/90-oar-ha.conf`, "fsync = on", "fsync = maybe");
    const hba = broken(`${pgConfigDir(cluster)}/pg_hba.conf`, /scram-sha-256\n$/, "no-such-method\n");
    const r = postgresCheck(conf, hba);
    expect(r.settings.code).not.toBe(0);
    expect(r.hba.code !== 0 || r.hba.stdout.trim() !== "0").toBe(true);
  });
});
