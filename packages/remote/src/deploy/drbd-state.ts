import { OarHaError, dbServers, sleep, type Cluster, type DrbdStorage } from "@oar-ha/core";
import { hostScript, keyValues } from "../host-script.js";
import { run, shq, type Transport } from "../transport.js";
import STATE_SCRIPT from "../scripts/drbd-state.sh";

/*
 * DRBD as it runs: its state on each DB server read by one host script, what makes it
 * unhealthy, the kernel's own account of a resync, and the online verify. apply's steps that
 * set DRBD up are in drbd.ts.
 */

export const drbdStorage = (c: Cluster): DrbdStorage | undefined => (c.storage.kind === "drbd" ? c.storage : undefined);

export interface DrbdState {
  readonly host: string;
  /** "Primary" | "Secondary" | "none" (not configured in the kernel) | "unknown" (not reachable). */
  readonly role: string;
  readonly peerRole?: string;
  readonly cstate?: string;
  readonly disk?: string;
  readonly peerDisk?: string;
  /** KiB out of sync, as DRBD counts it. */
  readonly outOfSyncKiB?: number;
  /** Resync progress (percent), while one runs. */
  readonly syncPercent?: number;
  /** Online verify progress (percent), while one runs. */
  readonly verifyPercent?: number;
  readonly finish?: string;
  readonly splitBrain?: boolean;
}

/** One server's DRBD state, from drbd-state.sh's output (pure). */
export function parseDrbdState(host: string, text: string): DrbdState {
  const v = keyValues(text);
  if (!v.role || v.role === "none") return { host, role: "none" };
  const [role = "", peerRole = ""] = v.role.split("/");
  const [disk = "", peerDisk = ""] = (v.dstate ?? "").split("/");
  return {
    host,
    role,
    peerRole,
    cstate: v.cstate ?? "",
    disk,
    peerDisk,
    ...(v.oos_kib ? { outOfSyncKiB: Number(v.oos_kib) } : {}),
    ...(v.sync ? { syncPercent: Number(v.sync) } : {}),
    ...(v.verify ? { verifyPercent: Number(v.verify) } : {}),
    ...(v.finish ? { finish: v.finish } : {}),
    ...(v.splitbrain ? { splitBrain: true } : {}),
  };
}

export async function drbdState(t: Transport | undefined, host: string, s: DrbdStorage): Promise<DrbdState> {
  const r = await t?.exec(hostScript(STATE_SCRIPT, { RES: s.resource }), { timeoutMs: 20_000 }).catch(() => undefined);
  return r?.code === 0 ? parseDrbdState(host, r.stdout) : { host, role: "unknown" };
}

export const drbdStates = (c: Cluster, t: ReadonlyMap<string, Transport>): Promise<DrbdState[]> => {
  const s = drbdStorage(c);
  return s ? Promise.all(dbServers(c).map((n) => drbdState(t.get(n.name), n.name, s))) : Promise.resolve([]);
};

/**
 * Why DRBD is not healthy, one sentence per reason (pure): every DB server must have the
 * resource Connected and UpToDate on both sides, exactly one Primary at most, no resync running.
 * `serving`: a group runs the DB (then one Primary is expected).
 */
export function drbdProblems(states: readonly DrbdState[], serving: boolean): string[] {
  const out: string[] = [];
  const primaries = states.filter((x) => x.role === "Primary").map((x) => x.host);
  if (primaries.length > 1) out.push(`two DRBD Primaries (${primaries.join(", ")}): split brain`);
  if (serving && primaries.length === 0) out.push("no DRBD Primary while the database runs");
  for (const x of states) {
    if (x.role === "unknown") out.push(`${x.host}: DRBD state unknown (host not reachable)`);
    else if (x.role === "none") out.push(`${x.host}: DRBD resource not up (no replication to or from this server)`);
    else {
      if (x.splitBrain)
        out.push(`${x.host}: DRBD split brain detected and not resolved (oar-ha split-brain, or drbdadm by hand)`);
      if (x.cstate === "StandAlone") out.push(`${x.host}: DRBD StandAlone (it will not reconnect by itself)`);
      else if (/^Sync|^PausedSync/.test(x.cstate ?? ""))
        out.push(
          `${x.host}: DRBD resync running (${x.cstate}${x.syncPercent !== undefined ? `, ${x.syncPercent}%` : ""}${x.finish ? `, about ${x.finish} left` : ""})`,
        );
      else if (x.cstate !== "Connected") out.push(`${x.host}: DRBD ${x.cstate ?? "?"} (peer not connected)`);
      if (x.disk && x.disk !== "UpToDate") out.push(`${x.host}: DRBD disk ${x.disk}`);
    }
  }
  return out;
}

export interface DrbdKernelFacts {
  /** KiB the last resync as SyncTarget had to copy (the peer's bitmap and this server's own marks together). */
  readonly resyncKiB?: number;
  readonly resyncSeconds?: number;
  /** How the last handshake decided: from the bitmap (only what changed), or the whole device. */
  readonly resyncKind?: "bitmap" | "full";
  /** The rule of DRBD's uuid_compare that decided it (its number, for the kernel's source). */
  readonly resyncRule?: number;
  /**
   * KiB this server marked out of sync at its last attach (its own bitmap, with the activity
   * log of a Primary that crashed: every extent it had open, al-extents × 4 MiB at most, the
   * whole of a small device), whatever changed on the peer meanwhile.
   */
  readonly activityLogKiB?: number;
  readonly verifySeconds?: number;
  readonly verifyOutOfSyncBlocks?: number;
}

const UNIT_KIB: Record<string, number> = { K: 1, M: 1024, G: 1024 ** 2, T: 1024 ** 3 };

/** What the kernel logged about a resync and an online verify (pure; dmesg text of one server, DRBD 8.4's wording). */
export function parseDrbdKernelLog(text: string): DrbdKernelFacts {
  const last = (re: RegExp) => [...text.matchAll(re)].at(-1);
  // Facts of the last attach only: dmesg keeps earlier ones until the server reboots.
  const attach = text.lastIndexOf("disk( Diskless -> Attaching )");
  const sinceAttach = attach >= 0 ? text.slice(attach) : text;
  const began = last(/Began resync as SyncTarget \(will sync (\d+) KB/g);
  const done = last(/Resync done \(total (\d+) sec/g);
  const rule = last(/uuid_compare\(\)=(-?\d+) by rule (\d+)/g);
  // DRBD 8.4 applies a crashed Primary's activity log to its bitmap at attach: depending on the
  // build it says so ("Marked additional ... based on AL") or counts it in the attach's bitmap
  // line (whole 4 MiB extents, e.g. 92 MB = 23 extents after a hard power-off).
  const al =
    [...sinceAttach.matchAll(/Marked additional (\d+) ([KMGT])B as out-of-sync based on AL/g)].at(-1) ??
    [...sinceAttach.matchAll(/(\d+) ([KMGT])B \(\d+ bits\) marked out-of-sync by on disk bit-map/g)]
      .filter((m) => m[1] !== "0")
      .at(-1);
  const verify = last(/Online verify done \(total (\d+) sec/g);
  const found = last(/Online verify found (\d+) 4k block/g);
  const cmp = rule ? Math.abs(Number(rule[1])) : undefined;
  return {
    ...(began ? { resyncKiB: Number(began[1]) } : {}),
    ...(done ? { resyncSeconds: Number(done[1]) } : {}),
    ...(cmp === 1 ? { resyncKind: "bitmap" as const } : cmp === 2 ? { resyncKind: "full" as const } : {}),
    ...(rule && (cmp === 1 || cmp === 2) ? { resyncRule: Number(rule[2]) } : {}),
    ...(al ? { activityLogKiB: Number(al[1]) * UNIT_KIB[al[2]!]! } : {}),
    ...(verify ? { verifySeconds: Number(verify[1]) } : {}),
    ...(found ? { verifyOutOfSyncBlocks: Number(found[1]) } : {}),
  };
}

export interface VerifyResult {
  readonly host: string;
  /** KiB DRBD marked out of sync by the verify (0: both sides hold the same bytes). */
  readonly outOfSyncKiB: number;
  readonly seconds: number;
}

/** Reads of DRBD's state that may fail in a row during a verify before it is given up. */
export const UNREADABLE_TRIES = 10;

/**
 * DRBD online verify: every block's checksum compared over the link, from the Primary (or the
 * first server). Refused unless both sides are Connected and UpToDate. Blocks found different
 * are only marked (oos); a disconnect/connect resyncs them from the Primary.
 */
export async function onlineVerify(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  o: { log?: (m: string) => void; timeoutMs?: number; pollMs?: number } = {},
): Promise<VerifyResult> {
  const s = drbdStorage(c);
  if (!s)
    throw new OarHaError(
      "OARHA405",
      "the cluster's database is not on DRBD (storage.kind): nothing to verify\n  fix: verify compares DRBD's two copies; on shared storage the array checks its own",
    );
  const states = await drbdStates(c, t);
  const bad = drbdProblems(states, false).filter((p) => !p.startsWith("no DRBD Primary"));
  if (bad.length)
    throw new OarHaError(
      "OARHA405",
      `DRBD is not ready for an online verify: ${bad.join("; ")}\n  fix: wait for the resync, or oar-ha status for what is wrong`,
    );
  const host = states.find((x) => x.role === "Primary")?.host ?? states[0]?.host ?? "";
  const tr = t.get(host);
  if (!tr) throw new OarHaError("OARHA110", `no connection to ${host}`);
  const before = (await drbdState(tr, host, s)).outOfSyncKiB ?? 0;
  const t0 = Date.now();
  await run(tr, `drbdadm verify ${shq(s.resource)}`, { timeoutMs: 60_000 });
  const end = t0 + (o.timeoutMs ?? 3_600_000);
  let shown = -1;
  // A state that cannot be read (the command failed or timed out: seen on a loaded emulated
  // server right after a drill's rejoin) says nothing about the verify: try again, up to
  // UNREADABLE_TRIES times in a row, before giving up on it.
  let unreadable = 0;
  for (;;) {
    await sleep(o.pollMs ?? 1000);
    const x = await drbdState(tr, host, s);
    if (x.role === "unknown") {
      if (++unreadable < UNREADABLE_TRIES) continue;
      throw new OarHaError(
        "OARHA407",
        `${host}: DRBD's state could not be read ${UNREADABLE_TRIES} times in a row during the online verify (it goes on in the kernel: drbdadm status)\n  fix: oar-ha status; run the verify again once the server answers`,
      );
    }
    unreadable = 0;
    if (x.cstate === "Connected") {
      const oos = x.outOfSyncKiB ?? 0;
      return { host, outOfSyncKiB: Math.max(0, oos - before), seconds: (Date.now() - t0) / 1000 };
    }
    if (!/^Verify/.test(x.cstate ?? ""))
      throw new OarHaError(
        "OARHA407",
        `${host}: the online verify stopped: DRBD ${x.cstate ?? x.role}\n  fix: oar-ha status; run the verify again once Connected`,
      );
    if (Date.now() > end)
      throw new OarHaError(
        "OARHA407",
        `${host}: the online verify did not finish in ${(o.timeoutMs ?? 3_600_000) / 1000} s (it goes on in the kernel: drbdadm status)`,
      );
    const p = Math.floor(x.verifyPercent ?? 0);
    if (p !== shown && p % 10 === 0) o.log?.(`DRBD ${s.resource}: online verify ${(shown = p)}%`);
  }
}
