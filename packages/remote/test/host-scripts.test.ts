import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/*
 * Every host-side script of every package (packages/<pkg>/src/scripts/*.sh, *.pl) passes
 * `sh -n` (or `bash -n` for a bash shebang) and shellcheck, or `perl -c -W` for Perl; a broken
 * script fails each check (negative control), so the checks are known to bite.
 */

const repo = join(import.meta.dirname, "../../..");
const scripts = readdirSync(join(repo, "packages")).flatMap((pkg) => {
  const dir = join(repo, "packages", pkg, "src", "scripts");
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".sh") || f.endsWith(".pl"))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
});

function check(path: string, text: string): string[] {
  if (path.endsWith(".pl")) {
    // perl -c compiles without running; warnings count as problems.
    const c = spawnSync("perl", ["-c", "-W", path], { encoding: "utf8" });
    return c.status !== 0 || !/syntax OK\s*$/.test(c.stderr) || c.stderr.trim().split("\n").length > 1
      ? [`perl -c: ${c.stderr.trim()}`]
      : [];
  }
  const shell = text.startsWith("#!/bin/bash") ? "bash" : "sh";
  const syntax = spawnSync(shell, ["-n", path], { encoding: "utf8" });
  const lint = spawnSync("shellcheck", ["-s", shell, "-S", "warning", path], { encoding: "utf8" });
  if (lint.error) throw new Error("shellcheck could not run (Debian package shellcheck; scripts/setup.sh installs it)");
  return [
    ...(syntax.status !== 0 ? [`${shell} -n: ${syntax.stderr.trim()}`] : []),
    ...(lint.status !== 0 ? [`shellcheck: ${lint.stdout.trim()}`] : []),
  ];
}

/*
 * The scripts generators render from templates (the OCF agent, the OAR server control, the
 * Heartbeat resource scripts, the log-sync init script), as rendered in the reviewed golden
 * trees of packages/cli: one file per distinct content.
 */
const goldenRoot = join(repo, "packages/cli/test/golden");
const rendered = [
  ...new Map(
    readdirSync(goldenRoot, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name))
      .map((p) => [p, readFileSync(p, "utf8")] as const)
      .filter(([, text]) => /^#!\/bin\/(ba)?sh\n/.test(text))
      .map(([p, text]) => [text, p] as const),
  ).values(),
].sort();

describe("host-side scripts", () => {
  const tmp = mkdtempSync(join(tmpdir(), "oar-ha-scripts-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("exist where the packages keep them", () => {
    expect(scripts.map((p) => p.slice(repo.length + 1))).toEqual(
      expect.arrayContaining([
        "packages/remote/src/scripts/drbd-probe.sh",
        "packages/lab/src/scripts/vm-image.sh",
        "packages/drill/src/scripts/drill-agent.pl",
      ]),
    );
  });

  it.each(scripts.map((p) => [p.slice(repo.length + 1), p]))(
    "%s passes sh -n and shellcheck (perl -c for Perl)",
    (_, path) => {
      expect(check(path, spawnSync("cat", [path], { encoding: "utf8" }).stdout)).toEqual([]);
    },
  );

  it("rendered scripts (OCF agent, OAR server control, Heartbeat resources, log-sync init) are in the golden trees", () => {
    const names = new Set(rendered.map((p) => p.split("/").slice(-1)[0]));
    expect([...names].sort()).toEqual(
      expect.arrayContaining(["oar-ha-db", "oar-ha-log-sync", "oar-ha-oar-server", "oar-server", "oar-server-ctl"]),
    );
  });

  it.each(rendered.map((p) => [p.slice(goldenRoot.length + 1), p]))(
    "rendered %s passes sh -n and shellcheck",
    (_, path) => {
      expect(check(path, readFileSync(path, "utf8"))).toEqual([]);
    },
  );

  it("a broken script fails both (negative control)", () => {
    const bad = join(tmp, "bad.sh");
    writeFileSync(bad, '#!/bin/sh\nif [ -n "$1" ]; then\n  rm -rf $1/*\n');
    const problems = check(bad, "#!/bin/sh");
    expect(problems.some((p) => p.startsWith("sh -n:"))).toBe(true);
    const unsafe = join(tmp, "unsafe.sh");
    writeFileSync(unsafe, "#!/bin/sh\nd=$1\nrm -rf $d/*\n");
    expect(check(unsafe, "#!/bin/sh").some((p) => p.startsWith("shellcheck:"))).toBe(true);
    const perl = join(tmp, "bad.pl");
    writeFileSync(perl, "#!/usr/bin/perl\nuse strict;\nmy $x = ;\n");
    expect(check(perl, "")).toEqual([expect.stringMatching(/^perl -c: /)]);
    const sloppy = join(tmp, "sloppy.pl");
    writeFileSync(sloppy, "#!/usr/bin/perl\nuse strict; use warnings;\nmy $x = 1; my $x = 2;\n");
    expect(check(sloppy, "")).toEqual([expect.stringMatching(/^perl -c: .*masks earlier/s)]);
  });
});
