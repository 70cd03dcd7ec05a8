import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RenderedFile } from "@oar-ha/core";
import { LocalTransport, driftChecks } from "../src/index.js";

/*
 * status's managed-file check against real files, through the local transport (a real shell,
 * stat and base64): what apply would write vs what is there.
 */

const dir = mkdtempSync(join(tmpdir(), "oar-ha-drift-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The user and primary group, as stat prints them.
const owner = `${userInfo().username}:${execFileSync("id", ["-gn"], { encoding: "utf8" }).trim()}`;

const file = (name: string, content: string, mode = "0644"): RenderedFile => ({
  host: "h1",
  path: join(dir, name),
  mode,
  owner,
  content,
});
const files = [file("a.conf", "a = 1\n"), file("b.conf", "b = 2\n"), file("c.conf", "c = 3\n", "0600")];
const t = new Map([["h1", new LocalTransport("h1")]]);

describe("managed files compared with what apply writes", () => {
  it("all in place: ok", async () => {
    for (const f of files) {
      writeFileSync(f.path, f.content);
      chmodSync(f.path, Number.parseInt(f.mode, 8));
    }
    expect(await driftChecks(files, t)).toEqual([
      { name: "managed files on h1", ok: true, detail: "3 file(s) as apply writes them" },
    ]);
  });

  it("a deleted, an edited and a loosened file are each named, with the fix; degraded", async () => {
    unlinkSync(files[0]!.path);
    writeFileSync(files[1]!.path, "b = 3\n");
    chmodSync(files[2]!.path, 0o644);
    const [c] = await driftChecks(files, t);
    expect([c?.ok, c?.degraded]).toEqual([false, true]);
    expect(c?.detail).toBe(
      `missing ${files[0]!.path}; changed ${files[1]!.path}; ${files[2]!.path} mode/owner 0644 ${owner} -> 0600 ${owner}. fix: oar-ha plan shows the difference, oar-ha apply writes them back`,
    );
  });

  it("a host that cannot be asked is said so", async () => {
    const [c] = await driftChecks([{ ...files[0]!, host: "h2" }], t);
    expect(c).toEqual({
      name: "managed files on h2",
      ok: false,
      degraded: true,
      detail: "could not be read (is h2 reachable?)",
    });
  });
});
