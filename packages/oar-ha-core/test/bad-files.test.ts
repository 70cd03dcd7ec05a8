import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatIssue, loadCluster } from "../src/index.js";

const dir = join(import.meta.dirname, "bad");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

describe("bad cluster files", () => {
  it("has at least 40 of them", () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)("%s is rejected with the expected code and field", (f) => {
    const text = readFileSync(join(dir, f), "utf8");
    const [, code, path = ""] = /^# expect: (\S+) ?(\S*)/.exec(text) ?? [];
    const r = loadCluster(text, f);
    const errors = r.issues.filter((i) => i.severity === "error");
    expect(errors.length, "no error reported").toBeGreaterThan(0);
    const hit = errors.find((i) => i.code === code && i.path === path);
    expect(hit, `expected ${code} at "${path}", got:\n${errors.map(formatIssue).join("\n")}`).toBeDefined();
    // The message names the field and says how to fix it; the position points into the file.
    const text2 = formatIssue(hit!);
    if (path) expect(text2).toContain(path);
    expect(hit!.fix.length).toBeGreaterThan(5);
    expect(hit!.line, "issue has no line number").toBeGreaterThan(0);
  });
});
