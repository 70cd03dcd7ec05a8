import { describe, expect, it } from "vitest";
import type { RenderedFile } from "@oar-ha/core";
import { planFile, planFiles, type HostFacts } from "../src/index.js";

/*
 * The planner, pure: what the host has (facts) and what oar-ha wants (rendered files) give one
 * action per file and a reviewable diff. Expected values are written out by hand.
 */

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const facts = (files: HostFacts["files"]): HostFacts => ({
  host: "srv-a",
  hostname: "srv-a",
  os: { id: "debian", version: "12" },
  init: "sysv",
  packages: {},
  files,
  addresses: ["10.0.0.1"],
  clockSkewMs: 0,
});
const file = (over: Partial<RenderedFile> = {}): RenderedFile => ({
  host: "srv-a",
  path: "/etc/x.conf",
  mode: "0644",
  owner: "root:root",
  content: "a=1\n",
  ...over,
});

describe("planFile", () => {
  it("creates a missing file, with a diff from /dev/null", () => {
    const c = planFile(file(), facts({}));
    expect(c.action).toBe("create");
    expect(c.content).toBe(b64("a=1\n"));
    expect(c.diff).toContain("+a=1");
  });

  it("updates a file whose bytes differ, and shows the lines that change", () => {
    const c = planFile(file(), facts({ "/etc/x.conf": { content: b64("a=0\n"), mode: "0644", owner: "root:root" } }));
    expect(c.action).toBe("update");
    expect(c.diff).toMatch(/-a=0\n\+a=1/);
  });

  it("only fixes mode or owner when the bytes are right", () => {
    const c = planFile(file(), facts({ "/etc/x.conf": { content: b64("a=1\n"), mode: "0600", owner: "root:root" } }));
    expect(c.action).toBe("metadata");
    expect(c.diff).toBe("/etc/x.conf: mode/owner 0600 root:root -> 0644 root:root");
  });

  it("does nothing when bytes, mode and owner match", () => {
    expect(
      planFile(file(), facts({ "/etc/x.conf": { content: b64("a=1\n"), mode: "0644", owner: "root:root" } })).action,
    ).toBe("none");
  });

  it("never shows a secret's content, created or changed", () => {
    const secret = file({ path: "/etc/k", mode: "0600", content: "hunter2\n", sensitive: true });
    const created = planFile(secret, facts({}));
    expect(created.diff).not.toContain("hunter2");
    expect(created.diff).toContain("content hidden");
    const changed = planFile(
      secret,
      facts({ "/etc/k": { content: b64("old-secret\n"), mode: "0600", owner: "root:root" } }),
    );
    expect(changed.action).toBe("update");
    expect(changed.diff).not.toMatch(/hunter2|old-secret/);
  });

  it("merges shell keys into the package's file: the host's other lines stay, a key already right is no change", () => {
    const host = 'DB_TYPE="Pg"\n# a comment of the site\nLOG_LEVEL="2"\n';
    const want = file({ path: "/etc/oar/oar.conf", content: 'DB_TYPE="mysql"\n', merge: "shell-keys" });
    const c = planFile(want, facts({ "/etc/oar/oar.conf": { content: b64(host), mode: "0644", owner: "root:root" } }));
    expect(c.action).toBe("update");
    const merged = Buffer.from(c.content, "base64").toString("utf8");
    expect(merged).toContain("# a comment of the site");
    expect(merged).toContain('LOG_LEVEL="2"');
    expect(merged).toMatch(/^DB_TYPE="mysql"$/m);
    expect(merged).not.toMatch(/^DB_TYPE="Pg"$/m);
    const again = planFile(
      want,
      facts({ "/etc/oar/oar.conf": { content: c.content, mode: "0644", owner: "root:root" } }),
    );
    expect(again.action).toBe("none");
  });

  it("planFiles skips hosts without facts (not gathered: nothing to compare)", () => {
    const all = planFiles([file(), file({ host: "srv-b" })], new Map([["srv-a", facts({})]]));
    expect(all.map((c) => [c.host, c.action])).toEqual([["srv-a", "create"]]);
  });
});
