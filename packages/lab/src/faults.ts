import { readFileSync } from "node:fs";
import { OarHaError } from "@oar-ha/core";
import { exec } from "./exec.js";
import { execIn, hostPids } from "./host.js";
import { vmMonitor } from "./vm.js";
import { crashHost, powerOnHost } from "./lab.js";
import { setPort } from "./network.js";
import { labHost, type LabSpec } from "./spec.js";

/*
 * Fault injection, as used by tests and drills. Every primitive does what it says at the
 * kernel level: no process cooperates.
 */

/** Every process of the host dies at once, its links go dark, its addresses and firewall state vanish. */
export const crash = (s: LabSpec, host: string): Promise<void> => crashHost(s, host);
export const powerOn = (s: LabSpec, host: string, o: { wait?: boolean } = {}): Promise<void> => powerOnHost(s, host, o);

/** Unplug the host's cable on link 0 (main) or 1 (second link): traffic stops both ways. */
export const pullCable = (s: LabSpec, host: string, link = 0): Promise<void> =>
  setPort(s, labHost(s, host), link, false);
export const plugCable = (s: LabSpec, host: string, link = 0): Promise<void> =>
  setPort(s, labHost(s, host), link, true);

export interface DropRule {
  /** Only this port (either direction: to a local service or from a remote one). */
  readonly port?: number;
  readonly proto?: "tcp" | "udp";
  /** Only traffic with this peer address. */
  readonly peer?: string;
}

const TABLE = "ohl_faults";
/** Faults are on the network cards: a host's own traffic through loopback (its health checks) is never touched. */
const NOT_LO_IN = 'iifname != "lo"';
const NOT_LO_OUT = 'oifname != "lo"';

async function nft(s: LabSpec, host: string, script: string): Promise<void> {
  const h = labHost(s, host);
  // A VM's firewall is its own kernel's, reached over SSH; a namespace host's, from its netns.
  if (h.vm) await execIn(s, h, "nft -f -", { input: script });
  else await exec("ip", ["netns", "exec", h.netns, "nft", "-f", "-"], { input: script });
}

async function ensureTable(s: LabSpec, host: string): Promise<void> {
  await nft(
    s,
    host,
    `table inet ${TABLE} {
  chain input { type filter hook input priority -10; policy accept; }
  chain output { type filter hook output priority -10; policy accept; }
}
`,
  );
}

/** Drops matching packets in and out of the host (a firewall fault: cluster traffic only, DB port only, one peer...). */
export async function dropTraffic(s: LabSpec, host: string, rule: DropRule): Promise<void> {
  if (rule.port === undefined && rule.peer === undefined)
    throw new OarHaError("OARHA901", "dropTraffic needs a port, a peer, or both");
  await ensureTable(s, host);
  const protos = rule.port === undefined ? [""] : rule.proto ? [rule.proto] : ["tcp", "udp"];
  const lines: string[] = [];
  for (const p of protos) {
    const ports = rule.port === undefined ? [""] : [`${p} dport ${rule.port}`, `${p} sport ${rule.port}`];
    for (const m of ports) {
      lines.push(`add rule inet ${TABLE} input ${NOT_LO_IN} ${rule.peer ? `ip saddr ${rule.peer} ` : ""}${m} drop`);
      lines.push(`add rule inet ${TABLE} output ${NOT_LO_OUT} ${rule.peer ? `ip daddr ${rule.peer} ` : ""}${m} drop`);
    }
  }
  await nft(s, host, lines.join("\n") + "\n");
}

/** Random loss of `percent` % of the host's packets, both directions. */
export async function addLoss(s: LabSpec, host: string, percent: number): Promise<void> {
  if (!(percent > 0 && percent <= 100)) throw new OarHaError("OARHA901", "loss must be between 0 and 100 %");
  await ensureTable(s, host);
  const p = Math.round(percent);
  // nft's numgen counts 0-99: "< 100" is refused, so total loss is a plain drop.
  const pick = p >= 100 ? "" : `numgen random mod 100 < ${p} `;
  await nft(
    s,
    host,
    `add rule inet ${TABLE} input ${NOT_LO_IN} ${pick}drop\nadd rule inet ${TABLE} output ${NOT_LO_OUT} ${pick}drop\n`,
  );
}

/**
 * Added latency needs the kernel's netem qdisc. This machine's kernel may not have it; the
 * call then fails and says so rather than pretending (the VM lab has it).
 */
export async function addDelay(s: LabSpec, host: string, ms: number): Promise<void> {
  const h = labHost(s, host);
  const r = h.vm
    ? await execIn(
        s,
        h,
        `modprobe sch_netem 2>/dev/null; tc qdisc replace dev eth0 root netem delay ${Math.round(ms)}ms`,
        { check: false },
      )
    : await exec(
        "ip",
        ["netns", "exec", h.netns, "tc", "qdisc", "replace", "dev", "eth0", "root", "netem", "delay", `${ms}ms`],
        { check: false },
      );
  if (r.code !== 0)
    throw new OarHaError(
      "OARHA921",
      `cannot add delay: ${r.stderr.trim()} (this kernel has no sch_netem; loss and drops work, delay needs the VM lab)`,
    );
}

/** Removes every drop, loss and delay rule of the host. */
export async function heal(s: LabSpec, host: string): Promise<void> {
  const h = labHost(s, host);
  if (h.vm) {
    await execIn(s, h, `nft delete table inet ${TABLE} 2>/dev/null; tc qdisc del dev eth0 root 2>/dev/null; true`);
    return;
  }
  const ns = h.netns;
  await exec("ip", ["netns", "exec", ns, "nft", "delete", "table", "inet", TABLE], { check: false });
  await exec("ip", ["netns", "exec", ns, "tc", "qdisc", "del", "dev", "eth0", "root"], { check: false });
}

const comm = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};
const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
};

/** Processes of a host whose name (comm) is `name`, or whose command line contains it when `name` has a slash or space. */
export function findProcesses(s: LabSpec, host: string, name: string): number[] {
  return hostPids(s, labHost(s, host)).filter((p) =>
    /[/ ]/.test(name) ? cmdline(p).includes(name) : comm(p) === name || cmdline(p).split(" ")[0]?.endsWith(`/${name}`),
  );
}

/** kill -SIGNAL of the named process(es) inside a host; returns the pids signalled (a VM's own PIDs for a VM). */
export async function killProcess(
  s: LabSpec,
  host: string,
  name: string,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<number[]> {
  const h = labHost(s, host);
  if (h.vm) {
    if (!/^[A-Za-z0-9_.:/ -]+$/.test(name))
      throw new OarHaError("OARHA901", `process name "${name}": letters, digits and . _ : / - only`);
    const match = /[/ ]/.test(name) ? `-f '${name}'` : `-x '${name}'`;
    const r = await execIn(s, h, `p=$(pgrep ${match}) || exit 3; kill -${signal.replace(/^SIG/, "")} $p; echo $p`, {
      check: false,
    });
    if (r.code === 3) throw new OarHaError("OARHA921", `no process "${name}" on ${host}`);
    if (r.code !== 0) throw new OarHaError("OARHA921", `${host}: kill ${name}: ${r.stderr.trim()}`);
    return r.stdout.trim().split(/\s+/).map(Number);
  }
  const pids = findProcesses(s, host, name);
  if (pids.length === 0) throw new OarHaError("OARHA921", `no process "${name}" on ${host}`);
  for (const p of pids) process.kill(p, signal);
  return pids;
}

/** Freeze every process of a host (the kernel still answers TCP handshakes: a realistic hang). */
export async function freeze(s: LabSpec, host: string): Promise<void> {
  const h = labHost(s, host);
  // A VM stops whole (qemu's `stop`: its clock and every CPU), the truest hang there is.
  if (h.vm) await vmMonitor(s, h, "stop");
  else for (const p of hostPids(s, h)) process.kill(p, "SIGSTOP");
}
export async function thaw(s: LabSpec, host: string): Promise<void> {
  const h = labHost(s, host);
  if (h.vm) await vmMonitor(s, h, "cont");
  else for (const p of hostPids(s, h)) process.kill(p, "SIGCONT");
}
