import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * log-sync on the namespace lab, through the bundled program: apply installs it on both OAR
 * servers; lines written on the active server reach the passive one; a crash of the active
 * server (its last lines written a moment before) fails the services over; `oar-ha logs` reads
 * the crashed server's lines from the survivor's replica; after the rejoin every line of each
 * server is on the other exactly once, in order; uninstall takes it all back. Needs root.
 */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const root = "/mnt/oar-ha-lab-logsync";
const clusterFile = join(root, "oar-ha.yaml");
const JOB = 4242;

function oarHa(args: string[], timeoutMs = 300_000) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: timeoutMs,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const inHost = (host: string, script: string) => oarHa(["lab", "exec", host, "--root", root, "--", "sh", "-c", script]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await sleep(1000);
  }
}

/** Appends `n` OAR-format lines naming job JOB to the server's oar.log, as OAR's children would. */
function append(host: string, tag: string, n: number): void {
  const r = inHost(
    host,
    `for i in $(seq 1 ${n}); do printf '[info] [%s] [bipbip ${JOB}] marker ${host} ${tag} %d\\n' "$(date '+%F %T.%3N')" "$i" >> /var/log/oar.log; done`,
  );
  expect(r.code, r.err).toBe(0);
}
/** The marker lines (without their time) in a file on a host, in file order. */
function markers(host: string, file: string, from: string): string[] {
  const r = inHost(host, `cat ${file}.1 ${file} 2>/dev/null | grep -o 'marker ${from} .*' || true`);
  return r.out.split("\n").filter(Boolean);
}
const replica = (writer: string) => `/var/log/oar-ha/oar.log.${writer}`;
const holder = () =>
  (JSON.parse(oarHa(["status", clusterFile, "--json"]).out || "{}") as { vipHolder?: string | null }).vipHolder ??
  undefined;
const seq = (host: string, tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => `marker ${host} ${tag} ${i + 1}`);

describe("log-sync on the lab: two OAR servers, a real crash of the active one", () => {
  const keysBefore = new Map<string, string>();
  beforeAll(() => {
    const up = oarHa(["lab", "up", "--root", root, "--skip-install"]);
    expect(up.code, up.err).toBe(0);
    for (const h of ["srv-a", "srv-b"]) keysBefore.set(h, inHost(h, "sha256sum < /root/.ssh/authorized_keys").out);
    const apply = oarHa(["apply", clusterFile, "--yes"]);
    expect(apply.code, apply.err).toBe(0);
  }, 300_000);
  afterAll(() => {
    oarHa(["lab", "down", "--root", root]);
  });

  it("every line of each server ends up on the other exactly once, across the crash; oar-ha logs merges them", async () => {
    const active = holder()!;
    const passive = active === "srv-a" ? "srv-b" : "srv-a";
    expect(["srv-a", "srv-b"]).toContain(active);

    append(active, "before", 200);
    // A child's output: continuation lines without a prefix stay with their entry.
    expect(
      inHost(
        active,
        `printf '[info] [%s] [bipbip ${JOB}] oarexec said:\\n  child line one\\n  child line two\\n' "$(date '+%F %T.%3N')" >> /var/log/oar.log`,
      ).code,
    ).toBe(0);
    await until(
      `${passive} holds ${active}'s 200 lines`,
      () => markers(passive, replica(active), active).length === 200,
      30_000,
    );

    // The last lines, then at once the crash: some of them are likely not shipped yet.
    append(active, "last", 50);
    expect(oarHa(["lab", "crash", active, "--root", root]).code).toBe(0);
    await until(`${passive} takes the services over`, () => holder() === passive, 120_000);
    append(passive, "after", 100);
    // Fencing may have powered the crashed server on again: keep it down while it is read from the replica.
    oarHa(["lab", "crash", active, "--root", root]);

    const down = oarHa(["logs", clusterFile, "--job", String(JOB)]);
    expect(down.code, down.err).toBe(0);
    expect(down.err).toContain(`${active} does not answer: its lines come from the replica on ${passive}`);
    const shown = down.out.split("\n").filter(Boolean);
    for (const m of seq(active, "before", 200))
      expect(shown.filter((l) => l.startsWith(`${active} | `) && l.endsWith(m))).toHaveLength(1);
    for (const m of seq(passive, "after", 100))
      expect(shown.filter((l) => l.startsWith(`${passive} | `) && l.endsWith(m))).toHaveLength(1);
    expect(down.out).toContain(`${active} |   child line two\n`);

    // The crashed server comes back (power on + apply, as an admin would): both directions catch up.
    expect(oarHa(["lab", "power-on", active, "--root", root]).code).toBe(0);
    const rejoin = oarHa(["apply", clusterFile, "--yes"]);
    expect(rejoin.code, rejoin.err).toBe(0);
    await until(
      `${passive} holds ${active}'s last lines and ${active} holds ${passive}'s`,
      () =>
        markers(passive, replica(active), active).length === 250 &&
        markers(active, replica(passive), passive).length === 100,
      60_000,
    );

    // Exactly once and in order: each replica's markers are the writer's own, line for line.
    expect(markers(passive, replica(active), active)).toEqual(markers(active, "/var/log/oar.log", active));
    expect(markers(active, "/var/log/oar.log", active)).toEqual([
      ...seq(active, "before", 200),
      ...seq(active, "last", 50),
    ]);
    expect(markers(active, replica(passive), passive)).toEqual(seq(passive, "after", 100));
    // Almighty's own line on the survivor (it started there after the crash) is on the rejoined server too.
    expect(inHost(active, `grep -c 'Start Almighty' ${replica(passive)}`).out.trim()).not.toBe("0");

    // The merged view with both servers up: every marker once, the crashed server's lines before the survivor's.
    const both = oarHa(["logs", clusterFile, "--job", String(JOB), "--json"]);
    expect(both.code, both.err).toBe(0);
    const entries = both.out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { time: string | null; origin: string; lines: string[] });
    const texts = entries.map((e) => /marker .*$/.exec(e.lines[0]!)?.[0]).filter(Boolean);
    expect(texts).toEqual([...seq(active, "before", 200), ...seq(active, "last", 50), ...seq(passive, "after", 100)]);
    expect(entries.find((e) => e.lines[0]!.endsWith("oarexec said:"))?.lines).toHaveLength(3);
    const times = entries.map((e) => Date.parse(e.time!));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // --follow: lines appended after it started come out once, then Ctrl-C ends it.
    const f = spawn(process.execPath, [bin, "logs", clusterFile, "--follow", "--job", String(JOB)], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let followed = "";
    f.stdout.on("data", (d: Buffer) => (followed += d.toString()));
    await until(
      "logs --follow printed the existing lines",
      () => followed.includes(`marker ${passive} after 100`),
      30_000,
    );
    append(passive, "followed", 5);
    append(active, "followed", 5);
    await until(
      "logs --follow printed the new lines",
      () =>
        seq(passive, "followed", 5)
          .concat(seq(active, "followed", 5))
          .every((m) => followed.includes(`${m}\n`)),
      30_000,
    );
    f.kill("SIGINT");
    expect(await new Promise((r) => f.once("exit", r))).toBe(0);
    for (const m of [...seq(passive, "followed", 5), ...seq(active, "followed", 5)])
      expect(followed.split(`${m}\n`)).toHaveLength(2);

    // status shows both agents caught up.
    await until(
      "status reports both log-sync directions caught up",
      () => {
        const st = JSON.parse(oarHa(["status", clusterFile, "--json"]).out || "{}") as {
          checks?: { name: string; ok: boolean; detail: string }[];
        };
        const ls = (st.checks ?? []).filter((c) => c.name.startsWith("log-sync"));
        return ls.length === 2 && ls.every((c) => c.ok && c.detail.startsWith("caught up"));
      },
      30_000,
    );
  }, 600_000);

  it("uninstall stops the agents and takes back keys, trust and program; the replicas stay", () => {
    const r = oarHa(["uninstall", clusterFile, "--yes"]);
    expect(r.code, r.err).toBe(0);
    for (const h of ["srv-a", "srv-b"]) {
      expect(inHost(h, "sha256sum < /root/.ssh/authorized_keys").out).toBe(keysBefore.get(h));
      const left = inHost(
        h,
        "ls /etc/oar-ha/log-sync /usr/local/lib/oar-ha/oar-ha-log-sync.js /etc/init.d/oar-ha-log-sync 2>/dev/null; pgrep -f 'node .*oar-ha-log-sync[.]js'; ls /var/log/oar-ha/",
      );
      expect(left.out).toMatch(/^oar\.log\.srv-[ab]$/m);
      expect(left.out).not.toMatch(/id_ed25519|known_hosts|ssh_config|oar-ha-log-sync\.js|init\.d|^\d+$/m);
    }
  }, 300_000);
});
