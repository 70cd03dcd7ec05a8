/*
 * What changed between two looks at the cluster, as sentences with a time: the timeline of
 * the status page. Pure: two snapshots in, events out.
 */

export interface Snapshot {
  readonly verdict: string;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
  readonly groups: readonly { readonly id: string; readonly holder?: string; readonly running: boolean }[];
}

export interface TimelineEvent {
  readonly time: string;
  readonly level: "info" | "warn" | "bad" | "good";
  readonly text: string;
}

const groupName = (id: string) => (id === "all" ? "the services" : `the ${id} group`);

/**
 * `lastHolder`: the server that last held each group's VIP, across looks where none did (a
 * switchover or failover between two looks is one move, from the old holder to the new).
 */
export function changes(
  before: Snapshot | undefined,
  after: Snapshot,
  time: Date,
  lastHolder: ReadonlyMap<string, string> = new Map(),
): TimelineEvent[] {
  const at = time.toISOString();
  if (!before)
    return [
      {
        time: at,
        level: after.verdict === "healthy" ? "good" : "warn",
        text: `page opened: the cluster is ${after.verdict}`,
      },
    ];
  const out: TimelineEvent[] = [];
  for (const g of after.groups) {
    const was = before.groups.find((x) => x.id === g.id);
    if (was?.holder === g.holder) continue;
    const from = was?.holder ?? lastHolder.get(g.id);
    if (!g.holder) out.push({ time: at, level: "bad", text: `${groupName(g.id)}: no server holds the VIP` });
    else if (from === g.holder)
      out.push({ time: at, level: "good", text: `${groupName(g.id)}: ${g.holder} holds the VIP again` });
    else
      out.push({
        time: at,
        level: "warn",
        text: `${groupName(g.id)} moved ${from ? `from ${from} ` : ""}to ${g.holder}`,
      });
  }
  for (const c of after.checks) {
    const was = before.checks.find((x) => x.name === c.name);
    if (was && was.ok !== c.ok)
      out.push({
        time: at,
        level: c.ok ? "good" : "bad",
        text: `${c.name}: ${c.ok ? "ok again" : "failed"} (${c.detail})`,
      });
    if (!was && !c.ok) out.push({ time: at, level: "bad", text: `${c.name}: ${c.detail}` });
  }
  for (const c of before.checks)
    if (!after.checks.some((x) => x.name === c.name) && !c.ok)
      out.push({ time: at, level: "good", text: `${c.name}: gone (was: ${c.detail})` });
  if (before.verdict !== after.verdict)
    out.push({
      time: at,
      level: after.verdict === "healthy" ? "good" : after.verdict === "degraded" ? "warn" : "bad",
      text: `the cluster is ${after.verdict} (was ${before.verdict})`,
    });
  return out;
}
