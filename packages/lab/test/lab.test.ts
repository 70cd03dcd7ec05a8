import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addLoss,
  crash,
  dropTraffic,
  execIn,
  findProcesses,
  freeze,
  heal,
  hostPids,
  initPid,
  killProcess,
  labDown,
  labHost,
  labUp,
  plugCable,
  powerOn,
  pullCable,
  thaw,
  waitFor,
  type LabSpec,
  type UpResult,
} from "../src/index.js";

/*
 * Real labs, really started (root, namespaces). These tests take over the machine's lab:
 * names are global, so they run one file at a time and clear leftovers first.
 */

const cli = [process.execPath, join(import.meta.dirname, "../../../apps/installer/dist/oar-ha.js")];
const root = "/mnt/oar-ha-lab-test";

function ssh(up: UpResult, host: string, command: string) {
  const h = labHost(up.spec, host);
  return spawnSync(
    "ssh",
    [
      "-i",
      up.paths.sshKey,
      "-o",
      `UserKnownHostsFile=${up.paths.knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=5",
      `root@${h.address}`,
      command,
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
}

/** TCP connect from inside one host to another host's port, bounded. */
async function reach(s: LabSpec, from: string, to: string, port: number): Promise<boolean> {
  const r = await execIn(
    s,
    labHost(s, from),
    `timeout 2 bash -c '</dev/tcp/${labHost(s, to).address}/${port}' 2>/dev/null`,
    { check: false },
  );
  return r.code === 0;
}

/** The host's own service through loopback (a network fault must never touch it). */
async function reachSelf(s: LabSpec, host: string, port: number): Promise<boolean> {
  const r = await execIn(s, labHost(s, host), `timeout 2 bash -c '</dev/tcp/127.0.0.1/${port}' 2>/dev/null`, {
    check: false,
  });
  return r.code === 0;
}

function labLeftovers(): string[] {
  const ns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l.startsWith("ohl-"));
  // Every link named by the lab's convention in the machine's own namespace (ohl-admin, and a
  // veth pair a killed `lab up` created but had not yet moved into its namespaces).
  const links = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
    .stdout.split("\n")
    .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1] ?? "")
    .filter((n) => n.startsWith("ohl"))
    .map((n) => `link ${n}`);
  return [...ns, ...links];
}

describe("a two-server lab", () => {
  let up: UpResult;
  let s: LabSpec;
  beforeAll(async () => {
    up = await labUp({ root, servers: 2, cli, installPackages: false });
    s = up.spec;
  });
  afterAll(async () => {
    await labDown(root);
  });

  it("reaches every host over SSH with strict host key checking, each with its own name and PID 1", () => {
    for (const h of s.hosts) {
      const r = ssh(up, h.name, "echo $(hostname) $(cat /proc/1/comm)");
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`${h.name} tini`);
    }
  });

  it("keeps each host's /etc private", async () => {
    await execIn(s, labHost(s, "srv-a"), "echo a > /etc/oar-ha-lab-isolation");
    expect((await execIn(s, labHost(s, "srv-b"), "test -e /etc/oar-ha-lab-isolation", { check: false })).code).not.toBe(
      0,
    );
    expect(existsSync("/etc/oar-ha-lab-isolation")).toBe(false);
    expect((await execIn(s, labHost(s, "srv-a"), "cat /etc/oar-ha-lab-isolation")).stdout).toBe("a\n");
  });

  it("writes a cluster file that oar-ha validates", () => {
    const r = spawnSync(cli[0]!, [cli[1]!, "validate", up.paths.clusterFile], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  it("a pulled cable stops traffic both ways; plugged back, it flows", async () => {
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(true);
    await pullCable(s, "srv-b");
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(false);
    expect(await reach(s, "srv-b", "srv-a", 22)).toBe(false);
    expect(await reach(s, "srv-a", "front", 22)).toBe(true);
    await plugCable(s, "srv-b");
    await waitFor("srv-b reachable again", () => reach(s, "srv-a", "srv-b", 22), 10_000);
  });

  it("a port drop blocks only that port; a peer drop only that peer", async () => {
    await execIn(s, labHost(s, "srv-b"), "/usr/sbin/sshd -p 2200 -o PidFile=/run/sshd-2200.pid");
    await waitFor("second sshd", () => reach(s, "srv-a", "srv-b", 2200), 5_000);
    await dropTraffic(s, "srv-b", { port: 22, proto: "tcp" });
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(false);
    expect(await reach(s, "srv-a", "srv-b", 2200)).toBe(true);
    expect(await reachSelf(s, "srv-b", 22), "loopback is not the network").toBe(true);
    await heal(s, "srv-b");
    // Total loss on the host's cards: nothing in or out, its own health checks through loopback still answer.
    await addLoss(s, "srv-b", 100);
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(false);
    expect(await reachSelf(s, "srv-b", 22), "loopback is not the network").toBe(true);
    await heal(s, "srv-b");
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(true);
    await dropTraffic(s, "srv-b", { peer: labHost(s, "srv-a").address });
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(false);
    expect(await reach(s, "front", "srv-b", 22)).toBe(true);
    await heal(s, "srv-b");
  });

  it("kills a named process inside a host only", async () => {
    const pids = await killProcess(s, "srv-b", "/usr/sbin/sshd -p 2200");
    expect(pids.length).toBeGreaterThan(0);
    await waitFor("port 2200 closed", async () => !(await reach(s, "srv-a", "srv-b", 2200)), 5_000);
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(true);
  });

  it("a frozen host still completes TCP handshakes but answers nothing; thawed, it answers", async () => {
    await freeze(s, "front");
    const r = ssh(up, "front", "true");
    expect(r.status).not.toBe(0);
    await thaw(s, "front");
    expect(ssh(up, "front", "true").status).toBe(0);
  });

  it("a crashed host has no process left and no address; powered on, it keeps its host keys", async () => {
    const h = labHost(s, "srv-b");
    const before = hostPids(s, h);
    expect(before.length).toBeGreaterThan(1);
    await crash(s, "srv-b");
    expect(before.filter((p) => existsSync(`/proc/${p}`))).toEqual([]);
    expect(hostPids(s, h)).toEqual([]);
    const addrs = spawnSync("ip", ["-n", h.netns, "-4", "-o", "addr", "show", "dev", "eth0"], {
      encoding: "utf8",
    }).stdout;
    expect(addrs.trim()).toBe("");
    expect(await reach(s, "srv-a", "srv-b", 22)).toBe(false);
    await powerOn(s, "srv-b");
    expect(ssh(up, "srv-b", "hostname").stdout.trim()).toBe("srv-b");
  });

  it("fences for real: fence_virsh on srv-a reboots srv-b through the lab fence host", async () => {
    const h = labHost(s, "srv-b");
    const pid = initPid(s, h);
    const cmd = `fence_virsh -a ${s.fence.address} -u ${s.fence.port} -l root -k /etc/oar-ha/fence_lab_key -n srv-b`;
    const status = await execIn(s, labHost(s, "srv-a"), `${cmd} -o status`);
    expect(status.stdout).toContain("Status: ON");
    const reboot = await execIn(s, labHost(s, "srv-a"), `${cmd} -o reboot`, { timeoutMs: 60_000 });
    expect(reboot.stdout).toContain("Success");
    await waitFor("srv-b back", () => initPid(s, h) !== undefined && initPid(s, h) !== pid, 20_000);
    expect(initPid(s, h)).not.toBe(pid);
    // A new init is not yet a booted host: the fence agent answers once the power is back
    // on, and sshd starts after that (CI once ran ssh in between).
    await waitFor("srv-b's sshd", async () => reach(s, "srv-a", "srv-b", 22), 20_000, 250);
    expect(ssh(up, "srv-b", "hostname").stdout.trim()).toBe("srv-b");
  });

  it("a lab under another root neither starts beside it nor tears it down (two roots)", async () => {
    const other = "/mnt/oar-ha-lab-test-other";
    await expect(labUp({ root: other, servers: 2, cli, installPackages: false })).rejects.toThrow(
      `a lab is running under ${root}`,
    );
    expect(existsSync(other), "the refused lab up wrote nothing").toBe(false);
    const before = labLeftovers();
    // `lab down --root OTHER` (what npm run bench's teardown does) must leave this lab alone.
    await labDown(other);
    expect(labLeftovers()).toEqual(before);
    for (const h of s.hosts) expect(ssh(up, h.name, "hostname").stdout.trim()).toBe(h.name);
  });

  it("finds processes by name", () => {
    expect(findProcesses(s, "srv-a", "sshd").length).toBeGreaterThan(0);
  });
});

describe("lab down", () => {
  it("leaves nothing behind after a normal run", async () => {
    await labUp({ root, servers: 2, cli, installPackages: false });
    await labDown(root);
    expect(labLeftovers()).toEqual([]);
    expect(existsSync(root)).toBe(false);
  });

  it("brings a four-server lab up, every host reachable, then leaves nothing", async () => {
    const up = await labUp({ root, servers: 4, cli, installPackages: false });
    for (const h of up.spec.hosts) expect(ssh(up, h.name, "hostname").stdout.trim()).toBe(h.name);
    const pids = up.spec.hosts.map((h) => initPid(up.spec, h));
    await labDown(root);
    expect(labLeftovers()).toEqual([]);
    for (const p of pids)
      expect(
        p !== undefined && existsSync(`/proc/${p}`) && readFileSync(`/proc/${p}/comm`, "utf8").trim() === "tini",
      ).toBe(false);
  });

  it("cleans up after a kill -9 of the lab command in the middle of `lab up`", async () => {
    const child = spawn(cli[0]!, [cli[1]!, "lab", "up", "--root", root, "--skip-install"], { stdio: "ignore" });
    // Wait until it has made namespaces and started hosts, then kill it hard.
    await waitFor(
      "lab up to get going",
      () => existsSync(`${root}/hosts/srv-a/init.pid`) || labLeftovers().length > 3,
      20_000,
      20,
    );
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(labLeftovers().length).toBeGreaterThan(0);
    const r = spawnSync(cli[0]!, [cli[1]!, "lab", "down", "--root", root], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(labLeftovers()).toEqual([]);
    // No process of a lab host is left (their command line names the lab's init script).
    const strays = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`${root}/host-init.sh`);
        } catch {
          return false;
        }
      });
    expect(strays).toEqual([]);
  });
});
