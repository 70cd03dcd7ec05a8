/*
 * Reads `crm_mon -1 --output-as=xml`: nodes, the DC, and where each resource runs. Pure.
 * crm_mon's XML is machine output with a stable schema; attributes are read by name.
 */

export interface CrmNode {
  readonly name: string;
  readonly online: boolean;
  readonly unclean: boolean;
  readonly standby: boolean;
  /**
   * Corosync has it but its Pacemaker has not joined (starting, or stuck: a pacemakerd that
   * cannot reach corosync). crm_mon says online="true" pending="true": it cannot take over.
   */
  readonly pending: boolean;
}

export interface CrmResource {
  readonly id: string;
  readonly agent: string;
  readonly role: string;
  readonly failed: boolean;
  readonly nodes: readonly string[];
  /** Enclosing group or clone id. */
  readonly parent?: string;
}

/** A failed operation Pacemaker keeps (crm_mon's "Failed Resource Actions"). */
export interface CrmFailure {
  readonly resource: string;
  readonly node: string;
  /** start, stop, monitor, promote... */
  readonly task: string;
  /** "Timed Out", "complete" (the agent answered an error), "Not installed"... */
  readonly status: string;
  /** The agent's result: "error", "not running", "not installed"... */
  readonly result: string;
  /** What the agent or Pacemaker said, when anything. */
  readonly reason: string;
  readonly when: string;
}

/** A resource's fail count on a node; at or above the migration threshold it may no longer run there. */
export interface CrmFailCount {
  readonly resource: string;
  readonly node: string;
  /** 1000000 is Pacemaker's INFINITY (a failed start, by default). */
  readonly count: number;
  readonly threshold: number;
  readonly banned: boolean;
}

export interface CrmStatus {
  readonly dc?: string;
  readonly quorum: boolean;
  readonly nodes: readonly CrmNode[];
  readonly resources: readonly CrmResource[];
  readonly failures: readonly CrmFailure[];
  readonly failCounts: readonly CrmFailCount[];
  /** maintenance-mode is on: Pacemaker watches and recovers nothing. */
  readonly maintenance: boolean;
}

/** Pacemaker's INFINITY, as crm_mon prints it in fail-count. */
export const CRM_INFINITY = 1_000_000;

const attrs = (tag: string): Record<string, string> =>
  Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]));

export function parseCrmMon(xml: string): CrmStatus {
  const dcTag = /<current_dc [^>]*>/.exec(xml)?.[0] ?? "";
  const dc = attrs(dcTag);
  const nodesBlock = /<nodes>([\s\S]*?)<\/nodes>/.exec(xml)?.[1] ?? "";
  const nodes = [...nodesBlock.matchAll(/<node [^>]*>/g)].map((m) => {
    const a = attrs(m[0]);
    return {
      name: a.name ?? "",
      online: a.online === "true",
      unclean: a.unclean === "true",
      standby: a.standby === "true",
      pending: a.pending === "true",
    };
  });
  const resBlock = /<resources>([\s\S]*?)<\/resources>/.exec(xml)?.[1] ?? "";
  const resources: CrmResource[] = [];
  let parent: string | undefined;
  for (const m of resBlock.matchAll(
    /<(group|clone) [^>]*>|<\/(group|clone)>|<resource [^>]*?(\/>|>)([\s\S]*?)(<\/resource>|(?=<resource|<\/group|<\/clone|$))/g,
  )) {
    const tag = m[0];
    if (tag.startsWith("<group") || tag.startsWith("<clone")) {
      parent = attrs(tag).id;
      continue;
    }
    if (tag.startsWith("</")) {
      parent = undefined;
      continue;
    }
    const head = /<resource [^>]*>/.exec(tag)?.[0] ?? tag;
    const a = attrs(head);
    const on = [...(m[4] ?? "").matchAll(/<node [^>]*name="([^"]+)"/g)].map((x) => x[1] ?? "");
    resources.push({
      id: a.id ?? "",
      agent: a.resource_agent ?? "",
      role: a.role ?? "",
      failed: a.failed === "true",
      nodes: on,
      ...(parent ? { parent } : {}),
    });
  }
  const failures = [...xml.matchAll(/<failure [^>]*>/g)].map((m) => {
    const a = attrs(m[0]);
    const task = a.task ?? "";
    // op_key is <resource>_<task>_<interval in ms>: the resource id may itself hold "_".
    const suffix = `_${task}_${a.interval ?? "0"}`;
    const key = a.op_key ?? "";
    return {
      resource: key.endsWith(suffix) ? key.slice(0, -suffix.length) : key,
      node: a.node ?? "",
      task,
      status: a.status ?? "",
      result: a.exitstatus ?? "",
      reason: a.exitreason ?? "",
      when: a["last-rc-change"] ?? "",
    };
  });
  const failCounts: CrmFailCount[] = [];
  const history = /<node_history>([\s\S]*?)<\/node_history>/.exec(xml)?.[1] ?? "";
  for (const n of history.matchAll(/<node name="([^"]+)"[^>]*>([\s\S]*?)<\/node>/g)) {
    for (const r of (n[2] ?? "").matchAll(/<resource_history [^>]*>/g)) {
      const a = attrs(r[0]);
      if (a["fail-count"] === undefined) continue;
      const count = Number(a["fail-count"]);
      const threshold = a["migration-threshold"] === undefined ? CRM_INFINITY : Number(a["migration-threshold"]);
      failCounts.push({ resource: a.id ?? "", node: n[1] ?? "", count, threshold, banned: count >= threshold });
    }
  }
  const maintenance = attrs(/<cluster_options [^>]*>/.exec(xml)?.[0] ?? "")["maintenance-mode"] === "true";
  return {
    ...(dc.present === "true" && dc.name ? { dc: dc.name } : {}),
    quorum: dc.with_quorum === "true",
    nodes,
    resources,
    failures,
    failCounts,
    maintenance,
  };
}

/** Every resource is running (Started, or Promoted/Unpromoted for clones) and none failed. */
export function allStarted(s: CrmStatus): boolean {
  return (
    s.resources.length > 0 &&
    s.resources.every(
      (r) =>
        !r.failed && ["Started", "Promoted", "Unpromoted", "Master", "Slave"].includes(r.role) && r.nodes.length > 0,
    )
  );
}

/** Where a resource runs (first node), e.g. the VIP holder. */
export const runningOn = (s: CrmStatus, id: string): string | undefined =>
  s.resources.find((r) => r.id === id)?.nodes[0];
