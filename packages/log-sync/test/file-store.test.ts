import { mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileStore } from "../src/node-io.js";
import { Receiver, generationOf } from "../src/replica.js";

/* The receiver's own rotation of the replica, on real files. */

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function lines(from: number, n: number): Buffer {
  let s = "";
  for (let i = from; i < from + n; i++)
    s += `[info] [2026-11-26 10:00:00.000] [Almighty] line ${i} ${"y".repeat(40)}\n`;
  return Buffer.from(s);
}

describe("fileStore rotation", () => {
  it("rotates at the size limit, keeps `keep` files, and the kept files plus the replica are the tail of what was sent", async () => {
    const d = mkdtempSync(join(tmpdir(), "ls-store-"));
    dirs.push(d);
    const path = join(d, "oar.log.peer");
    const r = new Receiver(fileStore(path, { keep: 3 }), { rotateBytes: 2000 });
    await r.open();
    const first = lines(0, 1);
    const gen = generationOf(first.subarray(0, first.length));
    let sent = Buffer.alloc(0);
    for (let i = 0; i < 40; i++) {
      const data = lines(i * 10, 10);
      const st = await r.apply({ generation: gen, start: sent.length, data });
      expect(st.offset).toBe(sent.length + data.length);
      sent = Buffer.concat([sent, data]);
    }
    const files = readdirSync(d)
      .filter((f) => /^oar\.log\.peer(\.\d+)?$/.test(f))
      .sort();
    expect(files).toEqual(["oar.log.peer", "oar.log.peer.1", "oar.log.peer.2", "oar.log.peer.3"]);
    const kept = Buffer.concat([3, 2, 1].map((i) => readFileSync(`${path}.${i}`)).concat([readFileSync(path)]));
    expect(sent.subarray(sent.length - kept.length).equals(kept)).toBe(true);
    expect(kept.length).toBeLessThan(sent.length);
  });

  it("finishes a rotation whose commit was lost (the replica moved aside, the state still says its length)", async () => {
    const d = mkdtempSync(join(tmpdir(), "ls-store-"));
    dirs.push(d);
    const path = join(d, "oar.log.peer");
    const r = new Receiver(fileStore(path), { rotateBytes: 1 << 20 });
    await r.open();
    const data = lines(0, 5);
    const gen = generationOf(data.subarray(0, data.indexOf(0x0a) + 1));
    await r.apply({ generation: gen, start: 0, data });
    // The kill between rename and commit, by hand: the replica is .1, an empty one in its place.
    renameSync(path, `${path}.1`);
    writeFileSync(path, "");
    const again = new Receiver(fileStore(path));
    const st = await again.open();
    expect(st.replicaLength).toBe(0);
    expect(st.offset).toBe(data.length);
    const more = lines(5, 2);
    await again.apply({ generation: gen, start: data.length, data: more });
    expect(Buffer.concat([readFileSync(`${path}.1`), readFileSync(path)]).equals(Buffer.concat([data, more]))).toBe(
      true,
    );
  });

  it("refuses a replica cut outside log-sync", async () => {
    const d = mkdtempSync(join(tmpdir(), "ls-store-"));
    dirs.push(d);
    const path = join(d, "oar.log.peer");
    const r = new Receiver(fileStore(path));
    await r.open();
    const data = lines(0, 5);
    await r.apply({ generation: generationOf(data.subarray(0, data.indexOf(0x0a) + 1)), start: 0, data });
    writeFileSync(path, data.subarray(0, 10));
    await expect(new Receiver(fileStore(path)).open()).rejects.toThrow(/shorter .* than its committed state/);
  });
});
