import { exec } from "./exec.js";
import { NS_PREFIX, type LabHost, type LabSpec } from "./spec.js";

/*
 * The lab network: one namespace as the switch with two bridges (br0: main network, br1:
 * the servers' second link), one veth per host link (host side eth0/eth1, switch side on the
 * bridge), and a veth from the machine itself (the admin side) into br0.
 */

const ip = (...args: string[]) => exec("ip", args);
const inNs = (ns: string, ...args: string[]) => exec("ip", ["-n", ns, ...args]);

export async function createSwitch(s: LabSpec): Promise<void> {
  await ip("netns", "add", s.switchNetns);
  await inNs(s.switchNetns, "link", "set", "lo", "up");
  for (const br of ["br0", "br1"]) {
    await inNs(s.switchNetns, "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0");
    await inNs(s.switchNetns, "link", "set", br, "up");
  }
  // The machine's own leg: oar-ha (apply, status, drills) reaches the hosts through it.
  await ip("link", "add", s.adminLink, "type", "veth", "peer", "name", s.adminSwitchPort);
  await ip("link", "set", s.adminSwitchPort, "netns", s.switchNetns);
  await inNs(s.switchNetns, "link", "set", s.adminSwitchPort, "master", "br0", "up");
  await ip("addr", "add", `${s.adminAddress}/${s.prefix}`, "dev", s.adminLink);
  await ip("link", "set", s.adminLink, "up");
}

/** A host's network namespace with its links plugged into the switch (addresses set by `configureHost`). */
export async function createHostNetns(s: LabSpec, h: LabHost): Promise<void> {
  await ip("netns", "add", h.netns);
  await inNs(h.netns, "link", "set", "lo", "up");
  const links = h.secondary ? 2 : 1;
  for (let i = 0; i < links; i++) {
    const port = h.switchPorts[i] ?? `ohl${h.index}s${i}`;
    const tmp = `ohl${h.index}h${i}`;
    await ip("link", "add", port, "type", "veth", "peer", "name", tmp);
    await ip("link", "set", tmp, "netns", h.netns);
    await inNs(h.netns, "link", "set", tmp, "name", `eth${i}`);
    await ip("link", "set", port, "netns", s.switchNetns);
    await inNs(s.switchNetns, "link", "set", port, "master", `br${i}`, "up");
  }
}

/** Addresses up and links plugged: what "power on" restores after a crash flushed them. */
export async function configureHost(s: LabSpec, h: LabHost): Promise<void> {
  const addrs = [h.address, ...(h.secondary ? [h.secondary] : [])];
  for (let i = 0; i < addrs.length; i++) {
    await inNs(h.netns, "addr", "flush", "dev", `eth${i}`);
    await inNs(h.netns, "addr", "add", `${addrs[i] ?? ""}/${s.prefix}`, "dev", `eth${i}`);
    await inNs(h.netns, "link", "set", `eth${i}`, "up");
    await inNs(s.switchNetns, "link", "set", h.switchPorts[i] ?? "", "up");
  }
}

/** A powered-off box: no address (no VIP survives), links dark, no firewall or qdisc state. */
export async function deconfigureHost(s: LabSpec, h: LabHost): Promise<void> {
  const links = h.secondary ? 2 : 1;
  for (let i = 0; i < links; i++) {
    await exec("ip", ["-n", h.netns, "addr", "flush", "dev", `eth${i}`], { check: false });
    await exec("ip", ["-n", h.netns, "link", "set", `eth${i}`, "down"], { check: false });
    await exec("ip", ["-n", s.switchNetns, "link", "set", h.switchPorts[i] ?? "", "down"], { check: false });
  }
  await exec("ip", ["netns", "exec", h.netns, "nft", "flush", "ruleset"], { check: false });
}

export async function setPort(s: LabSpec, h: LabHost, link: number, up: boolean): Promise<void> {
  await inNs(s.switchNetns, "link", "set", h.switchPorts[link] ?? "", up ? "up" : "down");
}

/** Every lab namespace present on the machine (from this lab or a crashed earlier run). */
export async function labNamespaces(): Promise<string[]> {
  const r = await exec("ip", ["netns", "list"], { check: false });
  return r.stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(NS_PREFIX));
}
