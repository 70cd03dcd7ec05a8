/*
 * oar.log line formats. OAR writes local time without a zone; the caller gives the zone
 * offset of the host that wrote the file (minutes east of UTC, as `date +%z` says), and the
 * parser returns UTC milliseconds. A line that matches no format is a continuation line (a
 * child's raw output): it has no time and belongs to the entry before it.
 */

export type LineFormat = "oar-2.5" | "oar-2.5.10" | "oar-3";

export interface ParsedLine {
  readonly format: LineFormat;
  /** UTC milliseconds. */
  readonly time: number;
  readonly level: string;
  /** The module that wrote it (Almighty, bipbip/4242, oar.x::f:12). */
  readonly source: string;
}

// [info] [2011-06-01 12:00:00.123] [Almighty] msg
const OAR25 = /^\[\s*(\w+)\] \[(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\] \[([^\]]*)\]/;
// W|2023-11-22T11:04:39.123|Almighty/4242||msg
const OAR2510 = /^([A-Z])\|(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\|([^|]*)\|/;
// [    INFO] [2024-01-01 12:00:00,123] [oar.x::f:12]: msg
const OAR3 = /^\[\s*(\w+)\] \[(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:,(\d{1,6}))?\] \[([^\]]*)\]:/;

const LEVELS: Record<string, string> = { E: "error", W: "warn", I: "info", D: "debug", N: "notice" };

function utc(m: RegExpExecArray, offsetMinutes: number): number {
  const ms = m[8] ? Number(m[8].padEnd(3, "0").slice(0, 3)) : 0;
  const local = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]), ms);
  return local - offsetMinutes * 60_000;
}

/** Parses one line (without its newline); undefined for a continuation line. */
export function parseLine(line: string, offsetMinutes = 0): ParsedLine | undefined {
  let m = OAR3.exec(line);
  if (m) return { format: "oar-3", time: utc(m, offsetMinutes), level: m[1]!.toLowerCase(), source: m[9]! };
  m = OAR25.exec(line);
  if (m) return { format: "oar-2.5", time: utc(m, offsetMinutes), level: m[1]!.toLowerCase(), source: m[9]! };
  m = OAR2510.exec(line);
  if (m) return { format: "oar-2.5.10", time: utc(m, offsetMinutes), level: LEVELS[m[1]!] ?? m[1]!, source: m[9]! };
  return undefined;
}

/** `date +%z` (e.g. +0100, -0330) in minutes east of UTC. */
export function parseZone(z: string): number {
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(z.trim());
  if (!m) throw new Error(`not a zone offset: "${z}" (expected what \`date +%z\` prints, e.g. +0100)`);
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export interface Entry {
  /** UTC ms of the entry's first line; undefined when the log starts with continuation lines. */
  readonly time: number | undefined;
  /** The entry's lines: its prefixed line, then the continuation lines that follow it. */
  readonly lines: readonly string[];
}

/** Groups lines into entries: continuation lines stay attached to the entry before them. */
export function entries(lines: readonly string[], offsetMinutes = 0): Entry[] {
  const out: { time: number | undefined; lines: string[] }[] = [];
  for (const line of lines) {
    const p = parseLine(line, offsetMinutes);
    const last = out.at(-1);
    if (p || !last) out.push({ time: p?.time, lines: [line] });
    else last.lines.push(line);
  }
  return out;
}
