import { OarHaError, dbServers, sleep, type Cluster } from "@oar-ha/core";
import { hostScript, keyValues } from "../host-script.js";
import { run, shq, type Transport } from "../transport.js";
import SPLIT from "../scripts/drbd-split-brain.sh";
import { drbdState, drbdStates, drbdStorage, onlineVerify, type DrbdState, type VerifyResult } from "./drbd-state.js";
import { waitState, type ManagerState } from "./manager-state.js";

/*
 * A DRBD split brain (both sides written while disconnected), shown and resolved on purpose.
 * oar-ha's fencing makes one unlikely; when it happens anyway (fencing off, or a manual
 * `primary --force`), DRBD stays StandAlone on both sides and keeps both versions. The admin
 * chooses the side to keep with everything shown side by side; the other side's changes are
 * thrown away by DRBD's own resync, never by oar-ha touching the data.
 */

export interface SplitBrainSide {
  readonly host: string;
  readonly drbd: DrbdState;
  /** DRBD's data generation identifiers (drbdadm get-gi). */
  readonly generations: string;
  /** The database filesystem and the database on this side. */
  readonly db: "running" | "not-running" | "not-mounted" | "unknown";
  /** OAR's newest jobs (id state submission_time) and event_logs (id type date), when the database runs here. */
  readonly jobs: readonly string[];
  readonly events: readonly string[];
}

export interface SplitBrainReport {
  readonly split: boolean;
  /** Why it is (or is not) a split brain, in one sentence. */
  readonly reason: string;
  readonly sides: readonly SplitBrainSide[];
}

/** Split brain or not, from both sides' DRBD state (pure). */
export function splitBrainVerdict(states: readonly DrbdState[]): { split: boolean; reason: string } {
  const primaries = states.filter((x) => x.role === "Primary").map((x) => x.host);
  if (primaries.length > 1)
    return {
      split: true,
      reason: `both servers are DRBD Primary (${primaries.join(", ")}): each may hold writes the other lacks`,
    };
  const flagged = states.filter((x) => x.splitBrain).map((x) => x.host);
  if (flagged.length)
    return {
      split: true,
      reason: `DRBD detected a split brain it did not resolve (kernel log of ${flagged.join(", ")}); StandAlone until a side is chosen`,
    };
  const unknown = states.filter((x) => x.role === "unknown" || x.role === "none").map((x) => x.host);
  if (unknown.length)
    return { split: false, reason: `cannot tell: DRBD state unknown or resource down on ${unknown.join(", ")}` };
  if (states.every((x) => x.cstate === "Connected"))
    return { split: false, reason: "DRBD is connected: both sides hold the same data generation, no split brain" };
  return {
    split: false,
    reason: `no split brain detected (${states.map((x) => `${x.host} ${x.cstate ?? "?"}`).join(", ")}): a disconnected resource reconnects by itself once the link is back`,
  };
}

function tr(t: ReadonlyMap<string, Transport>, host: string): Transport {
  const x = t.get(host);
  if (!x) throw new OarHaError("OARHA110", `no connection to ${host}`);
  return x;
}

async function side(c: Cluster, t: ReadonlyMap<string, Transport>, st: DrbdState): Promise<SplitBrainSide> {
  const s = drbdStorage(c)!;
  const port = c.database.port ?? (c.database.engine === "postgresql" ? 5432 : 3306);
  const r = await t
    .get(st.host)
    ?.exec(
      hostScript(SPLIT, {
        ACTION: "show",
        RES: s.resource,
        ENGINE: c.database.engine,
        DB: c.database.name,
        PORT: port,
        MP: c.storage.mountPoint,
      }),
      { timeoutMs: 60_000 },
    )
    .catch(() => undefined);
  const lines = (r?.stdout ?? "").split("\n");
  const kv = keyValues(r?.stdout ?? "");
  return {
    host: st.host,
    drbd: st,
    generations: kv.gi ?? "",
    db: (["running", "not-running", "not-mounted"] as const).find((x) => x === kv.db) ?? "unknown",
    jobs: lines.filter((l) => l.startsWith("job=")).map((l) => l.slice(4)),
    events: lines.filter((l) => l.startsWith("event=")).map((l) => l.slice(6)),
  };
}

/** Both sides, shown: roles, disks, generations, what each wrote since the split, OAR's newest rows where the DB runs. */
export async function splitBrainReport(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<SplitBrainReport> {
  if (!drbdStorage(c))
    throw new OarHaError(
      "OARHA405",
      "the cluster's database is not on DRBD (storage.kind): there is no split brain to look at\n  fix: split-brain is for DRBD clusters",
    );
  const states = await drbdStates(c, t);
  const v = splitBrainVerdict(states);
  return { ...v, sides: await Promise.all(states.map((x) => side(c, t, x))) };
}

export interface SplitBrainRecovery {
  readonly kept: string;
  readonly discarded: string;
  readonly seconds: number;
  readonly verify: VerifyResult;
}

async function waitDrbd(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  what: string,
  done: (s: DrbdState[]) => boolean,
  timeoutMs: number,
  log: (m: string) => void,
): Promise<DrbdState[]> {
  const end = Date.now() + timeoutMs;
  let shown = "";
  for (;;) {
    const s = await drbdStates(c, t);
    if (done(s)) return s;
    const sync = s.find((x) => x.syncPercent !== undefined);
    const line = sync
      ? `DRBD resync to ${sync.host === s[0]?.host ? s[1]?.host : s[0]?.host}: ${sync.syncPercent}%${sync.finish ? `, about ${sync.finish} left` : ""}`
      : "";
    if (line && line !== shown) log((shown = line));
    if (Date.now() > end)
      throw new OarHaError(
        "OARHA407",
        `split-brain: ${what} did not happen in ${timeoutMs / 1000} s: ${s.map((x) => `${x.host} ${x.role} ${x.cstate ?? ""} ${x.disk ?? ""}`).join(", ")}\n  fix: oar-ha split-brain shows where it stands; running the same command again resumes`,
      );
    await sleep(2000);
  }
}

/**
 * Keeps `keep`'s data: the other side leaves the cluster manager's hands (Pacemaker standby, or
 * Heartbeat stopped there), becomes Secondary and reconnects with --discard-my-data; the kept
 * side reconnects; DRBD resyncs the other side from the kept one; then the other side goes back
 * to the cluster manager, an online verify checks every block, and the cluster must be healthy.
 * Re-runnable: each step checks where things stand first.
 */
export async function splitBrainRecover(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  keep: string,
  o: { log?: (m: string) => void; timeoutMs?: number } = {},
): Promise<SplitBrainRecovery> {
  const log = o.log ?? (() => undefined);
  const s = drbdStorage(c);
  if (!s) throw new OarHaError("OARHA405", "the cluster's database is not on DRBD (storage.kind): nothing to recover");
  const servers = dbServers(c).map((n) => n.name);
  if (!servers.includes(keep))
    throw new OarHaError(
      "OARHA901",
      `--keep ${keep}: not a DB server of this cluster (${servers.join(", ")})\n  fix: name the server whose data survives`,
    );
  const other = servers.find((n) => n !== keep)!;
  const t0 = Date.now();
  const timeout = o.timeoutMs ?? 3_600_000;
  const res = shq(s.resource);
  // The groups that hold the database (four-node: the OAR group lives on the other pair).
  const dbOnKeep = (m: ManagerState) =>
    m.groups.filter((g) => g.id === "all" || g.id === "db").every((g) => g.holder === keep && g.running);
  const script = (host: string, action: string) =>
    run(tr(t, host), hostScript(SPLIT, { ACTION: action, RES: s.resource }), { timeoutMs: 300_000 });

  log(`split-brain: ${other} leaves the cluster manager's hands; ${keep} keeps the services`);
  if (c.manager === "pacemaker") {
    await run(tr(t, keep), `crm_attribute --node ${shq(other)} --name standby --update on --lifetime forever`);
    const w = await waitState(c, t, dbOnKeep, 300_000);
    if (!w.done)
      throw new OarHaError(
        "OARHA509",
        `split-brain: the services did not settle on ${keep} with ${other} in standby\n  fix: crm_mon -1 on ${keep}; running the same command again resumes`,
      );
    // Pacemaker's DRBD agent stopped the resource on the standby node: bring it up ourselves, throwing its changes away.
  } else {
    await script(other, "hb-stop");
    let w = await waitState(c, t, dbOnKeep, 120_000);
    if (!w.done) {
      // Seen on the lab: when the partition heals, Heartbeat finds both sides holding the group and
      // releases it on both; the kept side then stays idle even after its peer is stopped. A restart
      // of Heartbeat there, alone, makes it take the group (after its initdead).
      log(
        `split-brain: Heartbeat on ${keep} did not take the services by itself (${w.state.summary}): restarting it there`,
      );
      await script(keep, "hb-stop");
      await script(keep, "hb-start");
      w = await waitState(c, t, dbOnKeep, 300_000);
    }
    if (!w.done)
      throw new OarHaError(
        "OARHA509",
        `split-brain: the services did not settle on ${keep} with Heartbeat stopped on ${other}\n  fix: oar-ha status; running the same command again resumes`,
      );
  }
  log(`split-brain: ${other} reconnects discarding its changes; ${keep} reconnects`);
  await script(other, "discard");
  await script(keep, "connect");
  await waitDrbd(
    c,
    t,
    "the resync from the kept side",
    (st) => st.every((x) => x.cstate === "Connected" && x.disk === "UpToDate" && x.peerDisk === "UpToDate"),
    timeout,
    log,
  );
  const after = await drbdState(tr(t, keep), keep, s);
  if (after.role !== "Primary")
    throw new OarHaError(
      "OARHA407",
      `split-brain: ${keep} is ${after.role} after the resync, not Primary\n  fix: oar-ha status`,
    );

  log(`split-brain: ${other} goes back to the cluster manager`);
  if (c.manager === "pacemaker") {
    await script(other, "down");
    await run(
      tr(t, keep),
      `crm_attribute --node ${shq(other)} --name standby --delete --lifetime forever && crm_resource --cleanup >/dev/null`,
    );
  } else {
    await script(other, "hb-start");
  }
  const ready = await waitState(c, t, (m) => m.healthy, 300_000);
  if (!ready.done)
    throw new OarHaError(
      "OARHA509",
      `split-brain: the data is resolved (DRBD Connected, UpToDate) but the cluster is not healthy yet: ${ready.state.summary}\n  fix: oar-ha status`,
    );
  await waitDrbd(
    c,
    t,
    "DRBD reconnecting under the cluster manager",
    (st) => st.every((x) => x.cstate === "Connected" && x.disk === "UpToDate"),
    300_000,
    log,
  );
  log(`split-brain: online verify of ${res}`);
  const verify = await onlineVerify(c, t, { log });
  return { kept: keep, discarded: other, seconds: (Date.now() - t0) / 1000, verify };
}
