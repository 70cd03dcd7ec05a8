import { issue, type Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";
import { consensusFloor, witness } from "../model/derive.js";

export function corosyncRules(c: Cluster): Issue[] {
  if (c.manager !== "pacemaker") return [];
  const out: Issue[] = [];
  const { token, consensus, twoNode } = c.corosync;
  if (consensus !== undefined && consensus < consensusFloor(token)) {
    out.push(
      issue(
        "CorosyncConsensus",
        "corosync.consensus",
        `consensus ${consensus} ms is below 1.2 x token (${consensusFloor(token)} ms): membership can flap`,
        `set consensus to at least ${consensusFloor(token)}, or remove it to get the default`,
      ),
    );
  }
  if (twoNode === true && c.nodes.length !== 2) {
    out.push(
      issue(
        "TwoNodeWithFour",
        "corosync.twoNode",
        `two_node is only for two servers; with ${c.nodes.length} votequorum ignores it silently`,
        "remove `corosync.twoNode`",
      ),
    );
  }
  if (twoNode === true && witness(c)) {
    out.push(
      issue(
        "TwoNodeWithFour",
        "corosync.twoNode",
        "two_node and a quorum witness exclude each other: the witness already breaks ties",
        "remove `corosync.twoNode` or the witness host",
      ),
    );
  }
  return out;
}

export function heartbeatRules(c: Cluster): Issue[] {
  if (c.manager !== "heartbeat") return [];
  const out: Issue[] = [];
  const h = c.heartbeat;
  if (!(h.deadtime > h.keepalive)) {
    out.push(
      issue(
        "HeartbeatTiming",
        "heartbeat.deadtime",
        `deadtime ${h.deadtime} s must be greater than keepalive ${h.keepalive} s`,
        "raise deadtime (15 s is a safe default)",
      ),
    );
  }
  if (!(h.warntime < h.deadtime)) {
    out.push(
      issue(
        "HeartbeatTiming",
        "heartbeat.warntime",
        `warntime ${h.warntime} s must be less than deadtime ${h.deadtime} s`,
        "lower warntime, e.g. to a third of deadtime",
      ),
    );
  }
  if (h.initdead < 2 * h.deadtime || h.initdead < 10) {
    out.push(
      issue(
        "HeartbeatTiming",
        "heartbeat.initdead",
        `initdead ${h.initdead} s must be at least twice deadtime (${2 * h.deadtime} s) and at least 10 s`,
        `set initdead to ${Math.max(10, 2 * h.deadtime)} or more`,
      ),
    );
  }
  if (witness(c)) {
    out.push(
      issue(
        "WitnessWithHeartbeat",
        "hosts",
        "a quorum witness (corosync-qnetd) only works with Pacemaker/Corosync",
        "remove the witness role, or use `manager: pacemaker`",
      ),
    );
  }
  const m = h.monitor;
  if (!m.enabled) {
    out.push(
      issue(
        "HeartbeatNoMonitoring",
        "heartbeat.monitor.enabled",
        "Heartbeat's haresources mode does not watch services and oar-ha's service monitor is off: a crashed database or OAR server on a live server is not noticed",
        "remove `heartbeat.monitor.enabled: false` (the monitor restarts a failed service, then moves the group)",
        "warning",
      ),
    );
  } else if (m.window <= (m.maxRestarts + 1) * m.interval) {
    out.push(
      issue(
        "HeartbeatMonitorWindow",
        "heartbeat.monitor.window",
        `a window of ${m.window} s cannot hold ${m.maxRestarts + 1} failures checked every ${m.interval} s: failures would expire before the group ever moves`,
        `raise window above ${(m.maxRestarts + 1) * m.interval} s (600 is the default) or lower interval`,
      ),
    );
  }
  return out;
}
