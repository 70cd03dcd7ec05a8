import { entries, type Entry } from "./formats.js";

/*
 * The merged view: the local oar.log and the replicas of the peers' logs, one time-ordered
 * stream. Each input keeps its own order (an entry is never moved before one that preceded it
 * in its file, even when clocks disagree), entries without a timestamp stay after the entry
 * before them, and ties go to the inputs in the order given.
 */

export interface MergeInput {
  /** Which server wrote it (shown in the merged view). */
  readonly origin: string;
  readonly lines: readonly string[];
  /** The writer's zone, minutes east of UTC. */
  readonly offsetMinutes?: number;
}

export interface MergedEntry extends Entry {
  readonly origin: string;
}

export function merge(inputs: readonly MergeInput[]): MergedEntry[] {
  const streams = inputs.map((i) => {
    // An entry without time sorts as its predecessor did: it keeps its place.
    let last = Number.NEGATIVE_INFINITY;
    return entries(i.lines, i.offsetMinutes ?? 0).map((e) => {
      const key = Math.max(e.time ?? last, last);
      last = key;
      return { ...e, origin: i.origin, key };
    });
  });
  const pos = streams.map(() => 0);
  const out: MergedEntry[] = [];
  for (;;) {
    let best = -1;
    for (let s = 0; s < streams.length; s++) {
      const e = streams[s]![pos[s]!];
      if (e && (best < 0 || e.key < streams[best]![pos[best]!]!.key)) best = s;
    }
    if (best < 0) return out;
    const e = streams[best]![pos[best]!]!;
    out.push({ time: e.time, lines: e.lines, origin: e.origin });
    pos[best]!++;
  }
}
