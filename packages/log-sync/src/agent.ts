import { spawn } from "node:child_process";
import { watch, writeFileSync, renameSync, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { logFiles } from "./node-io.js";
import { nextBatch, pendingBytes, type ReceiverState } from "./replica.js";
import { WireClient } from "./wire.js";

/*
 * The shipping agent on an OAR server: follows oar.log, sends complete lines to the peer's
 * receiver (the command given, normally `ssh ... peer`, whose forced command is
 * `oar-ha-log-sync receive`), and writes a small status file with its lag. Idle, it sleeps on
 * a directory watch (with a slow timer as a safety net), never busy-polls.
 */

export interface ShipOptions {
  readonly log: string;
  /** argv of the command that reaches the receiver, e.g. ["ssh", "-i", key, "root@peer"]. */
  readonly via: readonly string[];
  readonly statusFile?: string;
  readonly maxBatch?: number;
  /** How long appends gather after a wake-up before the next batch (ms, default 200). */
  readonly gatherMs?: number;
  readonly signal?: AbortSignal;
  readonly log_?: (m: string) => void;
}

export interface ShipStatus {
  readonly updated: string;
  /** Bytes of complete lines not yet acknowledged by the receiver. */
  readonly lagBytes: number;
  /** Since when the receiver has been behind (ISO), absent when caught up. */
  readonly behindSince?: string;
  readonly generation?: string;
  readonly offset: number;
  readonly gaps: number;
  readonly connected: boolean;
  /** Nothing left to send (every complete line acknowledged, rotated files closed). */
  readonly caughtUp: boolean;
}

/** A sleep that an abort ends early; its abort listener goes when it ends (one per wait leaked: 11 a minute). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const onAbort = () => {
      clearTimeout(t);
      r();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      r();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Bytes of the local log the receiver does not hold yet (a partial last line counts). */
const lag = (log: string, s: ReceiverState) => pendingBytes(s, logFiles(log));

export async function ship(o: ShipOptions): Promise<void> {
  const say = o.log_ ?? (() => undefined);
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  const name = basename(o.log);
  try {
    watcher = watch(dirname(o.log), (_e, f) => {
      if (!f || f.toString().startsWith(name)) wake?.();
    });
  } catch {
    watcher = undefined; // no inotify: the timer alone
  }
  let behindSince: number | undefined;
  let backoff = 500;
  const status = (s: ReceiverState | undefined, lagBytes: number, connected: boolean, caughtUp = false) => {
    if (!o.statusFile) return;
    if (lagBytes > 0) behindSince ??= Date.now();
    else behindSince = undefined;
    const st: ShipStatus = {
      updated: new Date().toISOString(),
      lagBytes,
      ...(behindSince ? { behindSince: new Date(behindSince).toISOString() } : {}),
      ...(s?.generation ? { generation: s.generation } : {}),
      offset: s?.offset ?? 0,
      gaps: s?.gaps ?? 0,
      connected,
      caughtUp,
    };
    writeFileSync(`${o.statusFile}.tmp`, JSON.stringify(st));
    renameSync(`${o.statusFile}.tmp`, o.statusFile);
  };
  try {
    while (!o.signal?.aborted) {
      const [cmd, ...args] = o.via;
      const child = spawn(cmd!, args, { stdio: ["pipe", "pipe", "inherit"] });
      const client = new WireClient(child.stdout, child.stdin);
      child.stdin.on("error", () => undefined);
      const stop = () => child.kill("SIGTERM");
      o.signal?.addEventListener("abort", stop, { once: true });
      let s: ReceiverState | undefined;
      try {
        s = await client.state();
        say(`connected: receiver at ${s.generation?.slice(0, 8) ?? "nothing"}+${s.offset}`);
        backoff = 500;
        while (!o.signal?.aborted) {
          const b = await nextBatch(s, logFiles(o.log), o.maxBatch);
          if (b) {
            if (b.gapFrom)
              say(
                `generation ${b.gapFrom.slice(0, 8)} vanished before it was complete (rotated and compressed twice while this agent was away): lines may be missing there`,
              );
            s = await client.send(b);
            status(s, await lag(o.log, s), true);
            continue;
          }
          status(s, await lag(o.log, s), true, true);
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, watcher ? 5000 : 1000);
          });
          wake = undefined;
          // Let a burst of appends gather: one batch (two fsyncs on the receiver) per
          // interval instead of one per write; the lag target is a second, this costs 0.2 s.
          await sleep(o.gatherMs ?? 200, o.signal);
        }
      } catch (e) {
        say(`connection lost: ${(e as Error).message}; retrying in ${backoff} ms`);
        status(s, s ? await lag(o.log, s).catch(() => 0) : 0, false);
      } finally {
        o.signal?.removeEventListener("abort", stop);
        child.stdin.end();
        child.kill("SIGTERM");
      }
      await sleep(backoff, o.signal);
      backoff = Math.min(backoff * 2, 10_000); // a peer back from a crash is found within 10 s
    }
  } finally {
    watcher?.close();
  }
}
