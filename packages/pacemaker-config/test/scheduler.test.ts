import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exampleCluster, fixedSecrets } from "@oar-ha/core/testing";
import { CIB_XML_PATH, renderPacemakerFiles } from "../src/index.js";

/*
 * The rendered CIB given to Pacemaker's own scheduler (crm_simulate, from pacemaker-cli-utils)
 * with a file-backed CIB: no cluster runs, but every placement below is Pacemaker's decision,
 * not ours. The example cluster has two servers, srv-a and srv-b, and the database on DRBD.
 */

const dir = mkdtempSync(join(tmpdir(), "oar-ha-sched-"));
const MASTER = "master-drbd-oar-ha";
const CLONE = "drbd-oar-ha-clone";
const FENCE_ID = "drbd-fence-by-handler-oar-db-drbd-oar-ha-clone";

function tool(cmd: string, args: string[], cibFile?: string): string {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: cibFile ? { ...process.env, CIB_file: cibFile } : process.env,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}\n${r.stderr}${r.stdout}`);
  return `${r.stdout}${r.stderr}`;
}

let step = 0;
/** Runs the scheduler's transition on `from` (after the injections) and returns the new CIB file and the summary. */
function simulate(from: string, inject: string[] = []): { cib: string; actions: string[] } {
  const cib = join(dir, `s${++step}.xml`);
  const out = tool("crm_simulate", ["-x", from, ...inject, "-S", "-O", cib]);
  return { cib, actions: summary(out) };
}

/** What the scheduler would do now, without doing it. */
function plan(cib: string): string[] {
  return summary(tool("crm_simulate", ["-x", cib, "-R"]));
}

/** "Transition Summary" lines, spaces squeezed: "Move fs-oar-ha ( srv-a -> srv-b )". */
function summary(out: string): string[] {
  const from = out.indexOf("Transition Summary:");
  if (from < 0) return [];
  const lines: string[] = [];
  for (const l of out.slice(from).split("\n").slice(1)) {
    if (!l.trim().startsWith("*")) break;
    lines.push(l.trim().slice(1).trim().replace(/\s+/g, " "));
  }
  return lines;
}

/** Where the group's members run and which server holds the promoted DRBD, from the saved CIB. */
function placement(cib: string): { group: string[]; promoted: string[] } {
  const out = tool("crm_simulate", ["-x", cib]);
  const group = [...out.matchAll(/^\s*\* (?:fs-oar-ha|vip-oar-ha|db|oar-server)\s.*?(Started (\S+)|Stopped)/gm)].map(
    (m) => m[2] ?? "stopped",
  );
  const promoted = /Promoted: \[ ([^\]]*) \]/.exec(out)?.[1]?.trim().split(/\s+/) ?? [];
  return { group, promoted };
}

function setAttr(cib: string, node: string, value: number): void {
  tool("crm_attribute", ["-N", node, "-l", "reboot", "-n", MASTER, "-v", String(value)], cib);
}

/** The constraint DRBD's crm-fence-peer.sh writes: the promoted role only on the server that fenced. */
function fencePeer(cib: string, keep: string): void {
  tool(
    "cibadmin",
    [
      "-C",
      "-o",
      "constraints",
      "-X",
      `<rsc_location id="${FENCE_ID}" rsc="${CLONE}"><rule id="${FENCE_ID}-rule" role="Promoted" score="-INFINITY">` +
        `<expression id="${FENCE_ID}-expr" attribute="#uname" operation="ne" value="${keep}"/></rule></rsc_location>`,
    ],
    cib,
  );
}

function unfencePeer(cib: string): void {
  tool("cibadmin", ["-D", "-o", "constraints", "-X", `<rsc_location id="${FENCE_ID}"/>`], cib);
}

function copy(cib: string): string {
  const to = join(dir, `s${++step}.xml`);
  writeFileSync(to, readFileSync(cib));
  return to;
}

const other = (n: string) => (n === "srv-a" ? "srv-b" : "srv-a");

describe("the rendered CIB under Pacemaker's scheduler (crm_simulate)", () => {
  let base = "";
  beforeAll(() => {
    const xml = renderPacemakerFiles(exampleCluster(), fixedSecrets()).find(
      (f) => f.host === "srv-a" && f.path === CIB_XML_PATH,
    )!.content;
    base = join(dir, "cib.xml");
    // What a running cluster adds: quorum, and its Pacemaker's feature set (the scheduler reads
    // fail counts by their current names only from a CIB that says it is that recent). The
    // status section starts empty, as rendered.
    const features = /Supporting v(\d+\.\d+\.\d+)/.exec(tool("pacemakerd", ["--features"]))![1]!;
    writeFileSync(base, xml.replace("<cib ", `<cib have-quorum="1" crm_feature_set="${features}" `));
  });

  it("is accepted as written: crm_verify passes and the scheduler can bring both servers in", () => {
    tool("crm_verify", ["-x", base]);
    const up = simulate(base, ["--node-up", "srv-a", "--node-up", "srv-b"]);
    expect(up.actions).toContain("Start drbd-oar-ha:0 ( srv-a )");
    expect(up.actions).toContain("Start drbd-oar-ha:1 ( srv-b )");
    // No promotion score yet (DRBD's agent sets it once the data is UpToDate): nothing else starts.
    expect(up.actions.filter((a) => a.includes("oar-ha ") || a.startsWith("Promote"))).toEqual([]);
  });

  it("promotes one server, starts the whole group after it there, and a crash moves both, keeps the returning server out until unfenced, then does not fail back", () => {
    let s = simulate(base, ["--node-up", "srv-a", "--node-up", "srv-b"]);
    for (const n of ["srv-a", "srv-b"]) setAttr(s.cib, n, 10000);
    s = simulate(s.cib);
    const first = placement(s.cib);
    expect(first.promoted).toHaveLength(1);
    const holder = first.promoted[0]!;
    expect(first.group).toEqual([holder, holder, holder, holder]);
    expect(plan(s.cib)).toEqual([]);

    // The holder dies: fenced, the survivor promoted, the group follows.
    const survivor = other(holder);
    s = simulate(s.cib, ["--node-fail", holder]);
    expect(s.actions).toContain(`Fence (reboot) ${holder} 'peer is no longer part of the cluster'`);
    expect(s.actions).toContain(
      `Promote drbd-oar-ha:${holder === "srv-a" ? 1 : 0} ( Unpromoted -> Promoted ${survivor} )`,
    );
    expect(placement(s.cib)).toEqual({ group: [survivor, survivor, survivor, survivor], promoted: [survivor] });

    // DRBD's fence handler on the survivor forbids the promoted role elsewhere; the dead server returns.
    fencePeer(s.cib, survivor);
    s = simulate(s.cib, ["--node-up", holder]);
    expect(s.actions.filter((a) => a.includes("drbd-oar-ha"))).toHaveLength(1);
    expect(s.actions.find((a) => a.includes("drbd-oar-ha"))).toMatch(
      new RegExp(`^Start drbd-oar-ha:\\d \\( ${holder} \\)$`),
    );

    // Resyncing (DRBD's agent scores "only the peer's data is UpToDate" 10), then UpToDate (10000)
    // while still fenced: nothing moves.
    setAttr(s.cib, holder, 10);
    expect(plan(s.cib)).toEqual([]);
    setAttr(s.cib, holder, 10000);
    expect(plan(s.cib)).toEqual([]);

    // crm-unfence-peer.sh removes the constraint after the resync: still nothing moves, at the
    // resync's score and at the full one.
    const unfenced = copy(s.cib);
    unfencePeer(unfenced);
    expect(plan(unfenced)).toEqual([]);
    setAttr(unfenced, holder, 10);
    expect(plan(unfenced)).toEqual([]);
    expect(placement(unfenced)).toEqual({ group: [survivor, survivor, survivor, survivor], promoted: [survivor] });
  });

  it("a failed start on the survivor: one failure of three keeps the group there when the peer is unfenced; a ban (INFINITY) sends it back", () => {
    // The cluster's own property, as rendered: a failed start is not fatal.
    expect(readFileSync(base, "utf8")).toContain('name="start-failure-is-fatal" value="false"');
    let s = simulate(base, ["--node-up", "srv-a", "--node-up", "srv-b"]);
    for (const n of ["srv-a", "srv-b"]) setAttr(s.cib, n, 10000);
    s = simulate(s.cib);
    const holder = placement(s.cib).promoted[0]!;
    const survivor = other(holder);
    s = simulate(s.cib, ["--node-fail", holder]);
    fencePeer(s.cib, survivor);
    s = simulate(s.cib, ["--node-up", holder]);
    setAttr(s.cib, holder, 10000);
    unfencePeer(s.cib);
    // The fail count the controller records for a VIP start that failed (timed out) on the
    // survivor: 1 with start-failure-is-fatal=false, INFINITY with Pacemaker's default.
    const failed = (count: string) => {
      const f = copy(s.cib);
      tool("crm_attribute", ["-N", survivor, "-l", "reboot", "-n", "fail-count-vip-oar-ha#start_0", "-v", count], f);
      // With failure-timeout set, a fail count without the time of its failure has expired.
      const at = String(Math.floor(Date.now() / 1000));
      tool("crm_attribute", ["-N", survivor, "-l", "reboot", "-n", "last-failure-vip-oar-ha#start_0", "-v", at], f);
      return f;
    };
    expect(plan(failed("1"))).toEqual([]);
    const banned = plan(failed("INFINITY"));
    expect(banned).toContain(`Move fs-oar-ha ( ${survivor} -> ${holder} )`);
    expect(banned.filter((a) => a.startsWith("Promote"))).toEqual([
      expect.stringMatching(new RegExp(`-> Promoted ${holder} \\)$`)),
    ]);
    // What the replay of the lab's scheduler input showed: the survivor's promotion score falls to 1.
    const scores = tool("crm_simulate", ["-x", failed("INFINITY"), "-s"]);
    expect(scores).toMatch(new RegExp(`promotion score on ${survivor}: 1$`, "m"));
  });

  it("the group follows the promoted role: when only the other server may be promoted, DRBD and the whole group move there", () => {
    let s = simulate(base, ["--node-up", "srv-a", "--node-up", "srv-b"]);
    setAttr(s.cib, "srv-a", 10000);
    setAttr(s.cib, "srv-b", 10000);
    s = simulate(s.cib);
    const holder = placement(s.cib).promoted[0]!;
    fencePeer(s.cib, other(holder));
    // Only the other server may be promoted, and the holder keeps the data: the group moves there.
    const moves = plan(s.cib);
    expect(moves).toContain(`Demote drbd-oar-ha:${holder === "srv-a" ? 0 : 1} ( Promoted -> Unpromoted ${holder} )`);
    expect(moves.filter((a) => a.startsWith("Move")).map((a) => a.split(" ")[1])).toEqual([
      "fs-oar-ha",
      "vip-oar-ha",
      "db",
      "oar-server",
    ]);
  });
});
