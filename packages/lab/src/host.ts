import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { OarHaError, shq } from "@oar-ha/core";
import { exec, tcpOpen, waitFor, type ExecOptions, type ExecResult } from "./exec.js";
import { VM_CACHE, buildVmImage, crashVmHost, startVmHost, vmPid } from "./vm.js";
import type { LabHost, LabSpec } from "./spec.js";

/*
 * A lab host's life: boot (netns + new mount/UTS/IPC/PID namespaces, tini as PID 1, the init
 * script), crash (SIGKILL to its PID 1: the kernel kills every process of the namespace),
 * and commands run inside it through nsenter.
 */

export const hostDir = (s: LabSpec, h: LabHost): string => join(s.root, "hosts", h.name);
const pidFile = (s: LabSpec, h: LabHost): string => join(hostDir(s, h), "init.pid");

/** PID (on the machine) of the host's PID 1, when the host runs. */
export function initPid(s: LabSpec, h: LabHost): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(s, h), "utf8").trim());
  } catch {
    return undefined;
  }
  // The pid is ours only if it is still tini inside the host's network namespace.
  try {
    if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "tini") return undefined;
    const ino = statSync(`/run/netns/${h.netns}`).ino;
    return readlinkSync(`/proc/${pid}/ns/net`) === `net:[${ino}]` ? pid : undefined;
  } catch {
    return undefined;
  }
}

export const isRunning = (s: LabSpec, h: LabHost): boolean => (h.vm ? vmPid(s, h) : initPid(s, h)) !== undefined;

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** Starts a host; waits for its sshd unless `waitSshd` is false (a power-on: the OS boots on its own). */
export async function boot(s: LabSpec, h: LabHost, timeoutMs = 20_000, waitSshd = true): Promise<number> {
  if (h.vm) {
    // A VM boots a real kernel under software emulation: minutes, not the namespace's 20 s.
    await startVmHost(s, h, await buildVmImage(VM_CACHE), { wait: waitSshd, timeoutMs: Math.max(timeoutMs, 300_000) });
    return vmPid(s, h) ?? 0;
  }
  if (isRunning(s, h)) return initPid(s, h) ?? 0;
  const dir = hostDir(s, h);
  const log = openSync(join(dir, "console.log"), "a");
  // Detached: the host outlives the command that booted it (and a kill -9 of that command).
  const child = spawn(
    "ip",
    [
      "netns",
      "exec",
      h.netns,
      "unshare",
      "--mount",
      "--uts",
      "--ipc",
      "--pid",
      "--fork",
      "--mount-proc",
      "--propagation",
      "private",
      "tini",
      "-s",
      "-g",
      "--",
      "/bin/sh",
      join(s.root, "host-init.sh"),
      h.name,
      s.root,
    ],
    {
      detached: true,
      stdio: ["ignore", log, log],
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", LANG: "C.UTF-8" },
    },
  );
  closeSync(log);
  child.unref();
  const outer = child.pid;
  if (!outer) throw new OarHaError("OARHA921", `could not start lab host ${h.name}`);
  let tini = 0;
  await waitFor(
    `${h.name}'s init`,
    () => {
      tini = childrenOf(outer).find((p) => readFileSync(`/proc/${p}/comm`, "utf8").trim() === "tini") ?? 0;
      return tini > 0;
    },
    5_000,
    20,
  );
  writeFileSync(pidFile(s, h), `${tini}\n`);
  if (!waitSshd) return tini;
  try {
    await waitFor(`sshd on ${h.name} (${h.address}:22)`, () => tcpOpen(h.address, 22), timeoutMs, 50);
  } catch (e) {
    const tail = existsSync(join(dir, "console.log"))
      ? readFileSync(join(dir, "console.log"), "utf8").slice(-2000)
      : "";
    throw new OarHaError("OARHA921", `${(e as Error).message}\n--- ${h.name} console ---\n${tail}`);
  }
  return tini;
}

/** Every process of the host's PID namespace (seen from the machine; none for a VM: they live in its kernel). */
export function hostPids(s: LabSpec, h: LabHost): number[] {
  if (h.vm) return [];
  const pid = initPid(s, h);
  if (!pid) return [];
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${pid}/ns/pid_for_children`);
  } catch {
    return [];
  }
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/ns/pid`) === ns;
      } catch {
        return false;
      }
    });
}

/** SIGKILL to the host's PID 1: the kernel ends every process of the host at once. */
export async function kill(s: LabSpec, h: LabHost): Promise<void> {
  if (h.vm) return crashVmHost(s, h);
  const pid = initPid(s, h);
  if (!pid) return;
  const before = hostPids(s, h);
  process.kill(pid, "SIGKILL");
  await waitFor(`every process of ${h.name} to end`, () => before.every((p) => !existsSync(`/proc/${p}`)), 10_000, 20);
  rmSync(pidFile(s, h), { force: true });
}

/** Runs a shell command inside a host, as root, with a clean environment. */
export function execIn(s: LabSpec, h: LabHost, script: string, o: ExecOptions = {}): Promise<ExecResult> {
  if (h.vm) {
    // A VM is entered the way an admin would: SSH as root with the lab's key, its pinned host key.
    if (!isRunning(s, h)) throw new OarHaError("OARHA921", `lab host ${h.name} is not running`);
    return exec(
      "ssh",
      [
        "-i",
        join(s.root, "admin", "id_ed25519"),
        "-o",
        `UserKnownHostsFile=${join(s.root, "admin", "known_hosts")}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        "-o",
        "LogLevel=ERROR",
        `root@${h.address}`,
        "/bin/sh",
        "-c",
        shq(script),
      ],
      o,
    );
  }
  const pid = initPid(s, h);
  if (!pid) throw new OarHaError("OARHA921", `lab host ${h.name} is not running`);
  return exec(
    "nsenter",
    [
      "-t",
      String(pid),
      "-m",
      "-u",
      "-i",
      "-n",
      "-p",
      "-r",
      "-w",
      "env",
      "-i",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOME=/root",
      "LANG=C.UTF-8",
      "TERM=dumb",
      "/bin/sh",
      "-c",
      script,
    ],
    o,
  );
}

export { tcpOpen } from "./exec.js";

/** A word quoted for sh (the one helper, from @oar-ha/core). */
export { shq } from "@oar-ha/core";
