import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/*
 * Every host-side shell script of every package (packages/<pkg>/src/scripts/*.sh) passes
 * `sh -n` (or `bash -n` for a bash shebang) and shellcheck; a broken script fails both
 * (negative control), so the check is known to bite.
 */

const repo = join(import.meta.dirname, "../../..");
const scripts = readdirSync(join(repo, "packages")).flatMap((pkg) => {
  const dir = join(repo, "packages", pkg, "src", "scripts");
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".sh")).map((f) => join(dir, f));
  } catch {
    return [];
  }
});

function check(path: string, text: string): string[] {
  const shell = text.startsWith("#!/bin/bash") ? "bash" : "sh";
  const syntax = spawnSync(shell, ["-n", path], { encoding: "utf8" });
  const lint = spawnSync("shellcheck", ["-s", shell, "-S", "warning", path], { encoding: "utf8" });
  if (lint.error) throw new Error("shellcheck could not run (Debian package shellcheck; scripts/setup.sh installs it)");
  return [...(syntax.status !== 0 ? [`${shell} -n: ${syntax.stderr.trim()}`] : []), ...(lint.status !== 0 ? [`shellcheck: ${lint.stdout.trim()}`] : [])];
}

describe("host-side scripts", () => {
  const tmp = mkdtempSync(join(tmpdir(), "oar-ha-scripts-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("exist where the packages keep them", () => {
    expect(scripts.map((p) => p.slice(repo.length + 1))).toEqual(expect.arrayContaining(["packages/remote/src/scripts/drbd-probe.sh", "packages/lab/src/scripts/vm-image.sh"]));
  });

  it.each(scripts.map((p) => [p.slice(repo.length + 1), p]))("%s passes sh -n and shellcheck", (_, path) => {
    expect(check(path, spawnSync("cat", [path], { encoding: "utf8" }).stdout)).toEqual([]);
  });

  it("a broken script fails both (negative control)", () => {
    const bad = join(tmp, "bad.sh");
    writeFileSync(bad, '#!/bin/sh\nif [ -n "$1" ]; then\n  rm -rf $1/*\n');
    const problems = check(bad, "#!/bin/sh");
    expect(problems.some((p) => p.startsWith("sh -n:"))).toBe(true);
    const unsafe = join(tmp, "unsafe.sh");
    writeFileSync(unsafe, '#!/bin/sh\nd=$1\nrm -rf $d/*\n');
    expect(check(unsafe, "#!/bin/sh").some((p) => p.startsWith("shellcheck:"))).toBe(true);
  });
});
