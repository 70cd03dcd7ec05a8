import { describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import { logSources, unexplained } from "../src/logs.js";

// Lines copied from a real lab run (two-node PostgreSQL Pacemaker, 2026-11-25).
const S05_PACEMAKER = [
  "Nov 25 22:20:25.661 srv-a pacemaker-controld  [159] (crmd_cs_destroy) \tcrit: Lost connection to cluster layer, shutting down",
  "Nov 25 22:20:25.661 srv-a pacemaker-based     [154] (pcmk_cpg_dispatch) \terror: Connection to the CPG API failed: Library error (2)",
  "Nov 25 22:20:25.665 srv-a pacemakerd          [151] (pcmk_child_exit) \terror: pacemaker-controld[159] exited with status 102 (Not connected)",
  "Nov 25 22:20:25.693 srv-a pacemaker-execd     [156] (mainloop_gio_callback) \terror: Connection to stonith-ng closed |client=0x56395e92f930 condition=17",
  "Nov 25 22:20:26.661 srv-a pacemaker-attrd     [157] (internal_ipc_get_reply) \terror: cib_rw IPC provider disconnected while waiting for message 21",
  "Nov 25 22:20:26.665 srv-a pacemakerd          [151] (cluster_connect_cfg) \tcrit: Could not connect to Corosync CFG: CS_ERR_LIBRARY | rc=2",
  "Nov 25 22:20:26.700 srv-a pacemaker-controld  [159] (do_log) \tnotice: State transition S_IDLE -> S_POLICY_ENGINE",
  "Nov 25 22:21:17  pgsql(db)[675]:    ERROR: command failed: runuser postgres -c cd /srv/oar-ha/postgresql/15/main; kill -s 0 1202 >/dev/null 2>&1",
  'Nov 25 22:21:17  pgsql(db)[675]:    WARNING: psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL: the database system is starting up ',
].join("\n");

const PG_LOG = [
  "2026-11-25 22:18:58.896 UTC [9993] oar@oar FATAL:  the database system is not yet accepting connections",
  "2026-11-25 22:18:58.901 UTC [9994] oar@oar FATAL:  terminating connection due to administrator command",
  "2026-11-25 22:18:59.000 UTC [9995] LOG:  database system is ready to accept connections",
].join("\n");

describe("the audit's log check", () => {
  it("excuses Heartbeat's memory-lock error in the lab only (a limit of the lab's machine)", () => {
    const hb = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "none", acceptRisk: true },
      pacemaker: undefined,
    }));
    const src = logSources(hb).find((s) => s.path === "/var/log/ha-log")!;
    const line =
      "Nov 25 22:25:20 srv-a heartbeat: [247]: ERROR: Cannot lock ourselves into memory:  System limits on locked-in memory are too small.";
    expect(unexplained(src, line, "F01", "lab").unexplained).toEqual([]);
    expect(unexplained(src, line, "F01", "ssh").unexplained).toHaveLength(1);
  });

  it("explains Heartbeat's packets refused by a partition's firewall (N01, N02), nowhere else", () => {
    const hb = exampleCluster((x) => ({
      ...x,
      manager: "heartbeat",
      fencing: { kind: "lab", hypervisor: "10.77.0.2" },
      pacemaker: undefined,
    }));
    const src = logSources(hb).find((s) => s.path === "/var/log/ha-log")!;
    // Copied from the lab (N01, two-node MariaDB Heartbeat, 2026-12-06).
    const lines = [
      "Dec 06 20:55:26 srv-a heartbeat: [316]: ERROR: glib: ucast_write: Unable to send HBcomm packet eth1 10.78.0.12:694 len=311 [-1]: Operation not permitted",
      "Dec 06 20:55:26 srv-a heartbeat: [316]: ERROR: write_child: write failure on ucast eth1.: Operation not permitted",
    ].join("\n");
    expect(unexplained(src, lines, "N01")).toEqual({ errors: 2, unexplained: [] });
    expect(unexplained(src, lines, "N02").unexplained).toEqual([]);
    expect(unexplained(src, lines, "F01").unexplained).toHaveLength(2);
  });

  const c = exampleCluster();
  const pcmk = logSources(c).find((s) => s.host === "srv-a" && s.path.endsWith("pacemaker.log"))!;
  const pg = logSources(c).find((s) => s.host === "srv-a" && s.path.includes("postgresql"))!;

  it("reads the cluster manager's, the DB's and OAR's logs on the servers", () => {
    expect(logSources(c).map((s) => `${s.host}:${s.path}`)).toEqual(
      expect.arrayContaining([
        "srv-a:/var/log/pacemaker/pacemaker.log",
        "srv-b:/var/log/corosync/corosync.log",
        "srv-a:/var/log/oar.log",
      ]),
    );
    expect(pg.path).toMatch(/^\/var\/log\/postgresql\/postgresql-\d+-main\.log$/);
  });

  it("explains what a killed corosync makes Pacemaker log (S05), counting only error-level lines", () => {
    const r = unexplained(pcmk, S05_PACEMAKER, "S05");
    expect(r.errors).toBe(7); // the notice and the agent's WARNING are not errors
    expect(r.unexplained).toEqual([]);
  });

  it("does not explain the same lines in a scenario that never touches corosync", () => {
    const r = unexplained(pcmk, S05_PACEMAKER, "S01");
    expect(r.unexplained.map((x) => x.line)).toEqual(
      expect.arrayContaining([expect.stringContaining("Lost connection to cluster layer")]),
    );
    // The DB's own start-up noise is explained in any scenario.
    expect(r.unexplained.some((x) => x.line.includes("kill -s 0"))).toBe(false);
  });

  it("explains clients cut off while PostgreSQL restarts, and flags what no fault explains", () => {
    expect(unexplained(pg, PG_LOG, "S02")).toEqual({ errors: 2, unexplained: [] });
    // Seen in S03 (2026-11-25): backends outliving a killed postmaster; not explained when only Almighty was killed.
    const orphan =
      "2026-11-25 23:25:45.211 UTC [74997] oar@oar FATAL:  terminating connection due to unexpected postmaster exit";
    expect(unexplained(pg, orphan, "S03").unexplained).toEqual([]);
    expect(unexplained(pg, orphan, "S01").unexplained).toHaveLength(1);
    const bad = `${PG_LOG}\n2026-11-25 22:19:00.000 UTC [1] PANIC:  could not write to file "pg_wal/xlogtemp.1": No space left on device`;
    const r = unexplained(pg, bad, "S02");
    expect(r.errors).toBe(3);
    expect(r.unexplained).toHaveLength(1);
    expect(r.unexplained[0]?.host).toBe("srv-a");
    expect(r.unexplained[0]?.line).toContain("PANIC");
    // Seen in F01 (2026-11-26) on the server rejoining after its crash; not explained in S01.
    const qb =
      "Nov 26 00:10:00.836 srv-b pacemaker-fenced    [143] (handle_new_connection) \terror: Error in connection setup (/dev/shm/qb-143-144-9-szpTS4/qb): Broken pipe (32)";
    expect(unexplained(pcmk, qb, "F01").unexplained).toEqual([]);
    expect(unexplained(pcmk, qb, "S01").unexplained).toHaveLength(1);
    // Seen in four-node F01 (2026-11-26): the mysql agent's probe on the DB server back from its crash.
    const mysqlProbe = "Nov 26 02:03:36  mysql(db)[239]:    ERROR: Datadir /srv/oar-ha/mysql doesn't exist";
    expect(unexplained(pcmk, mysqlProbe, "F01").unexplained).toEqual([]);
    expect(
      unexplained(pcmk, "Nov 26 02:03:36  mysql(db)[239]:    ERROR: Config /etc/mysql/my.cnf doesn't exist", "F01")
        .unexplained,
    ).toHaveLength(1);
    // Seen in S02 (2026-12-06): Almighty's failed connection while PostgreSQL restarted; a finding in S01 (the DB stays up).
    const ioLib =
      '[error] [2026-12-06 03:42:21.276] [IOlib] Cannot connect to database (type=Pg, host=oar.lab, user=oar, database=oar) : connection to server at "oar.lab" (10.77.0.100), port 5432 failed';
    const oarLog = logSources(c).find((x) => x.path === "/var/log/oar.log")!;
    expect(unexplained(oarLog, ioLib, "S02")).toEqual({ errors: 1, unexplained: [] });
    expect(unexplained(oarLog, ioLib, "S01").unexplained).toHaveLength(1);
    // Seen in four-node S02 (2026-11-26): restarting MariaDB after kill -9; not explained in S01.
    const pidFile = "Nov 26 02:21:05  mysql(db)[15418]:    ERROR: MySQL not running: removing old PID file";
    expect(unexplained(pcmk, pidFile, "S02").unexplained).toEqual([]);
    expect(unexplained(pcmk, pidFile, "S01").unexplained).toHaveLength(1);
    const multi =
      "Nov 25 22:20:26.700 srv-a pacemaker-schedulerd[160] (native_create_actions) \terror: Resource db is active on 2 nodes (attempting recovery)";
    expect(unexplained(pcmk, multi, "N01").unexplained).toHaveLength(1);
  });
});
