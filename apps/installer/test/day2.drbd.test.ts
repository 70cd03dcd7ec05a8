import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * DRBD day 2 on lab VMs (`npm run test:drbd`): the original kit's own setup, a two-node MariaDB
 * Heartbeat cluster (DRBD on a loop file), and on it
 * - `oar-ha bench`: killed with SIGKILL in the middle, then run again (it removes what the killed
 *   one left and leaves nothing itself), its report written to docs/bench/;
 * - D06: a real split brain (the lab's cluster file with its fencing removed, as a site without
 *   STONITH runs: a full partition between the servers makes both Primary), rows written on each side, then `oar-ha split-brain --keep`: the kept side's
 *   rows all there, the other side's gone, DRBD Connected/UpToDate, verify 0, cluster healthy.
 */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const docs = join(import.meta.dirname, "../../../docs/bench");
const root = "/mnt/oar-ha-lab-day2";
const clusterFile = join(root, "oar-ha.yaml");
const RES = "oar-db";

function oarHa(args: string[], timeoutMs = 3_600_000) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (Date.now() - t0) / 1000 };
}
const inHost = (host: string, script: string) =>
  oarHa(["lab", "exec", host, "--root", root, "--", "sh", "-c", script], 300_000);
const say = (m: string) => process.stderr.write(`day2: ${m}\n`);
const sql = (host: string, q: string) => inHost(host, `mysql -N -B -e ${JSON.stringify(q)}`);
const primaryOf = () => ["srv-a", "srv-b"].find((h) => inHost(h, `drbdadm role ${RES}`).out.startsWith("Primary"));
const leftovers = (host: string) =>
  inHost(
    host,
    "ls -d /var/lib/oar-ha/bench /srv/oar-ha/oar-ha-bench 2>/dev/null; pgrep -fa 'oar-ha/bench|oar-ha-bench|iperf3|sysbench|fio' | grep -v pgrep; losetup -a | grep bench; true",
  ).out.trim();

beforeAll(() => {
  const up = oarHa(["lab", "up", "--root", root, "--drbd", "loop", "--manager", "heartbeat", "--db", "mariadb"]);
  expect(up.code, up.err).toBe(0);
  // Without fencing: a split brain must be able to happen (D06 makes one).
  const lab = readFileSync(clusterFile, "utf8");
  const unfenced = lab.replace(/^fencing:\n( {2}.*\n)+/m, "fencing:\n  kind: none\n  acceptRisk: true\n");
  expect(unfenced).not.toBe(lab);
  writeFileSync(clusterFile, unfenced);
  const apply = oarHa(["apply", clusterFile, "--yes"]);
  say(`apply ${apply.seconds.toFixed(0)} s`);
  expect(apply.code, apply.err.slice(-3000)).toBe(0);
});

afterAll(() => {
  oarHa(["lab", "down", "--root", root]);
});

describe("DRBD day 2 on lab VMs: MariaDB Heartbeat, DRBD on a loop file", () => {
  /** OAR_HA_DAY2=d06 runs the split-brain test alone (the bench takes ten minutes under emulation). */
  it.skipIf(process.env.OAR_HA_DAY2 === "d06")(
    "bench: a run killed mid-way leaves its scratch space; the next one removes it first, measures, and leaves nothing",
    async () => {
      const args = [
        "bench",
        clusterFile,
        "--runs",
        "3",
        "--duration",
        "20",
        "--scale",
        "2",
        "--threads",
        "16",
        "--fio-seconds",
        "15",
        "--scratch-size",
        "400M",
      ];
      // Killed once it is in the middle of the first configuration's runs.
      const killed = await new Promise<boolean>((resolve) => {
        const p = spawn(process.execPath, [bin, ...args], {
          stdio: ["ignore", "ignore", "pipe"],
          env: { ...process.env, NO_COLOR: "1" },
        });
        let buf = "";
        let seen = false;
        p.stderr.on("data", (b: Buffer) => {
          buf += b.toString();
          if (!seen && /\[1\/9\] local run 1\/3/.test(buf)) {
            seen = true;
            p.kill("SIGKILL");
          }
        });
        p.once("close", () => resolve(seen));
      });
      expect(killed, "the first bench got to its first run").toBe(true);
      const primary = primaryOf()!;
      const left = leftovers(primary);
      say(`left by the killed bench on ${primary}:\n${left}`);
      expect(left).toContain("/var/lib/oar-ha/bench");

      mkdirSync(docs, { recursive: true });
      const report = join(docs, "drbd-lab-mariadb.md");
      const r = oarHa([...args, "--report", report]);
      say(`bench ${r.seconds.toFixed(0)} s\n${r.out}`);
      expect(r.code, r.err.slice(-3000)).toBe(0);
      expect(r.err).toMatch(
        new RegExp(`${primary}: removed what an earlier run left: .*process:\\d+.*dir:/var/lib/oar-ha/bench`),
      );
      for (const cfg of ["local filesystem", "DRBD \\(protocol C\\)", "DRBD, replication link saturated"])
        expect(r.out).toMatch(new RegExp(`^${cfg}.* 3 +[0-9.]+ \\(`, "m"));
      expect(r.out).toMatch(/synchronous 4 KiB writes/);
      expect(readFileSync(report.replace(/\.md$/, ".svg"), "utf8")).toMatch(/^<svg/);
      for (const h of ["srv-a", "srv-b"]) expect(leftovers(h), `nothing left on ${h}`).toBe("");
      expect(oarHa(["status", clusterFile]).code).toBe(0);
    },
  );

  it("D06: a real split brain (partition without fencing, rows on both sides) resolved by split-brain --keep", () => {
    const lab = JSON.parse(readFileSync(join(root, "lab.json"), "utf8")) as {
      hosts: { name: string; address: string; secondary?: string }[];
    };
    const keep = primaryOf()!;
    const other = keep === "srv-a" ? "srv-b" : "srv-a";
    const k = lab.hosts.find((h) => h.name === keep)!;
    expect(
      sql(keep, "CREATE DATABASE IF NOT EXISTS d06; CREATE TABLE IF NOT EXISTS d06.t (side VARCHAR(8), n INT)").code,
    ).toBe(0);
    for (let n = 1; n <= 20; n++) expect(sql(keep, `INSERT INTO d06.t VALUES ('before', ${n})`).code).toBe(0);

    // The passive loses the active on both links: Heartbeat there takes the group, DRBD becomes Primary on both.
    for (const peer of [k.address, k.secondary!])
      expect(oarHa(["lab", "drop", other, "--root", root, "--peer", peer]).code).toBe(0);
    const t0 = Date.now();
    while (Date.now() - t0 < 300_000 && sql(other, "SELECT 1").code !== 0) spawnSync("sleep", ["3"]);
    expect(inHost(other, `drbdadm role ${RES}`).out, "the partitioned passive promoted itself").toMatch(/^Primary/);
    for (let n = 1; n <= 10; n++) {
      expect(sql(keep, `INSERT INTO d06.t VALUES ('kept', ${n})`).code).toBe(0);
      expect(sql(other, `INSERT INTO d06.t VALUES ('lost', ${n})`).code).toBe(0);
    }
    expect(oarHa(["lab", "heal", other, "--root", root]).code).toBe(0);
    spawnSync("sleep", ["30"]);

    const seen = oarHa(["split-brain", clusterFile]);
    say(`split-brain:\n${seen.out}`);
    expect(seen.code, seen.err).toBe(1);
    expect(seen.out).toMatch(/^SPLIT BRAIN: /);
    const fixed = oarHa(["split-brain", clusterFile, "--keep", keep, "--yes"]);
    say(`split-brain --keep ${keep}: ${fixed.seconds.toFixed(0)} s\n${fixed.out}${fixed.err.slice(-2000)}`);
    expect(fixed.code, fixed.err.slice(-3000)).toBe(0);
    expect(fixed.out).toMatch(/0 KiB out of sync/);

    const primary = primaryOf();
    expect(primary).toBe(keep);
    const rows = sql(keep, "SELECT side, COUNT(*) FROM d06.t GROUP BY side ORDER BY side");
    say(`rows after: ${rows.out.replace(/\n/g, "; ")}`);
    expect(rows.out).toMatch(/^before\t20$/m);
    expect(rows.out).toMatch(/^kept\t10$/m);
    expect(rows.out).not.toMatch(/^lost/m);
    for (const h of ["srv-a", "srv-b"])
      expect(inHost(h, `drbdadm cstate ${RES}; drbdadm dstate ${RES}`).out).toMatch(/^Connected\nUpToDate\/UpToDate/);
    const st = oarHa(["status", clusterFile]);
    expect(st.code, st.out).toBe(0);
  });
});
