import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/*
 * The Debian package, for real: built from the bundle by scripts/build-deb.mjs (npm run deb),
 * checked by lintian, installed with dpkg on this machine, run (--version, validate, the man
 * page, bash completion), then purged: nothing of it is left. Needs root and Debian's dpkg;
 * refuses to run where an oar-ha package is installed already (it would remove it).
 */

const repo = join(import.meta.dirname, "../../..");
const out = mkdtempSync(join(tmpdir(), "oar-ha-deb-test-"));
const version = (JSON.parse(readFileSync(join(repo, "apps/installer/package.json"), "utf8")) as { version: string })
  .version;
const fixture = join(repo, "packages/cli/test/fixtures/two-node-pg-pacemaker-lvm/cluster.yaml");
const sh = (cmd: string, args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const installed = () => sh("dpkg-query", ["-W", "-f=${Status}", "oar-ha"]).out.includes("install ok installed");

describe("the Debian package", () => {
  let deb = "";
  let files: string[] = [];
  afterAll(() => {
    if (installed() && files.length) sh("dpkg", ["-P", "oar-ha"]);
    rmSync(out, { recursive: true, force: true });
  });

  it("builds from the bundle as oar-ha_<version>_all.deb, and lintian has nothing to say", () => {
    expect(
      installed(),
      "an oar-ha package is installed on this machine: this test would remove it (dpkg -P oar-ha first)",
    ).toBe(false);
    const b = sh(process.execPath, [join(repo, "scripts/build-deb.mjs"), out]);
    expect(b.code, b.err).toBe(0);
    deb = b.out.trim();
    expect(deb).toBe(join(out, `oar-ha_${version}_all.deb`));
    const info = sh("dpkg-deb", ["--field", deb, "Package", "Version", "Architecture", "Depends"]).out;
    expect(info).toBe(`Package: oar-ha\nVersion: ${version}\nArchitecture: all\nDepends: nodejs (>= 20.12)\n`);
    const size = lstatSync(deb).size;
    process.stderr.write(`deb: ${deb} ${(size / 1024).toFixed(0)} KiB\n`);
    const lint = sh("lintian", ["--no-tag-display-limit", deb]);
    process.stderr.write(`lintian: ${lint.out.trim() || "(no tag)"}\n`);
    expect(lint.out.split("\n").filter((l) => /^[EW]: /.test(l))).toEqual([]);
  });

  it("installs with dpkg, runs (version, validate, man page, bash completion), and purges without a trace", () => {
    const i = sh("dpkg", ["-i", deb]);
    expect(i.code, i.out + i.err).toBe(0);
    files = sh("dpkg", ["-L", "oar-ha"])
      .out.trim()
      .split("\n")
      .filter((p) => p.startsWith("/usr/") && existsSync(p) && !lstatSync(p).isDirectory());
    expect(files).toEqual(
      expect.arrayContaining([
        "/usr/bin/oar-ha",
        "/usr/lib/oar-ha/oar-ha.js",
        "/usr/share/man/man1/oar-ha.1.gz",
        "/usr/share/bash-completion/completions/oar-ha",
        "/usr/share/doc/oar-ha/copyright",
      ]),
    );
    expect(sh("/usr/bin/oar-ha", ["--version"]).out).toBe(`${version}\n`);
    const v = sh("/usr/bin/oar-ha", ["validate", fixture]);
    expect(v.code, v.err).toBe(0);
    // The man page from the same definitions as --help: every command has its section.
    const man = sh("man", ["oar-ha"], { MANWIDTH: "100", PAGER: "cat", LC_ALL: "C" });
    expect(man.code, man.err).toBe(0);
    for (const c of ["oar-ha init", "oar-ha standby [OPTIONS] <FILE> <NODE>", "oar-ha maintenance", "EXIT STATUS"])
      expect(man.out).toContain(c);
    const comp = sh("bash", [
      "-c",
      "source /usr/share/bash-completion/completions/oar-ha; COMP_WORDS=(oar-ha st); COMP_CWORD=1; _oar_ha; echo ${COMPREPLY[*]}; COMP_WORDS=(oar-ha switchover --t); COMP_CWORD=2; _oar_ha; echo ${COMPREPLY[*]}",
    ]);
    expect(comp.out).toBe("status standby\n--to\n");
    const p = sh("dpkg", ["-P", "oar-ha"]);
    expect(p.code, p.out + p.err).toBe(0);
    expect(installed()).toBe(false);
    expect(files.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync("/usr/lib/oar-ha") || existsSync("/usr/share/doc/oar-ha")).toBe(false);
  });
});
