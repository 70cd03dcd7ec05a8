import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/* End to end through the bundled program, exactly as `npx oar-ha` runs it. */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const bad = join(import.meta.dirname, "../../../packages/oar-ha-core/test/bad");
const fixtures = join(import.meta.dirname, "../../../packages/cli/test/fixtures");
const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")) as { version: string };

function oarHa(args: string[], cwd = process.cwd()) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), "oar-ha-cli-"));

const initFlags = [
  "--name",
  "oar-prod",
  "--topology",
  "two-node",
  "--manager",
  "pacemaker",
  "--db",
  "postgresql",
  "--nodes",
  "srv-a=10.0.0.11,srv-b=10.0.0.12",
  "--oar-vip",
  "10.0.0.100/24=oar.example.org",
  "--storage",
  "drbd-loop:4G",
  "--fencing",
  "lab:10.0.0.2",
  "--hosts",
  "front=10.0.0.20",
  "--yes",
];

describe("oar-ha (bundled)", () => {
  it("prints its version", () => {
    expect(oarHa(["--version"])).toMatchObject({ code: 0, out: `${pkg.version}\n` });
  });

  it("shows help with examples and exit codes", () => {
    const r = oarHa(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Examples:");
    expect(r.out).toContain("Exit codes:");
    expect(oarHa(["render", "--help"]).out).toContain("--out");
  });

  it("rejects unknown commands, options and extra arguments with exit 2", () => {
    expect(oarHa(["deploy"]).code).toBe(2);
    const r = oarHa(["validate", "--colour"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--colour");
    expect(oarHa(["validate", "a.yaml", "b.yaml"]).code).toBe(2);
    // A server named without the cluster file: the file is taken as given, the server is missing.
    const s = oarHa(["standby", "srv-a"]);
    expect([s.code, s.err]).toEqual([
      2,
      "error OARHA901 Missing required positional argument: NODE\n  fix: see oar-ha standby --help\n",
    ]);
    expect(oarHa(["maintenance", "oar-ha.yaml", "sideways"]).err).toContain("maintenance sideways: say on or off");
  });

  it("prints a bash completion that completes commands and a command's options, loaded by a real bash", () => {
    const r = oarHa(["completion", "bash"]);
    expect(r.code, r.err).toBe(0);
    const b = spawnSync(
      "bash",
      [
        "-c",
        `${r.out}\nCOMP_WORDS=(oar-ha ma); COMP_CWORD=1; _oar_ha; echo \${COMPREPLY[*]}; COMP_WORDS=(oar-ha status --j); COMP_CWORD=2; _oar_ha; echo \${COMPREPLY[*]}`,
      ],
      { encoding: "utf8" },
    );
    expect(b.stdout).toBe("maintenance\n--json\n");
    // The lab's actions after `lab`, then only that action's own options.
    const lab = spawnSync(
      "bash",
      [
        "-c",
        `${r.out}\nCOMP_WORDS=(oar-ha lab po); COMP_CWORD=2; _oar_ha; echo \${COMPREPLY[*]}; COMP_WORDS=(oar-ha lab cable srv-a --l); COMP_CWORD=4; _oar_ha; echo \${COMPREPLY[*]}; COMP_WORDS=(oar-ha lab down --s); COMP_CWORD=3; _oar_ha; echo "[\${COMPREPLY[*]}]"`,
      ],
      { encoding: "utf8" },
    );
    expect(lab.stdout).toBe("power-on power-state\n--link\n[]\n");
    expect(oarHa(["completion", "zsh"]).out).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n/);
    expect(oarHa(["completion", "fish"]).code).toBe(2);
  });

  it("lab: each action takes only its own flags and arguments; an unknown action names the actions", () => {
    const down = oarHa(["lab", "down", "--servers", "4", "--root", "/nonexistent-lab"]);
    expect(down.code).toBe(2);
    expect(down.err).toContain('error OARHA901 unknown option --servers for "lab down"');
    const cable = oarHa(["lab", "cable", "srv-a", "sideways", "--root", "/nonexistent-lab"]);
    expect(cable.code).toBe(2);
    expect(cable.err).toContain("lab cable HOST up|down [--link 0|1]");
    expect(oarHa(["lab", "crash"]).code).toBe(2);
    // Options before the action, as the virsh stand-in of an older lab calls it.
    const early = oarHa(["lab", "--root", "/nonexistent-lab", "cable", "srv-a", "sideways"]);
    expect(early.code).toBe(2);
    expect(early.err).toContain("lab cable HOST up|down [--link 0|1]");
    const bogus = oarHa(["lab", "bogus"]);
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain('"bogus" is not an action of "lab"');
    expect(bogus.err).toContain("up|down|status|exec|ssh|crash|power-on");
    expect(oarHa(["lab", "power-on", "--help"]).out).toMatch(/^USAGE oar-ha lab power-on \[OPTIONS\] <HOST>$/m);
    expect(oarHa(["help", "lab", "drop"]).out).toMatch(/^USAGE oar-ha lab drop /m);
  });

  it("says which file is missing, with exit 3", () => {
    const r = oarHa(["validate", "/nonexistent/oar-ha.yaml"]);
    expect(r.code).toBe(3);
    expect(r.err).toContain("/nonexistent/oar-ha.yaml");
    expect(r.err).toContain("oar-ha init");
  });

  const badFiles = readdirSync(bad)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  it.each(badFiles)("validate rejects %s, naming the field", (f) => {
    const text = readFileSync(join(bad, f), "utf8");
    const [, code = "", path = ""] = /^# expect: (\S+) ?(\S*)/.exec(text) ?? [];
    const r = oarHa(["validate", join(bad, f)]);
    expect(r.code).toBe(1);
    const line = r.err.split("\n").find((l) => l.includes(` error ${code} `) && l.includes(path ? ` ${path}: ` : code));
    expect(line, r.err).toBeDefined();
    expect(line).toMatch(new RegExp(`^${join(bad, f).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: `));
    expect(r.err).toContain("fix: ");
  });

  it("validate --json reports issues with codes, paths and positions", () => {
    const r = oarHa([
      "validate",
      "--json",
      join(
        bad,
        badFiles.find((f) => f.includes("vip-outside-subnet"))!,
      ),
    ]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as { ok: boolean; issues: { code: string; path: string; line: number }[] };
    expect(j.ok).toBe(false);
    const hit = j.issues.find((i) => i.code === "OARHA203" && i.path === "vips.oar.address");
    expect(hit?.line).toBeGreaterThan(0);
  });

  it("accepts every scenario fixture", () => {
    for (const s of readdirSync(fixtures))
      expect(oarHa(["validate", join(fixtures, s, "cluster.yaml")]).code, s).toBe(0);
  });

  it("init without a terminal lists every missing flag and writes nothing", () => {
    const dir = tmp();
    const r = oarHa(["init", "--name", "x", "--yes"], dir);
    expect(r.code).toBe(2);
    for (const f of ["--topology", "--nodes", "--oar-vip", "--storage", "--fencing"]) expect(r.err).toContain(f);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("init refuses answers that make an invalid cluster, and writes nothing", () => {
    const dir = tmp();
    const flags = initFlags.map((f) => (f === "10.0.0.100/24=oar.example.org" ? "10.9.0.100/24=oar.example.org" : f));
    const r = oarHa(["init", ...flags], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("OARHA203");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("init -> validate -> render: files per host, secrets 0600 and never printed", () => {
    const dir = tmp();
    const init = oarHa(["init", ...initFlags], dir);
    expect(init.code, init.err).toBe(0);
    const secretsFile = join(dir, "oar-ha.secrets.yaml");
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = readFileSync(secretsFile, "utf8");
    const values = [...secrets.matchAll(/^\w+: (\S{16,})$/gm)].map((m) => m[1]!);
    expect(values.length).toBeGreaterThanOrEqual(5);

    expect(oarHa(["validate"], dir).code).toBe(0);
    const render = oarHa(["render", "--json"], dir);
    expect(render.code, render.err).toBe(0);
    const manifest = JSON.parse(render.out) as {
      files: { host: string; path: string; mode: string; sensitive?: boolean }[];
    };
    expect(new Set(manifest.files.map((f) => f.host))).toEqual(new Set(["srv-a", "srv-b", "front"]));
    for (const f of manifest.files) {
      const st = statSync(join(dir, "oar-ha-render", f.host, f.path));
      expect((st.mode & 0o777).toString(8).padStart(4, "0"), f.path).toBe(f.mode);
    }
    const printed = init.out + init.err + render.out + render.err;
    for (const v of values) expect(printed).not.toContain(v);
    expect(readFileSync(join(dir, "oar-ha-render/srv-a/etc/oar/oar.conf"), "utf8")).toContain(
      'SERVER_HOSTNAME="oar.example.org"',
    );

    // The secrets file is generated once: a second render keeps it.
    expect(oarHa(["render"], dir).code).toBe(4);
    expect(oarHa(["render", "--force"], dir).code).toBe(0);
    expect(readFileSync(secretsFile, "utf8")).toBe(secrets);
    expect(oarHa(["init", ...initFlags], dir).code).toBe(4);
  });

  it("render of an invalid cluster writes nothing at all (no secrets, no tree)", () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "oar-ha.yaml"),
      readFileSync(
        join(
          bad,
          badFiles.find((f) => f.includes("protocol-a"))!,
        ),
        "utf8",
      ),
    );
    const r = oarHa(["render"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("nothing written");
    expect(readdirSync(dir)).toEqual(["oar-ha.yaml"]);
    expect(existsSync(join(dir, "oar-ha-render"))).toBe(false);
  });

  it("a secrets file others can read is refused by validate and render, its mode left as it was (OARHA804)", () => {
    const dir = tmp();
    expect(oarHa(["init", ...initFlags], dir).code).toBe(0);
    const sf = join(dir, "oar-ha.secrets.yaml");
    chmodSync(sf, 0o644);
    for (const cmd of [["validate"], ["render"]]) {
      const r = oarHa(cmd, dir);
      expect(r.code, cmd[0]).toBe(1);
      expect(r.err).toContain("error OARHA804");
      expect(r.err).toContain("fix: chmod 600 oar-ha.secrets.yaml;");
      expect(statSync(sf).mode & 0o777).toBe(0o644);
    }
    expect(existsSync(join(dir, "oar-ha-render"))).toBe(false);
  });

  it("render with BMC passwords missing writes no secrets file; given them alone, it generates the rest into that file", () => {
    const dir = tmp();
    const ipmi = initFlags.map((f) => (f === "lab:10.0.0.2" ? "ipmi:srv-a=10.0.1.11,srv-b=10.0.1.12" : f));
    const init = oarHa(["init", ...ipmi], dir);
    expect(init.code, init.err).toBe(0);
    const sf = join(dir, "oar-ha.secrets.yaml");
    rmSync(sf);
    const r = oarHa(["render"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("OARHA803 secrets.fencing.srv-a");
    expect(readdirSync(dir)).toEqual(["oar-ha.yaml"]);

    writeFileSync(sf, "fencing: { srv-a: Bmc-A-secret-1, srv-b: Bmc-B-secret-2 }\n", { mode: 0o600 });
    const ok = oarHa(["render"], dir);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toContain(
      "added generated corosyncAuthkey, heartbeatKey, drbdSecret, dbPassword, dbReadOnlyPassword to oar-ha.secrets.yaml",
    );
    const text = readFileSync(sf, "utf8");
    expect(text).toMatch(/^drbdSecret: [A-Za-z0-9]{48}$/m);
    expect(text).toContain("srv-a: Bmc-A-secret-1");
    expect(statSync(sf).mode & 0o777).toBe(0o600);
    // Nothing is added twice: a second render keeps the file byte for byte.
    expect(oarHa(["render", "--force"], dir).code).toBe(0);
    expect(readFileSync(sf, "utf8")).toBe(text);
  });

  it("render refuses to write into a directory that is not an earlier render", () => {
    const dir = tmp();
    oarHa(["init", ...initFlags], dir);
    writeFileSync(join(dir, "precious.txt"), "x");
    const r = oarHa(["render", "--out", ".", "--force"], dir);
    expect(r.code).toBe(4);
    expect(readFileSync(join(dir, "precious.txt"), "utf8")).toBe("x");
  });
  it("bench on real servers asks for --yes, saying how long it loads them; bad numbers are named; nothing is contacted", () => {
    const dir = tmp();
    expect(oarHa(["init", ...initFlags], dir).code).toBe(0);
    const r = oarHa(["bench"], dir);
    expect(r.code).toBe(2);
    // Defaults: 3 runs x (60 s + 5) x 3 configurations + 2 x 30 s of fio = 645 s, about 11 min.
    expect(r.err).toMatch(/error OARHA901 bench loads the DB servers for about 11 min/);
    expect(r.err).toMatch(/fix: .*--yes/);
    const n = oarHa(["bench", "--runs", "0", "--yes"], dir);
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/--runs must be a whole number from 1 to 100 \(got 0\)/);
    expect(oarHa(["bench", "--scratch-size", "lots", "--yes"], dir).err).toMatch(
      /--scratch-size must be a size like 800M/,
    );
  });

  it("command help off a terminal: no escape sequences, oar-ha in the usage line, the exit codes; help CMD and -V", () => {
    const r = spawnSync(process.execPath, [bin, "validate", "--help"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("\x1b");
    expect(r.stdout).toMatch(/^USAGE oar-ha validate /m);
    expect(r.stdout).toMatch(/^Exit codes: 0 ok, /m);
    expect(oarHa(["help", "validate"]).out).toBe(r.stdout);
    expect(oarHa(["-V"])).toMatchObject({ code: 0, out: `${pkg.version}\n` });
  });

  it("the help's own init example works as printed (the manager defaults to pacemaker)", () => {
    const help = oarHa(["--help"]).out;
    const example = /^ {2}oar-ha (init (?:.*\\\n)*.*)$/m.exec(help)?.[1];
    expect(example, "an init example in the help").toBeDefined();
    const args = example!.replace(/\\\n/g, " ").split(/\s+/).filter(Boolean);
    const dir = tmp();
    const r = oarHa(args, dir);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, "oar-ha.yaml"), "utf8")).toMatch(/^manager: pacemaker$/m);
  });

  it("split-brain and bench are listed in the help", () => {
    const r = oarHa(["--help"]);
    expect(r.out).toMatch(/^ {2}split-brain +Show a DRBD split brain/m);
    expect(r.out).toMatch(/^ {2}bench +What DRBD costs the database/m);
  });
});
