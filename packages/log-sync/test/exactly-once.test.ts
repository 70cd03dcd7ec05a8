import { describe, expect, it } from "vitest";
import {
  EMPTY_STATE,
  Receiver,
  nextBatch,
  type Batch,
  type LocalFile,
  type ReceiverState,
  type ReplicaStore,
} from "../src/replica.js";

/*
 * Property test of exactly-once shipping: a model of oar.log with concurrent writers, partial
 * lines, continuation lines, copytruncate and rename rotations (one of them possibly while the
 * agent is down), agent kill -9, receiver kill -9 between its append and its commit, and link
 * cuts that lose a batch or its acknowledgement. At the end the replica must equal, byte for
 * byte, everything written: no line lost, none doubled, every writer's order kept.
 */

/** A byte buffer that grows by doubling (a file in the model). */
class Grow {
  buf = Buffer.alloc(1024);
  len = 0;
  append(b: Buffer): void {
    if (this.len + b.length > this.buf.length) {
      const n = Buffer.alloc(Math.max(this.buf.length * 2, this.len + b.length));
      this.buf.copy(n, 0, 0, this.len);
      this.buf = n;
    }
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
  clone(): Grow {
    const g = new Grow();
    g.append(this.bytes());
    return g;
  }
}

const fileOf = (path: string, g: Grow): LocalFile => ({
  path,
  size: () => Promise.resolve(g.len),
  read: (offset, length) => Promise.resolve(Uint8Array.from(g.bytes().subarray(offset, offset + length))),
});

class Crash extends Error {}

/** The receiver's disk: the replica and its state; a crash may hit between append and commit. */
class Disk implements ReplicaStore {
  replica = new Grow();
  /** Rotated replicas, oldest first (the model keeps them all). */
  rotated: Grow[] = [];
  state: ReceiverState | undefined;
  crashBeforeCommit = false;
  length = () => Promise.resolve(this.replica.len);
  append(d: Uint8Array): Promise<void> {
    this.replica.append(Buffer.from(d));
    return Promise.resolve();
  }
  truncate(n: number): Promise<void> {
    const g = new Grow();
    g.append(this.replica.bytes().subarray(0, n));
    this.replica = g;
    return Promise.resolve();
  }
  rotate(): Promise<void> {
    this.rotated.push(this.replica);
    this.replica = new Grow();
    return Promise.resolve();
  }
  rotatedLength = () => Promise.resolve(this.rotated.at(-1)?.len);
  readState = () => Promise.resolve(this.state);
  writeState(s: ReceiverState): Promise<void> {
    if (this.crashBeforeCommit) {
      this.crashBeforeCommit = false;
      throw new Crash("receiver killed before its commit");
    }
    this.state = s;
    return Promise.resolve();
  }
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Stats {
  lines: number;
  rotations: { rename: number; copytruncate: number; whileDown: number };
  agentKills: number;
  receiverKills: number;
  lostBatches: number;
  lostAcks: number;
  duplicatesRefused: number;
  replays: number;
  replicaRotations: number;
}

async function simulate(
  seed: number,
  totalLines: number,
): Promise<{ replica: Buffer; written: Buffer; stats: Stats; state: ReceiverState }> {
  const r = rng(seed);
  let current = new Grow();
  let rotated: Grow | undefined;
  const written = new Grow();
  const disk = new Disk();
  // A small rotation size: the replica rotates dozens of times, receiver kills land inside rotations.
  const opts = { rotateBytes: 40_000 };
  let receiver = new Receiver(disk, opts);
  await receiver.open();
  const stats: Stats = {
    lines: 0,
    rotations: { rename: 0, copytruncate: 0, whileDown: 0 },
    agentKills: 0,
    receiverKills: 0,
    lostBatches: 0,
    lostAcks: 0,
    duplicatesRefused: 0,
    replays: 0,
    replicaRotations: 0,
  };
  const sent: Batch[] = [];
  const list = () => Promise.resolve([...(rotated ? [fileOf("oar.log.1", rotated)] : []), fileOf("oar.log", current)]);
  const writers = 4;
  const seq = new Array<number>(writers).fill(0);
  let pending: Buffer | undefined; // the rest of a line written in two parts
  let agentUp = true;
  let linkUp = true;
  let lastState: ReceiverState = EMPTY_STATE;

  const write = (b: Buffer) => {
    current.append(b);
    written.append(b);
  };
  const newLine = (): Buffer => {
    const w = Math.floor(r() * writers);
    const n = seq[w]!++;
    const ms = String(n % 1000).padStart(3, "0");
    let text = `[info] [2026-11-25 12:${String(Math.floor(n / 60000) % 60).padStart(2, "0")}:00.${ms}] [w${w}] seq=${n} ${"x".repeat(Math.floor(r() * 80))}\n`;
    // OAR children's raw output: continuation lines without a prefix.
    if (r() < 0.1) for (let j = 0; j < 1 + Math.floor(r() * 3); j++) text += `  output of w${w} seq=${n} part ${j}\n`;
    stats.lines++;
    return Buffer.from(text);
  };
  // Rotating while the generation in oar.log.1 is not fully shipped would compress lines away
  // (a real loss logrotate causes, not log-sync): the model rotates only when that is safe.
  const safeToRotate = async () => {
    if (!rotated) return true;
    const st = receiver.current;
    const b = await nextBatch(st, () => Promise.resolve([fileOf("oar.log.1", rotated!)]));
    return b === undefined && st.replicaLength > 0;
  };

  // The agent caught up (nothing left to send) since the last rotation. Two rotations with
  // no catch-up between them can compress lines never shipped: logrotate's loss, counted as
  // a gap, not log-sync's; the model rotates again only after a catch-up.
  let caughtUp = true;
  const syncOnce = async () => {
    if (!agentUp) return;
    if (!linkUp) return;
    const b = await nextBatch(lastState, list, 1 + Math.floor(r() * 8192));
    if (!b) {
      caughtUp = true;
      return;
    }
    const fate = r();
    if (fate < 0.02) {
      stats.agentKills++; // the agent dies before sending: it starts over from the receiver's state
      agentUp = false;
      return;
    }
    if (fate < 0.04) {
      stats.lostBatches++; // the link drops the batch
      linkUp = false;
      return;
    }
    if (fate < 0.06) disk.crashBeforeCommit = true;
    // A batch sent again long after (a retry racing a reconnection): it must change nothing.
    if (fate > 0.97 && sent.length) {
      const old = sent[Math.floor(r() * sent.length)]!;
      const before = receiver.current;
      if ((await receiver.apply(old)) !== before)
        throw new Error(`a replayed batch (${old.generation} @${old.start}) was applied twice`);
      stats.replays++;
    }
    sent.push(b);
    if (sent.length > 50) sent.shift();
    try {
      const before = receiver.current;
      const st = await receiver.apply(b);
      if (st === before) stats.duplicatesRefused++;
      if (r() < 0.03) {
        stats.lostAcks++; // applied, but the acknowledgement never comes back
        linkUp = false;
        return;
      }
      lastState = st;
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
      stats.receiverKills++;
      receiver = new Receiver(disk, opts);
      lastState = await receiver.open();
    }
  };

  while (stats.lines < totalLines || pending) {
    const x = r();
    if (pending && x < 0.5) {
      write(pending);
      pending = undefined;
    } else if (!pending && stats.lines < totalLines && x < 0.8) {
      const l = newLine();
      if (r() < 0.1) {
        const cut = 1 + Math.floor(r() * (l.length - 1));
        write(l.subarray(0, cut));
        pending = Buffer.from(l.subarray(cut));
      } else write(l);
    } else if (!pending && x < 0.8015 && caughtUp && (await safeToRotate())) {
      caughtUp = false;
      if (!agentUp) stats.rotations.whileDown++;
      if (r() < 0.5) {
        rotated = current; // rename oar.log -> oar.log.1, a new oar.log
        current = new Grow();
        stats.rotations.rename++;
      } else {
        rotated = current.clone(); // copytruncate: copy, then the same file cut to 0
        current = new Grow();
        stats.rotations.copytruncate++;
      }
    } else if (x < 0.97) {
      await syncOnce();
    } else if (!agentUp && r() < 0.5) {
      agentUp = true; // restarted: it knows nothing but what it asks the receiver
      lastState = receiver.current;
    } else if (!linkUp && r() < 0.5) {
      linkUp = true; // reconnected: ask the receiver where it stands
      lastState = receiver.current;
    }
  }
  // Everything up until the replica has every complete line.
  agentUp = true;
  linkUp = true;
  lastState = receiver.current;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const b = await nextBatch(lastState, list);
    if (!b) break;
    lastState = await receiver.apply(b);
  }
  stats.replicaRotations = disk.rotated.length;
  return {
    replica: Buffer.concat([...disk.rotated.map((g) => Buffer.from(g.bytes())), Buffer.from(disk.replica.bytes())]),
    written: Buffer.from(written.bytes()),
    stats,
    state: receiver.current,
  };
}

describe("exactly-once shipping under crashes, cuts and rotations", () => {
  const seeds = [1, 7, 42, 2026];
  const per = 25_000;
  let total = 0;
  it.each(seeds)("seed %i: the replica equals everything written, byte for byte", async (seed) => {
    const { replica, written, stats, state } = await simulate(seed, per);
    total += stats.lines;
    // Every fault happened, more than once.
    expect(stats.agentKills).toBeGreaterThan(5);
    expect(stats.receiverKills).toBeGreaterThan(5);
    expect(stats.lostBatches + stats.lostAcks).toBeGreaterThan(10);
    expect(stats.replays).toBeGreaterThan(10);
    expect(stats.rotations.rename).toBeGreaterThan(2);
    expect(stats.rotations.copytruncate).toBeGreaterThan(2);
    expect(state.gaps).toBe(0);
    expect(stats.rotations.whileDown).toBeGreaterThan(0);
    expect(stats.replicaRotations).toBeGreaterThan(20);
    expect(replica.length).toBe(written.length);
    expect(replica.equals(written)).toBe(true);
    // Per writer: sequence numbers strictly increasing, none missing.
    const last = new Map<string, number>();
    for (const l of replica.toString().split("\n")) {
      const m = /\[(w\d)\] seq=(\d+)/.exec(l);
      if (!m) continue;
      expect(Number(m[2])).toBe((last.get(m[1]!) ?? -1) + 1);
      last.set(m[1]!, Number(m[2]));
    }
  });
  it("covered at least 100,000 lines", () => {
    expect(total).toBeGreaterThanOrEqual(100_000);
  });
});
