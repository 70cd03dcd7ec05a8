import { issue, type Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";

export function fencingRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  const f = c.fencing;
  if (f.kind === "none" && !f.acceptRisk) {
    out.push(
      issue(
        "FencingNone",
        "fencing.acceptRisk",
        "without fencing, a partition leaves both servers active: two VIPs, two databases on one data set",
        "configure `fencing` (ipmi, sbd), or set `fencing.acceptRisk: true` to run unprotected",
      ),
    );
  }
  if (f.kind === "ipmi") {
    const names = new Set(c.nodes.map((n) => n.name));
    const seen = new Set<string>();
    f.devices.forEach((d, i) => {
      if (!names.has(d.node)) {
        out.push(
          issue(
            "FencingCoverage",
            `fencing.devices[${i}].node`,
            `"${d.node}" is not a server of this cluster`,
            `use one of: ${[...names].join(", ")}`,
          ),
        );
      }
      if (seen.has(d.node))
        out.push(
          issue(
            "FencingCoverage",
            `fencing.devices[${i}].node`,
            `${d.node} has two fence devices`,
            "keep one device per server",
          ),
        );
      seen.add(d.node);
    });
    for (const n of c.nodes) {
      if (!seen.has(n.name))
        out.push(
          issue(
            "FencingCoverage",
            "fencing.devices",
            `server ${n.name} has no fence device: nothing could ever start after it fails`,
            `add a device with \`node: ${n.name}\``,
          ),
        );
    }
  }
  if (f.kind === "sbd" && c.manager === "heartbeat") {
    out.push(
      issue(
        "FencingUnsupported",
        "fencing.kind",
        "SBD needs Pacemaker",
        "use `kind: ipmi` with Heartbeat, or `manager: pacemaker`",
      ),
    );
  }
  return out;
}
