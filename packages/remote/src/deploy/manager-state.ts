import {
  OAR_SERVER_CTL,
  groupSuffix,
  serviceGroups,
  sleep,
  splitCidr,
  type Cluster,
  type ServiceGroup,
} from "@oar-ha/core";
import { allStarted, parseCrmMon, runningOn, type CrmStatus } from "@oar-ha/pacemaker-config";
import { DB_SCRIPT, HB_STANDBY_SCRIPT } from "@oar-ha/heartbeat-config";
import { shq, type Transport } from "../transport.js";

/*
 * One picture of a running cluster, whichever manager runs it: which servers are members,
 * where each service group (VIP + storage + DB and/or OAR server) runs, and whether it runs
 * whole. status, apply's wait, switchover and the DB bootstrap all read this, never the
 * managers directly.
 */

export interface NodeState {
  readonly name: string;
  readonly online: boolean;
  /** Pacemaker standby: a member that hosts nothing (Heartbeat keeps no such state). */
  readonly standby: boolean;
  readonly detail: string;
}

export interface GroupState {
  readonly id: ServiceGroup["id"];
  /** The VIP address (without prefix). */
  readonly vip: string;
  /** The server that holds the VIP; undefined when none does (or, for Heartbeat, when several do). */
  readonly holder?: string;
  /** Every member of the group runs on the holder. */
  readonly running: boolean;
  readonly detail: string;
}

export interface ManagerState {
  readonly manager: Cluster["manager"];
  /** The manager answered on at least one server and has quorum (Pacemaker) or runs on every server (Heartbeat). */
  readonly ok: boolean;
  readonly summary: string;
  readonly nodes: readonly NodeState[];
  readonly groups: readonly GroupState[];
  /** Every group runs whole on exactly one server, the manager is ok, every node online. */
  readonly healthy: boolean;
  readonly crm?: CrmStatus;
}

/** Heartbeat's hand-over: the server gives up every resource it holds to its peer. */
export const HB_STANDBY: string = HB_STANDBY_SCRIPT;

/** The suffix of a group's resource ids (one source: @oar-ha/core). */
export { groupSuffix };

async function crmMon(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<CrmStatus | undefined> {
  for (const n of c.nodes) {
    const r = await t
      .get(n.name)
      ?.exec("crm_mon -1 --output-as=xml", { timeoutMs: 20_000 })
      .catch(() => undefined);
    if (r?.code === 0) return parseCrmMon(r.stdout);
  }
  return undefined;
}

async function pacemakerState(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<ManagerState> {
  const st = await crmMon(c, t);
  const nodes = c.nodes.map((n) => {
    const x = st?.nodes.find((y) => y.name === n.name);
    return {
      name: n.name,
      online: x?.online === true && !x.unclean && !x.pending,
      standby: x?.standby === true,
      detail: x
        ? x.unclean
          ? "UNCLEAN"
          : x.pending
            ? "pending (its Pacemaker has not joined: it cannot take over)"
            : x.online
              ? x.standby
                ? "online (standby)"
                : "online"
              : "offline"
        : "unknown",
    };
  });
  const groups = serviceGroups(c).map((g) => {
    const members = st?.resources.filter((r) => r.parent === `g-${groupSuffix(g)}`) ?? [];
    const holder = st ? runningOn(st, `vip-${groupSuffix(g)}`) : undefined;
    const running =
      members.length > 0 && members.every((r) => r.role === "Started" && !r.failed && r.nodes[0] === holder);
    return {
      id: g.id,
      vip: splitCidr(g.vip.address).address,
      ...(holder ? { holder } : {}),
      running,
      detail: members.map((r) => `${r.id}=${r.role}${r.failed ? "(failed)" : ""}`).join(" ") || "no resources",
    };
  });
  const ok = st !== undefined && st.quorum;
  return {
    manager: "pacemaker",
    ok,
    summary: st ? `DC ${st.dc ?? "none"}, ${st.quorum ? "quorate" : "NO QUORUM"}` : "crm_mon answers on no server",
    nodes,
    groups,
    healthy: ok && st !== undefined && allStarted(st) && nodes.every((n) => n.online) && groups.every((g) => g.running),
    ...(st ? { crm: st } : {}),
  };
}

/** The shell that checks, on one server, each resource of a Heartbeat group (storage, DB, OAR server). */
function heartbeatGroupCheck(c: Cluster, g: ServiceGroup): string {
  const parts: string[] = [];
  if (g.runsDb)
    parts.push(
      `mountpoint -q ${shq(c.storage.mountPoint)} && echo storage=ok || echo storage=down`,
      `${DB_SCRIPT} status >/dev/null 2>&1 && echo db=ok || echo db=down`,
    );
  if (g.runsOar) parts.push(`${OAR_SERVER_CTL} status >/dev/null 2>&1 && echo oar=ok || echo oar=down`);
  return parts.join("\n");
}

/** Heartbeat: ask every server (membership from `cl_status`, the VIP from its addresses), then check the holder's resources. */
async function heartbeatState(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<ManagerState> {
  const seen = new Map<string, { hb: boolean; addresses: string[]; peers: Map<string, string> }>();
  await Promise.all(
    c.nodes.map(async (n) => {
      const peers = serviceGroups(c).find((g) => g.nodes.some((x) => x.name === n.name))?.nodes ?? [];
      const script = [
        "cl_status hbstatus >/dev/null 2>&1 && echo hb=up || echo hb=down",
        ...peers.map((p) => `echo "node ${p.name} $(cl_status nodestatus ${shq(p.name)} 2>/dev/null || echo unknown)"`),
        "ip -o -4 addr show | awk '{print \"addr \" $4}'",
      ].join("\n");
      const r = await t
        .get(n.name)
        ?.exec(script, { timeoutMs: 20_000 })
        .catch(() => undefined);
      if (!r || r.code !== 0) return;
      const lines = r.stdout.split("\n");
      seen.set(n.name, {
        hb: lines.includes("hb=up"),
        addresses: lines.filter((l) => l.startsWith("addr ")).map((l) => l.slice(5).split("/")[0] ?? ""),
        peers: new Map(
          lines.filter((l) => l.startsWith("node ")).map((l) => [l.split(" ")[1] ?? "", l.split(" ")[2] ?? ""]),
        ),
      });
    }),
  );
  const nodes = c.nodes.map((n) => {
    const s = seen.get(n.name);
    // A server is a member when Heartbeat runs on it (or, when it cannot be asked, its peer
    // sees it active) and its peer does not see it dead: Heartbeat's own view decides.
    const seenDead = [...seen.values()].some((o) => o.peers.get(n.name) === "dead");
    const peerSaysActive = [...seen.values()].some((o) => o.peers.get(n.name) === "active");
    const online = (s ? s.hb : peerSaysActive) && !seenDead;
    return {
      name: n.name,
      online,
      standby: false,
      detail: seenDead
        ? "dead (seen by its peer)"
        : !s
          ? peerSaysActive
            ? "active (per its peer; not asked)"
            : "unreachable"
          : !s.hb
            ? "heartbeat not running"
            : "active",
    };
  });
  const groups = await Promise.all(
    serviceGroups(c).map(async (g) => {
      const vip = splitCidr(g.vip.address).address;
      const holders = g.nodes.filter((n) => seen.get(n.name)?.addresses.includes(vip)).map((n) => n.name);
      if (holders.length !== 1)
        return {
          id: g.id,
          vip,
          running: false,
          detail: holders.length ? `VIP on ${holders.join(" AND ")}: split brain` : "VIP held by no server",
        };
      const holder = holders[0] ?? "";
      const r = await t
        .get(holder)
        ?.exec(heartbeatGroupCheck(c, g), { timeoutMs: 20_000 })
        .catch(() => undefined);
      const out = r?.stdout.trim().split("\n").filter(Boolean) ?? ["unreachable"];
      return { id: g.id, vip, holder, running: out.every((l) => l.endsWith("=ok")), detail: out.join(" ") };
    }),
  );
  const ok = nodes.some((n) => n.online);
  return {
    manager: "heartbeat",
    ok,
    summary: `heartbeat running on ${
      nodes
        .filter((n) => n.online)
        .map((n) => n.name)
        .join(", ") || "no server"
    }`,
    nodes,
    groups,
    healthy: nodes.every((n) => n.online) && groups.every((g) => g.running),
  };
}

export function managerState(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<ManagerState> {
  return c.manager === "pacemaker" ? pacemakerState(c, t) : heartbeatState(c, t);
}

/** Polls until `done` holds (returns that state) or the time is up (returns the last state, done=false). */
export async function waitState(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  done: (s: ManagerState) => boolean,
  timeoutMs: number,
): Promise<{ state: ManagerState; done: boolean }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const state = await managerState(c, t);
    if (done(state)) return { state, done: true };
    if (Date.now() > end) return { state, done: false };
    await sleep(1000);
  }
}

/** The cluster already runs (a re-run): its VIPs are ours, not a conflict. */
export const clusterRunning = (s: ManagerState): boolean =>
  s.groups.some((g) => g.holder !== undefined) && s.nodes.some((n) => n.online);

/** Where the group that runs the OAR server / the DB is now. */
export const holderOf = (s: ManagerState, what: "oar" | "db"): string | undefined =>
  s.groups.find((g) => g.id === "all" || g.id === what)?.holder;

/** One line per unhealthy part, for error messages. */
export const describeProblems = (s: ManagerState): string =>
  [
    ...(s.ok ? [] : [s.summary]),
    ...s.nodes.filter((n) => !n.online).map((n) => `${n.name} ${n.detail}`),
    ...s.groups.filter((g) => !g.running).map((g) => `group ${g.id}: ${g.holder ? `on ${g.holder}, ` : ""}${g.detail}`),
  ].join("; ") || "healthy";
