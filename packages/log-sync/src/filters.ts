import type { MergedEntry } from "./merge.js";

/*
 * Filters of the merged view (`oar-ha logs --since --job`). Pure: the CLI reads the files.
 */

/**
 * A job's lines, as OAR 2.5 and 3 write them: "job 12", "Job 12", "[12]", "job=12",
 * "idJob=12", "num:12", "[bipbip 12]", "[MetaSched] 12 : ...", "job_id 12". A whole entry
 * matches when any of its lines does (a child's output stays with its line).
 */
export function jobMatcher(id: number): (e: MergedEntry) => boolean {
  if (!Number.isInteger(id) || id < 0) throw new Error(`not a job id: ${id}`);
  const n = String(id);
  const re = new RegExp(
    [
      `\\b[Jj]ob(?:_id)?[ =:#]+(?:id[ =:]*)?${n}\\b`,
      `\\b(?:idJob|num|job_id|jobid)[=:]\\s*${n}\\b`,
      `\\[(?:[A-Za-z_]+[ /])?${n}\\]`,
      `^\\S*\\]\\s+${n} :`,
      `\\] ${n} :`,
      `\\bOAR_JOB_ID=${n}\\b`,
    ].join("|"),
  );
  return (e) => e.lines.some((l) => re.test(l));
}

/**
 * When an entry must start to be shown: an ISO date-time ("2026-11-26T10:00", with or without
 * zone: without, the admin machine's), or a duration back from `now` ("90s", "15m", "2h", "3d").
 */
export function parseSince(spec: string, now: number): number {
  const d = /^(\d+)\s*(s|m|h|d)$/.exec(spec.trim());
  if (d)
    return now - Number(d[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as "s" | "m" | "h" | "d"];
  const t = Date.parse(spec.trim().replace(" ", "T"));
  if (Number.isNaN(t))
    throw new Error(`--since "${spec}" is neither a date (2026-11-26T10:00) nor a duration (90s, 15m, 2h, 3d)`);
  return t;
}

/** Entries at or after `since`; entries without a time (a file starting with child output) are left out. */
export const sinceMatcher = (since: number) => (e: MergedEntry) => e.time !== undefined && e.time >= since;
