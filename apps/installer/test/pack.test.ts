import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The npm packages as a user gets them before publication: every public package packed with
 * `npm pack` (what the registry would hold), the tarballs installed together into a
 * throw-away project (no workspace, no symlink), each package README's usage example run as
 * written (TypeScript stripped of its types, nothing else changed) in that project; the
 * program's tarball installed with `npm install -g` into its own prefix runs `--version` and
 * `validate`. Examples that need a live cluster, SSH transports or the lab (bench, drill,
 * lab, remote) are loaded, not run: every name they import must exist in the installed
 * package. Needs the built packages (turbo runs the build first) and the npm registry for
 * third-party dependencies.
 */

const repo = join(import.meta.dirname, "../../..");
const work = mkdtempSync(join(tmpdir(), "oar-ha-pack-"));
const tarballs = join(work, "tarballs");
const project = join(work, "project");
const fixture = join(repo, "packages/cli/test/fixtures/two-node-pg-pacemaker-lvm/cluster.yaml");

const sh = (cmd: string, args: string[], cwd: string, timeout = 300_000) => {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout,
    env: {
      ...process.env,
      NO_COLOR: "1",
      npm_config_fund: "false",
      npm_config_audit: "false",
      npm_config_update_notifier: "false",
    },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

interface Pkg {
  readonly dir: string;
  readonly name: string;
  readonly private?: boolean;
}
const packages: Pkg[] = [
  ...readdirSync(join(repo, "packages")).map((d) => join(repo, "packages", d)),
  join(repo, "apps/installer"),
]
  .map((dir) => ({
    dir,
    ...(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; private?: boolean }),
  }))
  .filter((p) => !p.private);
const libraries = packages.filter((p) => p.name.startsWith("@oar-ha/"));

/** Needs a live cluster, SSH transports or the lab: imports checked, not run. */
const LIVE = new Set(["@oar-ha/bench", "@oar-ha/drill", "@oar-ha/lab", "@oar-ha/remote"]);

/** The README's usage example: the first ```ts block. */
function usage(dir: string): string | undefined {
  const md = readFileSync(join(dir, "README.md"), "utf8");
  return /```ts\n([\s\S]*?)```/.exec(md)?.[1];
}

const tgz: Record<string, string> = {};
beforeAll(() => {
  mkdirSync(tarballs);
  mkdirSync(project);
  for (const p of packages) {
    const r = sh("npm", ["pack", "--pack-destination", tarballs, "--json"], p.dir);
    expect(r.code, `${p.name}: ${r.err}`).toBe(0);
    tgz[p.name] = join(tarballs, (JSON.parse(r.out) as { filename: string }[])[0]!.filename);
  }
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "pack-test", version: "0.0.0", private: true, type: "module" }),
  );
  const r = sh(
    "npm",
    ["install", "--prefer-offline", "--no-package-lock", ...libraries.map((p) => tgz[p.name]!)],
    project,
    600_000,
  );
  expect(r.code, r.err).toBe(0);
}, 900_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm packages, installed from their tarballs together", () => {
  it("every public package packs with its LICENSE and README", () => {
    for (const p of packages) {
      const list = sh("tar", ["-tzf", tgz[p.name]!], work).out.split("\n");
      expect(list, p.name).toEqual(
        expect.arrayContaining(["package/LICENSE", "package/README.md", "package/package.json"]),
      );
    }
  });

  it.each(libraries.map((p) => [p.name, p.dir] as const))(
    "%s: the README's usage example runs as written (or, for a live cluster, every name it imports exists)",
    (name, dir) => {
      const code = usage(dir);
      expect(code, `${name}: no usage example (a \`\`\`ts block) in its README`).toBeDefined();
      const js = ts.transpileModule(code!, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      if (LIVE.has(name)) {
        // Each `import { a, b } from "@oar-ha/x"` of the example resolves in the installed package.
        for (const m of code!.matchAll(/import \{([^}]+)\} from "(@oar-ha\/[^"]+)"/g)) {
          const wanted = m[1]!
            .split(",")
            .map((x) => x.trim().replace(/^type /, ""))
            .filter(Boolean);
          const probe = join(project, `probe-${name.replace(/\W/g, "_")}.mjs`);
          writeFileSync(
            probe,
            `import * as m from ${JSON.stringify(m[2])};\nconst missing = ${JSON.stringify(wanted)}.filter((n) => !(n in m));\nif (missing.length) { console.error("missing: " + missing.join(", ")); process.exit(1); }\n`,
          );
          const r = sh(process.execPath, [probe], project);
          expect(r.code, `${name}: ${r.err}`).toBe(0);
        }
        return;
      }
      // What the examples read in the current directory: a cluster file, a keytab (made by MIT's
      // ktutil), an OAR server's log and the replica of its peer's.
      copyFileSync(fixture, join(project, "oar-ha.yaml"));
      const kt = spawnSync("ktutil", [], {
        cwd: project,
        encoding: "utf8",
        input: `addent -password -p host/oar.example.org@EXAMPLE.ORG -k 3 -e aes256-cts-hmac-sha1-96\nvip-secret\nwkt ${join(project, "oar.keytab")}\nquit\n`,
      });
      expect(kt.status, kt.stderr).toBe(0);
      writeFileSync(join(project, "oar.log"), "[info] [2026-12-06 10:00:00.000] [Almighty] on srv-a\n");
      writeFileSync(join(project, "oar.log.srv-b"), "[info] [2026-12-06 10:00:01.000] [Almighty] on srv-b\n");
      const file = join(project, `usage-${name.replace(/\W/g, "_")}.mjs`);
      writeFileSync(file, js);
      const r = sh(process.execPath, [file], project, 120_000);
      expect(r.code, `${name}:\n${r.err}`).toBe(0);
      expect(r.out.trim().length, `${name}: the example printed nothing`).toBeGreaterThan(0);
    },
    120_000,
  );

  it("the program's tarball installed with npm install -g runs --version and validate", () => {
    const prefix = join(work, "global");
    const r = sh("npm", ["install", "-g", "--prefer-offline", "--prefix", prefix, tgz["oar-ha"]!], work, 600_000);
    expect(r.code, r.err).toBe(0);
    const version = (JSON.parse(readFileSync(join(repo, "apps/installer/package.json"), "utf8")) as { version: string })
      .version;
    const v = sh(join(prefix, "bin/oar-ha"), ["--version"], work);
    expect(v.code, v.err).toBe(0);
    expect(v.out.trim()).toBe(version);
    const val = sh(join(prefix, "bin/oar-ha"), ["validate", fixture], work);
    expect(val.code, val.out + val.err).toBe(0);
  }, 900_000);
});
