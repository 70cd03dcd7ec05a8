import { createHash } from "node:crypto";

/*
 * Exactly-once shipping of a growing, rotating log. Pure logic over two small interfaces, so
 * the same code runs in the agent (real files, SSH) and in the property tests (a model that
 * crashes anywhere).
 *
 * A *generation* is one life of the log file: what it holds from its first byte. It is named
 * by the digest of its first complete line, so a file keeps its name when logrotate renames
 * it (oar.log -> oar.log.1) or copies it (copytruncate), and the truncated or new oar.log is
 * a new generation as soon as it holds a line.
 *
 * The receiver owns the only durable position: (generation, offset of the end of the last
 * line it holds), committed after the lines are appended to the replica; on restart it cuts
 * the replica back to the committed length. The shipper keeps no state: after any crash or
 * cut it asks the receiver where it stands and finds that generation among the local files.
 * Lines are shipped only whole; a partial last line waits.
 */

export interface ReceiverState {
  /** The generation being received; undefined before the first batch. */
  readonly generation: string | undefined;
  /** Bytes of that generation the replica holds (always the end of a line). */
  readonly offset: number;
  /** The last bytes (<= 64) of that generation before offset, base64: the shipper checks its file still has them. */
  readonly tail: string;
  /** Replica length at the last commit: anything after it was never acknowledged. */
  readonly replicaLength: number;
  /** Generations already received (newest last, bounded): a stale batch of one is refused. */
  readonly seen: readonly string[];
  /** The generation was seen complete in a rotated file: nothing more will come from it. */
  readonly closed: boolean;
  /** Generations that vanished (compressed) while not closed: lines may be missing there. */
  readonly gaps: number;
}

export const EMPTY_STATE: ReceiverState = {
  generation: undefined,
  offset: 0,
  tail: "",
  replicaLength: 0,
  seen: [],
  closed: false,
  gaps: 0,
};

export interface Batch {
  readonly generation: string;
  readonly start: number;
  /** Whole lines: start + data.length ends right after a newline. */
  readonly data: Uint8Array;
  /** The receiver's generation vanished before it was closed: lines of it may be lost. */
  readonly gapFrom?: string;
  /** No data: the generation is complete (its file was rotated and fully shipped). */
  readonly close?: boolean;
}

/** Where the receiver keeps the replica and its state (a file and a small JSON file in the agent). */
export interface ReplicaStore {
  length(): Promise<number>;
  append(data: Uint8Array): Promise<void>;
  truncate(length: number): Promise<void>;
  readState(): Promise<ReceiverState | undefined>;
  /** Must replace the state atomically (write to a temporary file, fsync, rename). */
  writeState(s: ReceiverState): Promise<void>;
  /**
   * Moves the replica aside as the newest rotated file (older ones shift, the oldest beyond
   * the store's limit go) and leaves an empty replica. Without it the replica grows forever.
   */
  rotate?(): Promise<void>;
  /** Length of the newest rotated replica; undefined when there is none. */
  rotatedLength?(): Promise<number | undefined>;
}

export interface ReceiverOptions {
  /** Rotate the replica once it holds this many bytes (at a batch boundary, inside the commit protocol). */
  readonly rotateBytes?: number;
}

const TAIL = 64;
const SEEN = 16;

export const generationOf = (firstLine: Uint8Array): string =>
  createHash("sha256").update(firstLine).digest("hex").slice(0, 32);

function nextTail(prev: string, data: Uint8Array): string {
  const joined = Buffer.concat([Buffer.from(prev, "base64"), Buffer.from(data)]);
  return joined.subarray(Math.max(0, joined.length - TAIL)).toString("base64");
}

export class Receiver {
  private state: ReceiverState = EMPTY_STATE;

  constructor(
    private readonly store: ReplicaStore,
    private readonly options: ReceiverOptions = {},
  ) {}

  /**
   * Recovers after a crash: the replica is cut back to what was committed. A rotation that
   * moved the replica aside but died before its commit is finished here: the rotated file has
   * exactly the committed length and the replica is empty.
   */
  async open(): Promise<ReceiverState> {
    this.state = (await this.store.readState()) ?? EMPTY_STATE;
    const len = await this.store.length();
    if (len > this.state.replicaLength) await this.store.truncate(this.state.replicaLength);
    if (
      len === 0 &&
      this.state.replicaLength > 0 &&
      (await this.store.rotatedLength?.()) === this.state.replicaLength
    ) {
      this.state = { ...this.state, replicaLength: 0 };
      await this.store.writeState(this.state);
    }
    if (len < this.state.replicaLength)
      throw new Error(
        `the replica is shorter (${len} bytes) than its committed state (${this.state.replicaLength}): it was cut outside log-sync; move it away to start over`,
      );
    return this.state;
  }

  get current(): ReceiverState {
    return this.state;
  }

  /** Applies a batch if it continues exactly where the replica ends; answers the state either way. */
  async apply(b: Batch): Promise<ReceiverState> {
    const s = this.state;
    const continues = b.generation === s.generation && b.start === s.offset;
    const fresh = b.generation !== s.generation && b.start === 0 && !s.seen.includes(b.generation);
    if (!continues && !fresh) return s;
    if (b.close) {
      if (!continues || b.data.length) return s;
      const closed = { ...s, closed: true };
      await this.store.writeState(closed);
      this.state = closed;
      return closed;
    }
    if (b.data.length === 0 || b.data[b.data.length - 1] !== 0x0a) throw new Error("a batch must hold whole lines");
    const base = await this.rotateIfFull();
    await this.store.append(b.data);
    const next: ReceiverState = {
      generation: b.generation,
      offset: b.start + b.data.length,
      tail: nextTail(continues ? s.tail : "", b.data),
      replicaLength: base + b.data.length,
      seen: fresh ? [...s.seen, ...(s.generation ? [s.generation] : [])].slice(-SEEN) : s.seen,
      closed: false,
      gaps: s.gaps + (fresh && b.gapFrom !== undefined ? 1 : 0),
    };
    await this.store.writeState(next);
    this.state = next;
    return next;
  }

  /** Rotation first, then its commit (replica length 0): a crash between the two is finished by open(). */
  private async rotateIfFull(): Promise<number> {
    const s = this.state;
    if (!this.store.rotate || !this.options.rotateBytes || s.replicaLength < this.options.rotateBytes)
      return s.replicaLength;
    await this.store.rotate();
    const next = { ...s, replicaLength: 0 };
    await this.store.writeState(next);
    this.state = next;
    return 0;
  }
}

/** A local log file as the shipper sees it: oar.log, or a rotated, not yet compressed oar.log.1. */
export interface LocalFile {
  readonly path: string;
  size(): Promise<number>;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases the file (an open descriptor in the agent); called once the look is over. */
  close?(): void;
}

/** The local log's files, oldest first (oar.log.1 if readable, then oar.log). */
export type ListFiles = () => Promise<LocalFile[]>;

async function firstLine(f: LocalFile): Promise<Uint8Array | undefined> {
  const size = await f.size();
  for (let n = Math.min(4096, size); n > 0; n = n === size ? 0 : Math.min(n * 4, size)) {
    const head = await f.read(0, n);
    const nl = head.indexOf(0x0a);
    if (nl >= 0) return head.subarray(0, nl + 1);
  }
  return undefined;
}

/** The bytes [start, start + <= max) of f cut after its last complete line; empty if none. */
async function wholeLines(f: LocalFile, start: number, max: number): Promise<Uint8Array> {
  const size = await f.size();
  if (size <= start) return new Uint8Array();
  const chunk = await f.read(start, Math.min(max, size - start));
  const nl = chunk.lastIndexOf(0x0a);
  if (nl >= 0) return chunk.subarray(0, nl + 1);
  // A single line longer than max: ship it whole (read until its end).
  if (chunk.length === max && size - start > max) {
    for (let n = max * 2; ; n *= 2) {
      const more = await f.read(start, Math.min(n, size - start));
      const i = more.lastIndexOf(0x0a);
      if (i >= 0) return more.subarray(0, i + 1);
      if (n >= size - start) return new Uint8Array();
    }
  }
  return new Uint8Array();
}

async function tailMatches(f: LocalFile, s: ReceiverState): Promise<boolean> {
  const want = Buffer.from(s.tail, "base64");
  if (want.length === 0) return true;
  if ((await f.size()) < s.offset) return false;
  const have = await f.read(s.offset - want.length, want.length);
  return Buffer.from(have).equals(want);
}

/**
 * The next batch to send given the receiver's state, or undefined when everything complete
 * has been shipped. Stateless: the same state and files always give the same batch.
 */
export async function nextBatch(s: ReceiverState, list: ListFiles, max = 256 * 1024): Promise<Batch | undefined> {
  const files = await list();
  try {
    return await batchFrom(s, files, max);
  } finally {
    for (const f of files) f.close?.();
  }
}

async function batchFrom(s: ReceiverState, files: LocalFile[], max: number): Promise<Batch | undefined> {
  const gens: (string | undefined)[] = [];
  for (const f of files) {
    const l = await firstLine(f);
    gens.push(l ? generationOf(l) : undefined);
  }
  let at = -1;
  if (s.generation !== undefined) {
    // Newest first: during a copytruncate the copy and the original are the same generation.
    for (let i = files.length - 1; i >= 0; i--)
      if (gens[i] === s.generation && (await tailMatches(files[i]!, s))) {
        at = i;
        break;
      }
  }
  if (at >= 0) {
    const data = await wholeLines(files[at]!, s.offset, max);
    if (data.length) return { generation: s.generation!, start: s.offset, data };
    // Complete and rotated away: say so once (a later compression then loses nothing).
    if (at < files.length - 1 && !s.closed)
      return { generation: s.generation!, start: s.offset, data: new Uint8Array(), close: true };
    // Then go on with the next newer file.
    for (let i = at + 1; i < files.length; i++) {
      const g = gens[i];
      if (g === undefined || g === s.generation) continue;
      const d = await wholeLines(files[i]!, 0, max);
      if (d.length) return { generation: g, start: 0, data: d };
    }
    return undefined;
  }
  // A file of that generation exists but is shorter than what was shipped: logrotate is
  // still copying it (copytruncate). Look again later rather than call it lost.
  if (s.generation !== undefined && gens.includes(s.generation)) return undefined;
  // First run: the current file from its start. Lost generation (compressed before it could
  // be shipped): the oldest readable file, which is newer than it, and the gap is counted.
  const from = s.generation === undefined ? files.length - 1 : 0;
  for (let i = from; i < files.length; i++) {
    const g = gens[i];
    if (g === undefined || s.seen.includes(g)) continue;
    const d = await wholeLines(files[i]!, 0, max);
    if (d.length)
      return {
        generation: g,
        start: 0,
        data: d,
        ...(s.generation !== undefined && !s.closed ? { gapFrom: s.generation } : {}),
      };
  }
  return undefined;
}

/** Bytes of complete or partial lines the receiver does not hold yet (the lag figure). */
export async function pendingBytes(s: ReceiverState, list: ListFiles): Promise<number> {
  const files = await list();
  try {
    return await pendingIn(s, files);
  } finally {
    for (const f of files) f.close?.();
  }
}

async function pendingIn(s: ReceiverState, files: LocalFile[]): Promise<number> {
  let at = -1;
  if (s.generation !== undefined) {
    for (let i = files.length - 1; i >= 0; i--) {
      const l = await firstLine(files[i]!);
      if (l && generationOf(l) === s.generation) {
        at = i;
        break;
      }
    }
  }
  let total = 0;
  for (let i = Math.max(at, 0); i < files.length; i++) total += await files[i]!.size();
  return Math.max(0, total - (at >= 0 ? s.offset : 0));
}
