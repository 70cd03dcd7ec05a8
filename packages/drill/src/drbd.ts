import { dbServers, type Cluster } from "@oar-ha/core";
import { drbdState, drbdStates, drbdStorage, onlineVerify, parseDrbdKernelLog, type Transport } from "@oar-ha/remote";
import type { AuditCheck } from "./verdict.js";

/*
 * What a drill adds when the database is on DRBD: a sampler of the DRBD roles through the run
 * (the audit's "never two Primaries"), the returning server's resync (from its kernel log),
 * and an online verify after the run (D05: 0 blocks out of sync).
 */

export interface DrbdSample {
  /** Seconds from T0. */
  readonly t: number;
  readonly primaries: readonly string[];
}

export interface DrbdRunFacts {
  /** Most Primaries seen at once during the run (1 expected; 0 during a takeover). */
  readonly maxPrimaries: number;
  /** Every server that was Primary at some point, in order of first appearance. */
  readonly primaries: readonly string[];
  /**
   * The returning server's resync: how much, how long, whether from the bitmap or of the whole
   * device, and how much of it came from its own activity log (a crashed Primary's open extents).
   */
  readonly resync?: {
    readonly host: string;
    readonly kib: number;
    readonly seconds?: number;
    readonly kind?: "bitmap" | "full";
    readonly activityLogKiB?: number;
  };
  readonly verify?: { readonly host: string; readonly outOfSyncKiB: number; readonly seconds: number };
}

/** Samples every DB server's DRBD role about once a second until stopped (unreachable servers count as not Primary). */
export function drbdSampler(
  c: Cluster,
  transports: ReadonlyMap<string, Transport>,
  t0: number,
): { stop: () => Promise<DrbdSample[]> } {
  const s = drbdStorage(c);
  const samples: DrbdSample[] = [];
  let on = s !== undefined;
  const loop = (async () => {
    while (on && s) {
      const states = await Promise.all(dbServers(c).map((n) => drbdState(transports.get(n.name), n.name, s)));
      samples.push({
        t: Date.now() / 1000 - t0,
        primaries: states.filter((x) => x.role === "Primary").map((x) => x.host),
      });
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return samples;
    },
  };
}

/** The most Primaries at once, and who was Primary (pure). */
export function primariesSeen(samples: readonly DrbdSample[]): { max: number; hosts: string[] } {
  const hosts: string[] = [];
  for (const x of samples) for (const h of x.primaries) if (!hosts.includes(h)) hosts.push(h);
  return { max: Math.max(0, ...samples.map((x) => x.primaries.length)), hosts };
}

/** After the run: the returning server's resync, and an online verify (D05). */
export async function drbdAfterRun(
  c: Cluster,
  transports: ReadonlyMap<string, Transport>,
  victim: string | undefined,
  samples: readonly DrbdSample[],
  log: (m: string) => void,
): Promise<{ facts: DrbdRunFacts; checks: AuditCheck[] }> {
  const seen = primariesSeen(samples);
  const checks: AuditCheck[] = [
    {
      name: "DRBD: never two Primaries",
      ok: seen.max <= 1,
      detail: `${samples.length} samples, at most ${seen.max} Primary at once (${seen.hosts.join(" then ") || "none"})`,
    },
  ];
  let resync: DrbdRunFacts["resync"];
  // The returning server resyncs (after a Primary's crash, every extent of its activity log):
  // the verify and the resync's figures come once both sides are UpToDate again.
  const inSync = await waitInSync(c, transports, log);
  if (!inSync.ok) checks.push({ name: "DRBD: back in sync", ok: false, detail: inSync.detail });
  if (victim && dbServers(c).some((n) => n.name === victim)) {
    const r = await transports
      .get(victim)
      ?.exec("dmesg", { timeoutMs: 20_000 })
      .catch(() => undefined);
    const k = parseDrbdKernelLog(r?.stdout ?? "");
    if (k.resyncKiB !== undefined)
      resync = {
        host: victim,
        kib: k.resyncKiB,
        ...(k.resyncSeconds !== undefined ? { seconds: k.resyncSeconds } : {}),
        ...(k.resyncKind ? { kind: k.resyncKind } : {}),
        ...(k.activityLogKiB !== undefined ? { activityLogKiB: k.activityLogKiB } : {}),
      };
  }
  let verify: DrbdRunFacts["verify"];
  try {
    verify = await onlineVerify(c, transports, { log });
    checks.push({
      name: "D05 DRBD online verify: 0 out of sync",
      ok: verify.outOfSyncKiB === 0,
      detail: `from ${verify.host}: ${verify.outOfSyncKiB} KiB out of sync, ${verify.seconds.toFixed(0)} s`,
    });
  } catch (e) {
    checks.push({
      name: "D05 DRBD online verify: 0 out of sync",
      ok: false,
      detail: (e as Error).message.split("\n")[0] ?? "",
    });
  }
  return {
    facts: {
      maxPrimaries: seen.max,
      primaries: seen.hosts,
      ...(resync ? { resync } : {}),
      ...(verify ? { verify } : {}),
    },
    checks,
  };
}

const IN_SYNC_TIMEOUT_S = 1800;

/** Waits (bounded) until every DB server is Connected and UpToDate on both sides, logging the resync's progress. */
async function waitInSync(
  c: Cluster,
  transports: ReadonlyMap<string, Transport>,
  log: (m: string) => void,
): Promise<{ ok: boolean; detail: string }> {
  const end = Date.now() + IN_SYNC_TIMEOUT_S * 1000;
  let shown = "";
  for (;;) {
    const st = await drbdStates(c, transports);
    if (st.length && st.every((x) => x.cstate === "Connected" && x.disk === "UpToDate" && x.peerDisk === "UpToDate"))
      return { ok: true, detail: "" };
    const sync = st.find((x) => x.syncPercent !== undefined);
    const tenth = sync ? Math.floor((sync.syncPercent ?? 0) / 10) * 10 : -1;
    const line = sync ? `DRBD resync after the run: ${tenth}%${sync.finish ? `, about ${sync.finish} left` : ""}` : "";
    if (sync && !shown.startsWith(`DRBD resync after the run: ${tenth}%`)) log((shown = line));
    if (Date.now() > end)
      return {
        ok: false,
        detail: `not Connected/UpToDate ${IN_SYNC_TIMEOUT_S} s after the run: ${st.map((x) => `${x.host} ${x.cstate ?? x.role} ${x.disk ?? ""}/${x.peerDisk ?? ""}`).join(", ")}`,
      };
    await new Promise((r) => setTimeout(r, 2000));
  }
}
