import { percentile } from "./measure.js";
import type { DrillRun } from "./run.js";

/*
 * Reports from drill runs: a terminal table, JSON, a Markdown page with an SVG chart of
 * outage per scenario. Pure: the caller says where and when (no clock read here).
 */

export interface ScenarioSummary {
  readonly scenario: string;
  readonly runs: number;
  readonly passed: number;
  readonly p50?: number;
  readonly p95?: number;
  readonly max?: number;
  readonly detectedP50?: number;
  /** The scheduler answering an oarsub made after T0, and its usual latency before T0. */
  readonly jobP50?: number;
  readonly latencyP50?: number;
  readonly lost: number;
  readonly indeterminate: number;
  readonly acknowledged: number;
}

export interface Skipped {
  readonly scenario: string;
  readonly why: string;
}

export interface DrillReport {
  readonly cluster: string;
  /** e.g. "2-node pacemaker postgresql" */
  readonly setup: string;
  /** Where and when it ran, as the caller states it. */
  readonly machine: string;
  readonly date: string;
  readonly storageNote: string;
  readonly summaries: readonly ScenarioSummary[];
  readonly skipped: readonly Skipped[];
  readonly runs: readonly DrillRun[];
  /** The drill stopped on an error at this run: the report holds the runs before it. */
  readonly aborted?: { readonly scenario: string; readonly run: number; readonly error: string };
}

const defined = (xs: readonly (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);

export function summarize(runs: readonly DrillRun[]): ScenarioSummary[] {
  const ids = [...new Set(runs.map((r) => r.scenario))];
  return ids.map((id) => {
    const rs = runs.filter((r) => r.scenario === id);
    const out = defined(rs.map((r) => r.outage));
    const p50 = percentile(out, 50);
    const p95 = percentile(out, 95);
    const max = out.length ? Math.max(...out) : undefined;
    const det = percentile(defined(rs.map((r) => r.timeline.detected)), 50);
    const job = percentile(defined(rs.map((r) => r.timeline.schedulerBack)), 50);
    const lat = percentile(defined(rs.map((r) => r.timeline.oarsubLatency)), 50);
    return {
      scenario: id,
      runs: rs.length,
      passed: rs.filter((r) => r.passed).length,
      ...(p50 !== undefined ? { p50 } : {}),
      ...(p95 !== undefined ? { p95 } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(det !== undefined ? { detectedP50: det } : {}),
      ...(job !== undefined ? { jobP50: job } : {}),
      ...(lat !== undefined ? { latencyP50: lat } : {}),
      lost: rs.reduce((a, r) => a + r.loss.lost.length, 0),
      indeterminate: rs.reduce((a, r) => a + r.loss.indeterminate, 0),
      acknowledged: rs.reduce((a, r) => a + r.loss.acknowledged, 0),
    };
  });
}

const f = (x: number | undefined): string => (x === undefined ? "-" : `${x.toFixed(1)} s`);

export function table(r: Pick<DrillReport, "summaries" | "skipped">): string {
  const head = [
    "scenario",
    "runs",
    "passed",
    "outage p50",
    "p95",
    "max",
    "detected",
    "oarsub ok",
    "(usual)",
    "acked",
    "lost",
    "indet.",
  ];
  const rows = r.summaries.map((s) => [
    s.scenario,
    String(s.runs),
    String(s.passed),
    f(s.p50),
    f(s.p95),
    f(s.max),
    f(s.detectedP50),
    f(s.jobP50),
    f(s.latencyP50),
    String(s.acknowledged),
    String(s.lost),
    String(s.indeterminate),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(w[i] ?? 0))
      .join("  ")
      .trimEnd();
  const skipped = r.skipped.map((s) => `${s.scenario}: skipped: ${s.why}`);
  return [line(head), ...rows.map(line), ...skipped].join("\n") + "\n";
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Horizontal bars: p50 solid, p95 lighter, max as a tick. Width in seconds scales to the max seen. */
export function outageSvg(summaries: readonly ScenarioSummary[]): string {
  const rowH = 26;
  const left = 60;
  const width = 560;
  const top = 30;
  const maxS = Math.max(1, ...summaries.map((s) => s.max ?? 0));
  // Room on the right for the "p50 / p95 / max" label of the longest bar.
  const scale = (width - left - 170) / maxS;
  const h = top + rowH * summaries.length + 30;
  const bars = summaries
    .map((s, i) => {
      const y = top + i * rowH;
      const p95 = (s.p95 ?? 0) * scale;
      const p50 = (s.p50 ?? 0) * scale;
      const mx = (s.max ?? 0) * scale;
      return [
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="12">${esc(s.scenario)}</text>`,
        `<rect x="${left}" y="${y + 4}" width="${p95.toFixed(1)}" height="14" fill="#9ecae1"/>`,
        `<rect x="${left}" y="${y + 4}" width="${p50.toFixed(1)}" height="14" fill="#3182bd"/>`,
        `<line x1="${(left + mx).toFixed(1)}" y1="${y + 2}" x2="${(left + mx).toFixed(1)}" y2="${y + 20}" stroke="#de2d26" stroke-width="2"/>`,
        `<text x="${(left + Math.max(p95, mx) + 6).toFixed(1)}" y="${y + 15}" font-size="11">${s.p50 === undefined ? "no recovery" : `${s.p50.toFixed(1)} / ${f(s.p95)} / ${f(s.max)}`}</text>`,
      ].join("");
    })
    .join("\n");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" font-family="sans-serif">`,
    `<text x="${left}" y="18" font-size="13">Outage per scenario (s): p50 (dark), p95 (light), max (red)</text>`,
    bars,
    `<text x="${left}" y="${h - 8}" font-size="11">0 s</text><text x="${(left + maxS * scale).toFixed(1)}" y="${h - 8}" text-anchor="end" font-size="11">${maxS.toFixed(1)} s</text>`,
    "</svg>",
    "",
  ].join("\n");
}

export function markdown(r: DrillReport, svgFile: string): string {
  const rows = r.summaries.map(
    (s) =>
      `| ${s.scenario} | ${s.runs} | ${s.passed} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.max)} | ${f(s.detectedP50)} | ${f(s.jobP50)} | ${f(s.latencyP50)} | ${s.acknowledged} | ${s.lost} | ${s.indeterminate} |`,
  );
  const failures = r.runs.filter((x) => !x.passed).map((x) => `- ${x.scenario} run ${x.run}: ${x.problems.join("; ")}`);
  return [
    `# Drill report: ${r.setup}`,
    "",
    `Cluster \`${r.cluster}\`, ${r.machine}, ${r.date}. ${r.storageNote}`,
    "",
    "Outage = from the injection to the first success, after the first failure, of the longer",
    "of two probers that hit the VIPs every 100 ms: a DB query and a connection to Almighty's",
    "port. Almighty's port can answer while its main process is dead, so *oarsub ok* adds the",
    "end to end view: when `oarsub -r` (an advance reservation, answered only once OAR's",
    "scheduler judged it) first succeeded among the calls made after the injection; *(usual)*",
    "is that call's normal duration before the injection, which *oarsub ok* includes.",
    "*lost* = acknowledged inserts missing after recovery (must be 0); *indet.* = inserts sent",
    "without an answer (counted apart, never as success).",
    "",
    "| scenario | runs | passed | outage p50 | p95 | max | detected p50 | oarsub ok p50 | (usual) | acked | lost | indet. |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `![outage per scenario](${svgFile})`,
    "",
    ...drbdSection(r.runs),
    ...(r.skipped.length
      ? ["## Not run, and why", "", ...r.skipped.map((s) => `- **${s.scenario}**: ${s.why}`), ""]
      : []),
    ...(failures.length
      ? ["## Failed runs", "", ...failures, ""]
      : r.aborted
        ? []
        : ["Every run passed its checks and its audit.", ""]),
    ...(r.aborted
      ? [
          "## Stopped",
          "",
          `The drill stopped with an error at ${r.aborted.scenario} run ${r.aborted.run}; the runs above completed before it:`,
          "",
          "```",
          r.aborted.error,
          "```",
          "",
        ]
      : []),
  ].join("\n");
}

/** Why the resync was that size, from the kernel's own words (pure). */
export function resyncWhy(r: NonNullable<NonNullable<DrillRun["drbd"]>["resync"]>): string {
  const al = r.activityLogKiB
    ? `${r.activityLogKiB} KiB of it marked by this server at its attach: its own bitmap and activity log`
    : "";
  if (r.kind === "full") return " (full: the whole device)";
  if (r.kind === "bitmap") return ` (from the bitmap${al ? `; ${al}` : ""})`;
  return al ? ` (${al})` : "";
}

/** Per run on DRBD: Primaries seen, the returning server's resync, the online verify (D05). */
function drbdSection(runs: readonly DrillRun[]): string[] {
  const on = runs.filter((x) => x.drbd);
  if (!on.length) return [];
  const row = (x: DrillRun) => {
    const d = x.drbd!;
    const resync = d.resync
      ? `${d.resync.host}: ${d.resync.kib} KiB${d.resync.seconds !== undefined ? ` in ${d.resync.seconds} s` : ""}${resyncWhy(d.resync)}`
      : "none";
    const verify = d.verify ? `${d.verify.outOfSyncKiB} KiB (${d.verify.seconds.toFixed(0)} s)` : "not run";
    return `| ${x.scenario} | ${x.run} | ${d.maxPrimaries} | ${d.primaries.join(" → ") || "none"} | ${resync} | ${verify} |`;
  };
  return [
    "## DRBD",
    "",
    "Primaries sampled every second through the run (never more than one); the returning server's",
    "resync as its kernel logged it: from the bitmap (what changed while it was away, plus, after",
    "a Primary's crash, every extent its activity log held open: up to al-extents × 4 MiB, so all",
    "of a small device) or full (the whole device: only when DRBD could not tell what differs);",
    "the online verify after the run compares every block's checksum over the link (D05: must be 0).",
    "",
    "| scenario | run | most Primaries at once | Primary | resync | verify out of sync |",
    "|---|---|---|---|---|---|",
    ...on.map(row),
    "",
  ];
}
