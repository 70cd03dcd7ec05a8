import { describe, expect, it } from "vitest";
import { serviceGroups } from "@oar-ha/core";
import { exampleCluster, fixedSecrets, fourNode } from "@oar-ha/core/testing";
import { haresourcesLine, renderHeartbeatFiles } from "../src/index.js";
import { shSyntax, writeTree } from "../../../tooling/real-tools.js";

const secrets = fixedSecrets();
const hb = exampleCluster((x) => ({ ...x, manager: "heartbeat" }));

describe("Heartbeat 3 files", () => {
  const files = renderHeartbeatFiles(hb, secrets);
  const on = (host: string, path: string) => files.find((f) => f.host === host && f.path === path)!;

  it("authkeys is 0600 with sha1 and the generated key (Heartbeat refuses anything looser)", () => {
    const a = on("srv-a", "/etc/ha.d/authkeys");
    expect(a.mode).toBe("0600");
    expect(a.content).toMatch(new RegExp(`^auth 1\\n1 sha1 ${secrets.heartbeatKey}\\n$`, "m"));
  });

  it("ha.cf is identical on both servers, with ucast on both links and safe timing", () => {
    const a = on("srv-a", "/etc/ha.d/ha.cf").content;
    expect(on("srv-b", "/etc/ha.d/ha.cf").content).toBe(a);
    for (const l of ["ucast eth0 10.0.0.11", "ucast eth0 10.0.0.12", "ucast eth1 192.168.10.11", "ucast eth1 192.168.10.12", "crm no", "auto_failback off", "deadtime 15", "initdead 60"]) {
      expect(a).toContain(`${l}\n`);
    }
    expect(a).toContain("stonith_host srv-b external/ipmi srv-a 10.0.1.11 admin bmc-pass-a lanplus");
    expect(on("srv-a", "/etc/ha.d/ha.cf").mode).toBe("0600");
  });

  it("haresources starts storage, then the VIP, then the DB, then OAR", () => {
    const [g] = serviceGroups(hb);
    expect(haresourcesLine(hb, g!)).toEqual(["drbddisk::oar-db", "Filesystem::/dev/drbd0::/srv/oar-ha::ext4", "IPaddr2::10.0.0.100/24/eth0", "oar-ha-db", "oar-ha-oar-server"]);
  });

  it("four servers become two independent pairs", () => {
    const four = exampleCluster((x) => ({ ...fourNode(x), manager: "heartbeat" }));
    const f = renderHeartbeatFiles(four, secrets);
    const haCf = (h: string) => f.find((x) => x.host === h && x.path === "/etc/ha.d/ha.cf")!.content;
    expect(haCf("o1")).toContain("node o1\nnode o2\n");
    expect(haCf("o1")).not.toContain("d1");
    expect(haCf("d1")).toContain("node d1\nnode d2\n");
    const res = (h: string) => f.find((x) => x.host === h && x.path === "/etc/ha.d/haresources")!.content;
    expect(res("o1")).toMatch(/^o1 IPaddr2::10\.0\.0\.100\/24\/eth0 oar-ha-oar-server$/m);
    expect(res("d1")).toMatch(/^d1 drbddisk::oar-db .* IPaddr2::10\.0\.0\.101\/24\/eth0 oar-ha-db$/m);
  });

  it("resource scripts are valid sh", () => {
    const dir = writeTree(files);
    for (const f of files.filter((x) => x.mode === "0755")) expect(shSyntax(`${dir}/${f.host}${f.path}`).code, f.path).toBe(0);
  });

  it("installs oar-ha's service monitor, started by Heartbeat (respawn), with its settings per server", () => {
    expect(on("srv-a", "/etc/ha.d/ha.cf").content).toContain("\nrespawn root /usr/lib/oar-ha/hb-monitor\n");
    expect(on("srv-a", "/usr/lib/oar-ha/hb-monitor").mode).toBe("0755");
    expect(on("srv-a", "/usr/lib/oar-ha/hb-standby").content).toContain("hb_standby\" all");
    const conf = on("srv-a", "/etc/oar-ha/hb-monitor.conf").content;
    for (const l of ["INTERVAL=5", "TIMEOUT=20", "MAX_RESTARTS=2", "WINDOW=600", "VIP='10.0.0.100'", "PEER='srv-b'", "SERVICES='db oar'", "DB_SCRIPT='/etc/ha.d/resource.d/oar-ha-db'", "OAR_SCRIPT='/etc/ha.d/resource.d/oar-ha-oar-server'", "HB_STANDBY='/usr/lib/oar-ha/hb-standby'", "HA_LOG='/var/log/ha-log'", "STATE_DIR='/run/oar-ha'"]) {
      expect(conf).toContain(`\n${l}\n`);
    }
    expect(on("srv-b", "/etc/oar-ha/hb-monitor.conf").content).toContain("\nPEER='srv-a'\n");
  });

  it("four servers: each pair's monitor watches its own service only", () => {
    const f = renderHeartbeatFiles(exampleCluster((x) => ({ ...fourNode(x), manager: "heartbeat" })), secrets);
    const conf = (h: string) => f.find((x) => x.host === h && x.path === "/etc/oar-ha/hb-monitor.conf")!.content;
    expect(conf("d1")).toContain("\nSERVICES='db'\nDB_SCRIPT='/etc/ha.d/resource.d/oar-ha-db'\nOAR_SCRIPT=''\n");
    expect(conf("d1")).toContain("\nVIP='10.0.0.101'\nPEER='d2'\n");
    expect(conf("o2")).toContain("\nSERVICES='oar'\nDB_SCRIPT=''\nOAR_SCRIPT='/etc/ha.d/resource.d/oar-ha-oar-server'\n");
  });

  it("with the monitor turned off: no respawn line, no monitor files (the hand-over script stays)", () => {
    const off = renderHeartbeatFiles(exampleCluster((x) => ({ ...x, manager: "heartbeat", heartbeat: { monitor: { enabled: false } } })), secrets);
    expect(off.find((x) => x.path === "/etc/ha.d/ha.cf")!.content).not.toContain("respawn");
    expect(off.map((x) => x.path)).not.toContain("/usr/lib/oar-ha/hb-monitor");
    expect(off.map((x) => x.path)).toContain("/usr/lib/oar-ha/hb-standby");
  });

  it("the database script checks with a query and ends a hung server with SIGKILL (PostgreSQL and MariaDB)", () => {
    const pg = on("srv-a", "/etc/ha.d/resource.d/oar-ha-db").content;
    expect(pg).toContain("runuser -u postgres -- psql -X -q -A -t -p \"$PORT\" -d postgres -c 'select 1'");
    expect(pg).toContain("PIDFILE=/srv/oar-ha/postgresql/15/main/postmaster.pid");
    const my = renderHeartbeatFiles(exampleCluster((x) => ({ ...x, manager: "heartbeat", database: { engine: "mariadb" } })), secrets).find((x) => x.host === "srv-a" && x.path === "/etc/ha.d/resource.d/oar-ha-db")!.content;
    expect(my).toContain("mysql --no-defaults --socket=\"$SOCK\" -uroot -N -B -e 'select 1'");
    expect(my).toContain("pkill -KILL -x mysqld_safe");
  });

  it("renders nothing for a Pacemaker cluster", () => {
    expect(renderHeartbeatFiles(exampleCluster(), secrets)).toEqual([]);
  });
});
