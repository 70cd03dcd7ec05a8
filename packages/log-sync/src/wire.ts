import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Batch, Receiver, ReceiverState } from "./replica.js";

/*
 * The wire between the shipper and the receiver: one JSON object per line each way, one
 * answer per request, over whatever carries bytes (the stdin/stdout of an SSH session whose
 * forced command is the receiver). Requests: {"op":"state"} and {"op":"batch", ...} with the
 * data in base64; every answer is the receiver's state.
 */

type Request =
  { op: "state" } | { op: "batch"; generation: string; start: number; data: string; close?: boolean; gapFrom?: string };

/** Serves one connection until its input ends. Back-pressure: one request at a time. */
export async function serve(input: Readable, output: Writable, receiver: Receiver): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as Request;
    let st: ReceiverState;
    if (req.op === "state") st = receiver.current;
    else {
      const b: Batch = {
        generation: req.generation,
        start: req.start,
        data: Buffer.from(req.data, "base64"),
        ...(req.close ? { close: true } : {}),
        ...(req.gapFrom ? { gapFrom: req.gapFrom } : {}),
      };
      st = await receiver.apply(b);
    }
    if (!output.write(`${JSON.stringify(st)}\n`)) await new Promise((r) => output.once("drain", r));
  }
}

/** The shipper's end: ask, wait for the answer. Rejects when the connection ends. */
export class WireClient {
  private readonly waiting: ((s: ReceiverState | Error) => void)[] = [];
  private closed: Error | undefined;

  constructor(
    input: Readable,
    private readonly output: Writable,
  ) {
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on("line", (l) => {
      if (l.trim()) this.waiting.shift()?.(JSON.parse(l) as ReceiverState);
    });
    rl.on("close", () => this.fail(new Error("the receiver closed the connection")));
    output.on("error", (e) => this.fail(e));
  }

  private fail(e: Error): void {
    this.closed ??= e;
    for (const w of this.waiting.splice(0)) w(e);
  }

  private ask(req: Request): Promise<ReceiverState> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting.push((s) => (s instanceof Error ? reject(s) : resolve(s)));
      this.output.write(`${JSON.stringify(req)}\n`);
    });
  }

  state(): Promise<ReceiverState> {
    return this.ask({ op: "state" });
  }

  send(b: Batch): Promise<ReceiverState> {
    return this.ask({
      op: "batch",
      generation: b.generation,
      start: b.start,
      data: Buffer.from(b.data).toString("base64"),
      ...(b.close ? { close: true } : {}),
      ...(b.gapFrom ? { gapFrom: b.gapFrom } : {}),
    });
  }
}
