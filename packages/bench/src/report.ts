import { PRIOR_2009, priorOverhead, type ConfigSummary } from "./stats.js";
import type { BenchResult } from "./run.js";

/* What a bench run prints and writes (pure): a table, Markdown next to the 2009 table, an SVG chart. */

const f1 = (n: number) => n.toFixed(1);
const pct = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(0)} %`;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function prior(config: ConfigSummary["config"]): string {
  if (config === "local") return "";
  const p = priorOverhead(config);
  return `${pct(p.min)} to ${pct(p.max)}`;
}

/** The table a terminal shows: per configuration median (min to max) tps and p95 latency, and the time overhead next to 2009's. */
export function benchTable(r: BenchResult): string {
  const head = ["configuration", "runs", "tps median (min-max)", "p95 ms median (min-max)", "time vs local", "2009"];
  const rows = r.summaries.map((s) => [
    s.title + (s.streamMbps !== undefined ? ` (stream ${s.streamMbps.toFixed(0)} Mbit/s)` : ""),
    String(s.runs),
    `${f1(s.tps.median)} (${f1(s.tps.min)}-${f1(s.tps.max)})`,
    `${f1(s.p95Ms.median)} (${f1(s.p95Ms.min)}-${f1(s.p95Ms.max)})`,
    s.config === "local" ? "" : pct(s.overheadPct),
    prior(s.config),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(w[i]!))
      .join("  ")
      .trimEnd();
  const sync = r.sync;
  return [
    line(head),
    ...rows.map(line),
    "",
    `synchronous 4 KiB writes (write + fdatasync): local ${f1(sync.local.iops)}/s, p50 ${sync.local.p50Ms.toFixed(2)} ms, p95 ${sync.local.p95Ms.toFixed(2)} ms; ` +
      `DRBD ${f1(sync.drbd.iops)}/s, p50 ${sync.drbd.p50Ms.toFixed(2)} ms, p95 ${sync.drbd.p95Ms.toFixed(2)} ms (x${sync.latencyFactor.toFixed(2)})`,
  ].join("\n");
}

/** Median tps per configuration as bars, min-max as a whisker, the p95 latency as a label. */
export function benchSvg(r: BenchResult): string {
  const rowH = 30;
  const left = 230;
  const width = 640;
  const top = 30;
  const maxT = Math.max(1, ...r.summaries.map((s) => s.tps.max));
  const scale = (width - left - 150) / maxT;
  const h = top + rowH * r.summaries.length + 30;
  const colour: Record<string, string> = { local: "#3182bd", drbd: "#31a354", saturated: "#e6550d" };
  const bars = r.summaries
    .map((s, i) => {
      const y = top + i * rowH;
      const x = (v: number) => (left + v * scale).toFixed(1);
      return [
        `<text x="${left - 8}" y="${y + 16}" text-anchor="end" font-size="12">${esc(s.title)}</text>`,
        `<rect x="${left}" y="${y + 5}" width="${(s.tps.median * scale).toFixed(1)}" height="16" fill="${colour[s.config]}"/>`,
        `<line x1="${x(s.tps.min)}" y1="${y + 13}" x2="${x(s.tps.max)}" y2="${y + 13}" stroke="#000" stroke-width="1.5"/>`,
        `<line x1="${x(s.tps.min)}" y1="${y + 8}" x2="${x(s.tps.min)}" y2="${y + 18}" stroke="#000"/>`,
        `<line x1="${x(s.tps.max)}" y1="${y + 8}" x2="${x(s.tps.max)}" y2="${y + 18}" stroke="#000"/>`,
        `<text x="${(left + s.tps.max * scale + 6).toFixed(1)}" y="${y + 17}" font-size="11">${f1(s.tps.median)} tps, p95 ${f1(s.p95Ms.median)} ms${s.config === "local" ? "" : `, ${pct(s.overheadPct)}`}</text>`,
      ].join("");
    })
    .join("\n");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" font-family="sans-serif">`,
    `<text x="${left}" y="18" font-size="13">${esc(r.tool)}, ${r.options.threads} clients: transactions/s (median, min-max)</text>`,
    bars,
    `<text x="${left}" y="${h - 8}" font-size="11">0</text><text x="${(left + maxT * scale).toFixed(1)}" y="${h - 8}" text-anchor="end" font-size="11">${f1(maxT)} tps</text>`,
    "</svg>",
    "",
  ].join("\n");
}

export function benchMarkdown(r: BenchResult, svgFile: string, machine: string): string {
  const rows = r.summaries.map(
    (s) =>
      `| ${s.title} | ${s.runs} | ${f1(s.tps.median)} | ${f1(s.tps.min)} | ${f1(s.tps.max)} | ${f1(s.p95Ms.median)} | ${f1(s.p95Ms.min)} | ${f1(s.p95Ms.max)} | ${s.config === "local" ? "" : pct(s.overheadPct)} | ${prior(s.config)} |`,
  );
  const o = r.options;
  return [
    `# DRBD benchmark: ${r.cluster}`,
    "",
    `${r.date}, run from ${machine}. ${r.tool}, ${o.threads} clients, ${o.runs} runs of ${o.duration} s per configuration, scale ${o.scale}, ` +
      `on the DRBD Primary ${r.primary} (peer ${r.secondary}). A scratch ${r.engine} instance with the engine's durable defaults ` +
      `(every commit flushed); local = ${r.localNote}; the saturated runs share the replication link with a 4-stream iperf3 from ${r.primary} to ${r.secondary}.`,
    "",
    `![transactions per second](${svgFile})`,
    "",
    "| configuration | runs | tps median | min | max | p95 ms median | min | max | time vs local | 2009 |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    '"time vs local" is the extra time for the same work (local median tps / median tps - 1), the way the 2009 benchmark',
    "counted it; the 2009 column is the range over its three request counts.",
    "",
    "Synchronous 4 KiB writes (O_DIRECT, each followed by fdatasync, the way a commit reaches the disk):",
    "",
    "| filesystem | writes/s | p50 ms | p95 ms |",
    "|---|---|---|---|",
    `| local | ${f1(r.sync.local.iops)} | ${r.sync.local.p50Ms.toFixed(2)} | ${r.sync.local.p95Ms.toFixed(2)} |`,
    `| DRBD | ${f1(r.sync.drbd.iops)} | ${r.sync.drbd.p50Ms.toFixed(2)} | ${r.sync.drbd.p95Ms.toFixed(2)} |`,
    "",
    "## 2009 (sysbench OLTP on MySQL, 16 threads, ext2, two Grid'5000 nodes, 740 MB/s link; seconds)",
    "",
    "| requests | no DRBD | DRBD | DRBD, saturated link |",
    "|---|---|---|---|",
    ...PRIOR_2009.map((p) => `| ${p.requests.toLocaleString("en")} | ${p.local} | ${p.drbd} | ${p.saturated} |`),
    "",
    ...(Object.keys(r.leftovers).length
      ? [
          `Removed first, left by an earlier run that was killed: ${Object.entries(r.leftovers)
            .map(([h, w]) => `${h}: ${w}`)
            .join("; ")}.`,
          "",
        ]
      : []),
  ].join("\n");
}
