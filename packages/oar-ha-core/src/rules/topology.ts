import { issue, type Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";
import { hostsWithRole } from "../model/derive.js";

export function topologyRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  const want = c.topology === "two-node" ? 2 : 4;
  if (c.nodes.length !== want) {
    out.push(
      issue(
        "NodeCount",
        "nodes",
        `topology ${c.topology} needs exactly ${want} servers, found ${c.nodes.length}`,
        c.topology === "two-node"
          ? "list two servers, or use `topology: four-node` with four"
          : "list four servers (two with role oar, two with role db), or use `topology: two-node`",
      ),
    );
  }
  c.nodes.forEach((n, i) => {
    const roles = [...new Set(n.roles)].sort().join(",");
    if (new Set(n.roles).size !== n.roles.length) {
      out.push(
        issue("RolesTopology", `nodes[${i}].roles`, `a role is listed twice on ${n.name}`, "list each role once"),
      );
    }
    if (c.topology === "two-node" && roles !== "db,oar") {
      out.push(
        issue(
          "RolesTopology",
          `nodes[${i}].roles`,
          `in a two-node cluster every server runs both services; ${n.name} has [${roles}]`,
          "set `roles: [oar, db]`",
        ),
      );
    }
    if (c.topology === "four-node" && roles !== "oar" && roles !== "db") {
      out.push(
        issue(
          "RolesTopology",
          `nodes[${i}].roles`,
          `in a four-node cluster a server runs one service; ${n.name} has [${roles}]`,
          "set `roles: [oar]` or `roles: [db]`",
        ),
      );
    }
  });
  if (c.topology === "four-node" && c.nodes.length === 4) {
    const oar = c.nodes.filter((n) => n.roles.join() === "oar").length;
    const db = c.nodes.filter((n) => n.roles.join() === "db").length;
    if (oar !== 2 || db !== 2) {
      out.push(
        issue(
          "RolesTopology",
          "nodes",
          `a four-node cluster needs 2 OAR servers and 2 DB servers, found ${oar} and ${db}`,
          "give two servers `roles: [oar]` and two `roles: [db]`",
        ),
      );
    }
  }
  if (c.topology === "four-node" && !c.vips.db) {
    out.push(
      issue(
        "VipsTopology",
        "vips.db",
        "a four-node cluster needs a VIP for the DB group",
        "add `vips.db` with its own address and hostname",
      ),
    );
  }
  if (c.topology === "two-node" && c.vips.db) {
    out.push(
      issue(
        "VipsTopology",
        "vips.db",
        "in a two-node cluster the DB and the OAR server share one group and one VIP",
        "remove `vips.db`; clients use `vips.oar` for both",
      ),
    );
  }
  const witnesses = hostsWithRole(c, "witness");
  if (witnesses.length > 1) {
    out.push(
      issue(
        "WitnessCount",
        "hosts",
        `${witnesses.length} hosts have role witness (${witnesses.map((w) => w.name).join(", ")})`,
        "keep one quorum witness",
      ),
    );
  }
  if (c.manager === "pacemaker" && c.nodes.length === 4 && witnesses.length === 0) {
    out.push(
      issue(
        "EvenSplitNoWitness",
        "hosts",
        "with four servers and no witness, a 2/2 network split leaves no side with quorum: every service stops",
        "add a host with `roles: [witness]` (corosync-qnetd) outside the two pairs",
        "warning",
      ),
    );
  }
  if (c.manager === "pacemaker" && c.nodes.length === 2 && witnesses.length === 0 && c.fencing.kind !== "none") {
    out.push(
      issue(
        "TwoNodeNoWitness",
        "hosts",
        `with two servers and no witness, every crash of the active server waits for the fencing delays that stop both servers shooting each other (priority-fencing-delay ${c.pacemaker.fenceDelay} s, plus up to ${Math.ceil(c.pacemaker.fenceDelay / 2)} s at random): measured 21 s instead of 4.4 s in the lab`,
        "add a host outside the pair with `roles: [witness]` (a frontend or admin host; it runs corosync-qnetd)",
        "warning",
      ),
    );
  }
  if (c.nodes.every((n) => !n.secondary) && c.nodes.length > 0) {
    out.push(
      issue(
        "NoSecondaryLink",
        "nodes",
        "every server has a single link: a cable fault looks like a server failure and triggers fencing",
        "add `secondary: { address, interface }` on each server (a second network or a direct cable)",
        "warning",
      ),
    );
  }
  return out;
}
