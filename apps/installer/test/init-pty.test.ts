import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/*
 * `oar-ha init` driven as a person would, in a real pseudo-terminal (util-linux `script`
 * allocates it; the prompts then see a TTY on stdin and stderr). Each answer is typed once
 * its question is on the screen; a wrong one must be asked again.
 */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const ENTER = "\r";
const DOWN = "\x1b[B";
const BACKSPACE = "\x7f";

/** [text that must be on screen, keys to type]; the text is matched after the previous step's output. */
type Step = readonly [string, string];

function drive(
  cwd: string,
  steps: readonly Step[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    // -q quiet, -f flush, -e child's exit code, -c the command; the typescript goes to /dev/null.
    // A new pty is 0 columns wide (the prompts would wrap every character): give it a size.
    const cmd = `stty cols 120 rows 40 && exec ${process.execPath} ${bin} init`;
    const child = spawn("script", ["-qfec", cmd, "/dev/null"], {
      cwd,
      env: { ...process.env, TERM: "xterm", COLUMNS: "120", LINES: "40", NO_COLOR: "1" },
    });
    let screen = "";
    let from = 0;
    let i = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`no "${steps[i]?.[0]}" on screen after ${timeoutMs} ms; screen:\n${plain(screen).slice(-2000)}`),
      );
    }, timeoutMs);
    const next = () => {
      while (i < steps.length) {
        const [want, keys] = steps[i]!;
        const at = plain(screen).indexOf(want, from);
        if (at < 0) return;
        from = at + want.length;
        i++;
        child.stdin.write(keys);
      }
    };
    child.stdout.on("data", (b: Buffer) => {
      screen += b.toString("utf8");
      next();
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (i < steps.length) reject(new Error(`init ended (exit ${code}) before "${steps[i]![0]}":\n${plain(screen)}`));
      else resolve({ code, screen: plain(screen) });
    });
  });
}

/** The screen without terminal control sequences. */
function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]/g, "");
}

describe("oar-ha init in a terminal", () => {
  it("asks every question, asks a wrong answer again, hides the BMC passwords, and writes a cluster that validates", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oar-ha-init-pty-"));
    const pwA = "Bmc-Alpha-73519";
    const pwB = "Bmc-Bravo-28466";
    const r = await drive(dir, [
      ["Cluster name", `oar-prod${ENTER}`],
      ["Topology", ENTER], // two-node, first
      ["Cluster manager", ENTER], // pacemaker, first
      ["Database", `${DOWN}${ENTER}`], // mariadb, second
      ["Servers as NAME=ADDRESS", `srv-a=10.0.0.11,srv-b=10.0.0.12${ENTER}`],
      ["main address", ENTER], // default eth0
      ["Second link", `srv-a=10.1.0.11,srv-b=10.1.0.12${ENTER}`],
      ["interface of the second link", `enp4s0${ENTER}`],
      ["OAR VIP", `10.0.0.100=oar.example.org${ENTER}`], // no prefix: asked again, the answer kept for editing
      ["prefix length from 8 to 30", `${BACKSPACE.repeat("=oar.example.org".length)}/24=oar.example.org${ENTER}`],
      ["Storage", `drbd-loop:4G${ENTER}`],
      ["Fencing", `ipmi:srv-a=10.0.1.11,srv-b=10.0.1.12${ENTER}`],
      ["BMC user", ENTER], // default admin
      ["Other hosts", `front=10.0.0.20,w=10.0.0.40:witness${ENTER}`],
      ["BMC password of srv-a", `${pwA}${ENTER}`],
      ["BMC password of srv-b", `${pwB}${ENTER}`],
      ["next: oar-ha validate", ""],
    ]);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).not.toContain(pwA);
    expect(r.screen).not.toContain(pwB);
    const cluster = readFileSync(join(dir, "oar-ha.yaml"), "utf8");
    expect(cluster).toMatch(/^ {4}interface: eth0$/m);
    expect(cluster).toMatch(/^ {6}address: 10\.1\.0\.12\n {6}interface: enp4s0$/m);
    expect(cluster).toMatch(/^ {4}address: 10\.0\.0\.100\/24$/m);
    expect(cluster).not.toContain(pwA);
    const sf = join(dir, "oar-ha.secrets.yaml");
    expect(statSync(sf).mode & 0o777).toBe(0o600);
    expect(readFileSync(sf, "utf8")).toMatch(new RegExp(`srv-a: ${pwA}\\n\\s+srv-b: ${pwB}`));
    const v = spawnSync(process.execPath, [bin, "validate"], { cwd: dir, encoding: "utf8" });
    expect(v.status, v.stderr).toBe(0);
  }, 60_000);
});
