import { oarServers, type Cluster } from "@oar-ha/core";
import { logSyncPair, parseZone, peerOf, replicaPath, type MergeInput } from "@oar-ha/log-sync";
import { answers, shq, type Transport } from "./transport.js";

/*
 * The inputs of `oar-ha logs`: for each OAR server, what it wrote to oar.log, read from the
 * server itself when it answers, else from the replica its peer keeps (log-sync). The merge
 * and the filters are the caller's (pure, in @oar-ha/log-sync and the CLI).
 */

export interface LogSource {
  /** The server that wrote these lines. */
  readonly writer: string;
  /** The host the files are read from (the writer, or its peer's replica). */
  readonly host: string;
  /** Files, oldest first. */
  readonly files: readonly string[];
  readonly offsetMinutes: number;
  /** Why this source (shown to the user when it is a replica). */
  readonly note?: string;
}

async function zoneOf(t: Transport): Promise<number> {
  const r = await t.exec("date +%z");
  return parseZone(r.stdout.trim());
}

/** The existing files among `paths` on `t`, in the order given. */
async function existing(t: Transport, paths: readonly string[]): Promise<string[]> {
  const r = await t.exec(paths.map((p) => `[ -f ${shq(p)} ] && echo ${shq(p)}`).join("; ") + "; true");
  const found = new Set(r.stdout.split("\n").filter(Boolean));
  return paths.filter((p) => found.has(p));
}

/** Where each OAR server's lines are read from. */
export async function logSources(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<LogSource[]> {
  const out: LogSource[] = [];
  const log = c.oar.logFile;
  for (const w of oarServers(c)) {
    const own = t.get(w.name);
    if (await answers(own)) {
      out.push({
        writer: w.name,
        host: w.name,
        files: await existing(own!, [`${log}.1`, log]),
        offsetMinutes: await zoneOf(own!),
      });
      continue;
    }
    const peer = logSyncPair(c).length ? peerOf(c, w.name) : undefined;
    const pt = peer ? t.get(peer.name) : undefined;
    if (!peer || !(await answers(pt))) {
      out.push({
        writer: w.name,
        host: w.name,
        files: [],
        offsetMinutes: 0,
        note: `${w.name} does not answer${peer ? `, nor does ${peer.name} (its replica)` : ""}: its lines are missing`,
      });
      continue;
    }
    const replica = replicaPath(w.name);
    const rotated = Array.from({ length: c.logSync.replicaKeep }, (_, i) => `${replica}.${c.logSync.replicaKeep - i}`);
    out.push({
      writer: w.name,
      host: peer.name,
      files: await existing(pt!, [...rotated, replica]),
      // The writer's zone is not reachable: the pair is assumed to share one (say so).
      offsetMinutes: await zoneOf(pt!),
      note: `${w.name} does not answer: its lines come from the replica on ${peer.name} (${replica}), complete up to what log-sync had shipped`,
    });
  }
  return out;
}

/**
 * Reads a source's files whole (`oar-ha logs`). `followFrom` is where the newest file's
 * complete lines end: `--follow` goes on from there, so nothing is shown twice or skipped.
 */
export async function readSource(
  s: LogSource,
  t: ReadonlyMap<string, Transport>,
): Promise<{ input: MergeInput; followFrom: number }> {
  const tr = t.get(s.host);
  const lines: string[] = [];
  let followFrom = 0;
  for (const f of s.files) {
    const b = Buffer.from((await tr?.get(f)) ?? new Uint8Array());
    const end = b.lastIndexOf(0x0a) + 1;
    followFrom = end;
    const text = b.subarray(0, end).toString("utf8");
    if (end) lines.push(...text.slice(0, -1).split("\n"));
  }
  return { input: { origin: s.writer, lines, offsetMinutes: s.offsetMinutes }, followFrom };
}

/**
 * Follows a source's newest file: each call returns the complete lines appended since the
 * last one (a partial last line waits; a file that shrank was rotated: read from its start).
 */
export function follower(s: LogSource, t: ReadonlyMap<string, Transport>, from: number): () => Promise<string[]> {
  const file = s.files.at(-1) ?? (s.host === s.writer ? undefined : replicaPath(s.writer));
  let offset = from;
  return async () => {
    const tr = t.get(s.host);
    if (!file || !tr) return [];
    const r = await tr.exec(
      `f=${shq(file)}; n=$(stat -c %s "$f" 2>/dev/null || echo 0); echo "$n"; if [ "$n" -gt ${offset} ]; then tail -c +${offset + 1} "$f" | head -c $(( n - ${offset} )) | base64 -w0; elif [ "$n" -lt ${offset} ]; then head -c "$n" "$f" | base64 -w0; fi`,
    );
    if (r.code !== 0) return [];
    const [size = "0", b64 = ""] = r.stdout.split("\n");
    const n = Number(size);
    if (n < offset) offset = 0; // rotated (copytruncate or a new file): what it holds now is new
    const text = Buffer.from(b64, "base64").toString("utf8");
    const end = text.lastIndexOf("\n") + 1;
    offset += Buffer.byteLength(text.slice(0, end));
    return end ? text.slice(0, end - 1).split("\n") : [];
  };
}
