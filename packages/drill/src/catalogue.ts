import type { Cluster } from "@oar-ha/core";

/*
 * The scenarios of the failure catalogue (docs/drills.md) that oar-ha can inject, with what
 * each needs. Pure: which scenario applies to which cluster and target, and why not.
 */

export type ScenarioId =
  | "F01"
  | "F02"
  | "F03"
  | "N01"
  | "N02"
  | "N03"
  | "N04"
  | "N05"
  | "S01"
  | "S02"
  | "S03"
  | "S04"
  | "S05"
  | "S07"
  | "S08"
  | "D04";

export type Target = "lab" | "ssh";

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** What must happen. */
  readonly expected: string;
  /** No probe may fail (the fault must not reach the clients). */
  readonly noOutage?: boolean;
  /** Needs the lab's host-level faults (crash, cables, firewall): not offered over SSH on real servers. */
  readonly labOnly: boolean;
  /** About DRBD itself: only on a cluster whose database is on DRBD. */
  readonly drbd?: boolean;
  /** The outage is the expected, safe outcome (reported, not a failure): the service must come back once the fault is undone. */
  readonly outageAccepted?: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "F01",
    title: "active server crash",
    expected:
      "the peer fences it (Pacemaker) or declares it dead (Heartbeat) and takes over storage, DB, OAR and the VIP; lost = 0",
    labOnly: true,
  },
  {
    id: "F02",
    title: "passive server crash",
    expected: "no outage; the server rejoins",
    noOutage: true,
    labOnly: true,
  },
  { id: "F03", title: "orderly switchover", expected: "clean handover, no fencing, lost = 0", labOnly: false },
  {
    id: "N01",
    title: "full partition between the servers",
    expected: "one survivor, one VIP holder, never two",
    labOnly: true,
  },
  {
    id: "N02",
    title: "cluster traffic cut, other traffic alive",
    expected: "one survivor, one VIP holder (fencing decides)",
    labOnly: true,
  },
  {
    id: "N03",
    title: "replication link cut, then the primary dies",
    expected: "the stale peer is never promoted (outage accepted and reported until the primary is back); lost = 0",
    labOnly: true,
    drbd: true,
    outageAccepted: true,
  },
  {
    id: "N04",
    title: "one of two cluster links down",
    expected: "no membership change, no failover",
    noOutage: true,
    labOnly: true,
  },
  {
    id: "N05",
    title: "DB port dropped for 5 s on the DB server",
    expected: "OAR and clients reconnect; acknowledged rows present",
    labOnly: true,
  },
  {
    id: "S01",
    title: "kill -9 of Almighty",
    expected: "detected within the monitor interval, restarted in place",
    labOnly: false,
  },
  {
    id: "S02",
    title: "kill -9 of the DB server",
    expected: "restarted or failed over; acknowledged rows present",
    labOnly: false,
  },
  {
    id: "S03",
    title: "DB crash while OAR writes (jobs)",
    expected: "every returned job id exists, none reused",
    labOnly: false,
  },
  {
    id: "S04",
    title: "reserved job across a server crash",
    expected: "the reservation survives and ends",
    labOnly: true,
  },
  {
    id: "S05",
    title: "kill -9 of the cluster daemon on the active server",
    expected: "respawn or fencing; resources recovered",
    labOnly: true,
  },
  {
    id: "S07",
    title: "a resource stop fails",
    expected: "escalates to fencing before starting elsewhere",
    labOnly: true,
  },
  {
    id: "S08",
    title: "Almighty killed and its restart keeps failing",
    expected:
      "restarted in place up to the limit (Pacemaker: a failed start is final at once), then the whole group moves to the peer; lost = 0",
    labOnly: true,
  },
  {
    id: "D04",
    title: "hard power-off of the DRBD primary during writes",
    expected:
      "every acknowledged commit present on the promoted peer (protocol C); the returning server resyncs from its bitmap",
    labOnly: true,
    drbd: true,
  },
];

export const scenario = (id: string): Scenario | undefined => SCENARIOS.find((s) => s.id === id.toUpperCase());

/**
 * Why a scenario cannot run on this cluster and target, or undefined when it can.
 * Heartbeat's haresources mode does not monitor resources: oar-ha's service monitor does;
 * with it turned off a killed service is not noticed, so S01/S02/S03/S08 would "pass" only by
 * accident, and oar-ha says so instead of running them.
 */
export function notApplicable(s: Scenario, c: Cluster, target: Target): string | undefined {
  if (s.drbd && c.storage.kind !== "drbd") return "about DRBD, and this cluster's database is on shared storage";
  if (s.id === "N03" && c.manager !== "pacemaker")
    return "needs DRBD resource-level fencing (crm-fence-peer), which oar-ha sets up with Pacemaker only";
  if (target === "ssh" && s.labOnly)
    return "needs host-level fault injection (crash, cables, firewall, a control script replaced): offered in the lab only, never on real servers over SSH";
  if (c.manager === "heartbeat" && !c.heartbeat.monitor.enabled && ["S01", "S02", "S03", "S08"].includes(s.id))
    return "Heartbeat's haresources mode does not monitor resources and oar-ha's service monitor is turned off (heartbeat.monitor.enabled: false): a killed service stays dead until an admin acts";
  if (c.manager === "heartbeat" && s.id === "S07")
    return "a failed stop must escalate to fencing: Heartbeat's haresources mode fences a server that is declared dead, not one whose resource failed to stop (the resource stays half-stopped on a live server)";
  if (s.id === "S07" && c.fencing.kind === "none")
    return "a failed stop must escalate to fencing, and this cluster has none";
  if (c.manager === "heartbeat" && s.id === "S05" && c.fencing.kind === "none")
    return "without fencing, killing Heartbeat leaves the services running on a server the peer believes dead (split brain): this cluster has no fencing";
  if (s.id === "N04" && !c.nodes.every((n) => n.secondary)) return "the servers have one cluster link only";
  if (c.manager === "heartbeat" && ["N01", "N02"].includes(s.id) && c.fencing.kind === "none")
    return "without fencing a partition gives two active servers: this Heartbeat cluster has no STONITH, so this drill would only demonstrate split brain";
  return undefined;
}

/** Ports of cluster-manager traffic (N02 drops exactly these). */
export const clusterPorts = (c: Cluster): { port: number; proto: "udp" }[] =>
  c.manager === "pacemaker"
    ? [
        { port: 5405, proto: "udp" },
        { port: 5406, proto: "udp" },
      ]
    : [{ port: c.heartbeat.udpport, proto: "udp" }];
