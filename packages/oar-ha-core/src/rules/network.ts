import ipaddr from "ipaddr.js";
import { issue, type Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";

const isV4 = (s: string): boolean => ipaddr.IPv4.isValidFourPartDecimal(s);

interface Named {
  readonly name: string;
  readonly address: string;
  readonly path: string;
}

function allHosts(c: Cluster): Named[] {
  return [
    ...c.nodes.map((n, i) => ({ name: n.name, address: n.address, path: `nodes[${i}]` })),
    ...c.hosts.map((h, i) => ({ name: h.name, address: h.address, path: `hosts[${i}]` })),
  ];
}

export function addressRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  for (const h of allHosts(c)) {
    if (!isV4(h.address)) {
      out.push(
        issue(
          "AddressInvalid",
          `${h.path}.address`,
          `"${h.address}" is not an IPv4 address`,
          "write a dotted-quad address such as 10.0.0.11",
        ),
      );
    }
  }
  c.nodes.forEach((n, i) => {
    if (n.secondary && !isV4(n.secondary.address)) {
      out.push(
        issue(
          "AddressInvalid",
          `nodes[${i}].secondary.address`,
          `"${n.secondary.address}" is not an IPv4 address`,
          "write a dotted-quad address such as 192.168.10.11",
        ),
      );
    }
  });
  if (c.fencing.kind === "ipmi") {
    c.fencing.devices.forEach((d, i) => {
      if (!isV4(d.address))
        out.push(
          issue(
            "AddressInvalid",
            `fencing.devices[${i}].address`,
            `"${d.address}" is not an IPv4 address`,
            "write the BMC's IPv4 address",
          ),
        );
    });
  }
  if (c.fencing.kind === "lab" && !isV4(c.fencing.hypervisor)) {
    out.push(
      issue(
        "AddressInvalid",
        "fencing.hypervisor",
        `"${c.fencing.hypervisor}" is not an IPv4 address`,
        "write the lab fence host's IPv4 address",
      ),
    );
  }
  return out;
}

function parseCidr(s: string): [ipaddr.IPv4, number] | undefined {
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s)) return undefined;
  try {
    const [addr, prefix] = ipaddr.IPv4.parseCIDR(s);
    return prefix >= 8 && prefix <= 30 ? [addr, prefix] : undefined;
  } catch {
    return undefined;
  }
}

/** What vips.*.address must be: an IPv4 address with a prefix length from 8 to 30 (the rule OARHA202 checks). */
export const isVipCidr = (s: string): boolean => parseCidr(s) !== undefined;

export function vipRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  const vips = Object.entries(c.vips).filter((e): e is [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined);
  for (const [id, v] of vips) {
    const path = `vips.${id}.address`;
    const cidr = parseCidr(v.address);
    if (!cidr) {
      out.push(
        issue(
          "VipCidrInvalid",
          path,
          `"${v.address}" is not an IPv4 address with a prefix length between 8 and 30`,
          "write it as address/prefix, e.g. 10.0.0.100/24",
        ),
      );
      continue;
    }
    const [addr, prefix] = cidr;
    const net = ipaddr.IPv4.networkAddressFromCIDR(v.address).toString();
    const bcast = ipaddr.IPv4.broadcastAddressFromCIDR(v.address).toString();
    if (addr.toString() === net || addr.toString() === bcast) {
      out.push(
        issue(
          "VipIsNetworkOrBroadcast",
          path,
          `${addr.toString()} is the ${addr.toString() === net ? "network" : "broadcast"} address of /${prefix}`,
          "pick a free host address inside the subnet",
        ),
      );
    }
    // The VIP must sit on the servers that carry it, so it must be in their main subnet.
    const carriers =
      c.topology === "two-node" ? c.nodes : c.nodes.filter((n) => n.roles.includes(id === "db" ? "db" : "oar"));
    c.nodes.forEach((n, i) => {
      if (!carriers.includes(n) || !isV4(n.address)) return;
      if (!ipaddr.IPv4.parse(n.address).match(addr, prefix)) {
        out.push(
          issue(
            "VipOutsideSubnet",
            path,
            `${v.address} is not in the subnet of server ${n.name} (${n.address}), nodes[${i}]`,
            `choose a VIP in ${n.address}/${prefix}'s network, or fix the prefix length`,
          ),
        );
      }
    });
    for (const h of allHosts(c)) {
      if (h.address === addr.toString()) {
        out.push(
          issue(
            "VipIsHostAddress",
            path,
            `${addr.toString()} is already the address of ${h.name} (${h.path})`,
            "give the VIP its own unused address",
          ),
        );
      }
    }
  }
  return out;
}

export function duplicateRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  const seenAddr = new Map<string, string>();
  const seenName = new Map<string, string>();
  const addr = (a: string, path: string, what: string) => {
    const prev = seenAddr.get(a);
    if (prev)
      out.push(
        issue(
          "DuplicateAddress",
          path,
          `${a} is used by ${prev} and ${what}`,
          "give every host, link and VIP its own address",
        ),
      );
    else seenAddr.set(a, what);
  };
  const name = (n: string, path: string, what: string) => {
    const key = n.toLowerCase();
    const prev = seenName.get(key);
    if (prev)
      out.push(
        issue("DuplicateName", path, `"${n}" is used by ${prev} and ${what}`, "give every host and VIP its own name"),
      );
    else seenName.set(key, what);
  };
  c.nodes.forEach((n, i) => {
    name(n.name, `nodes[${i}].name`, `nodes[${i}]`);
    addr(n.address, `nodes[${i}].address`, `nodes[${i}] (${n.name})`);
    if (n.secondary) addr(n.secondary.address, `nodes[${i}].secondary.address`, `nodes[${i}].secondary (${n.name})`);
  });
  c.hosts.forEach((h, i) => {
    name(h.name, `hosts[${i}].name`, `hosts[${i}]`);
    addr(h.address, `hosts[${i}].address`, `hosts[${i}] (${h.name})`);
  });
  for (const [id, v] of Object.entries(c.vips)) {
    if (!v) continue;
    name(v.hostname, `vips.${id}.hostname`, `vips.${id}`);
    name(v.hostname.split(".")[0] ?? v.hostname, `vips.${id}.hostname`, `vips.${id} (short name)`);
    const a = v.address.split("/")[0] ?? "";
    // VIP equal to a host address has its own, clearer rule.
    if (![...c.nodes, ...c.hosts].some((h) => h.address === a)) addr(a, `vips.${id}.address`, `vips.${id}`);
  }
  return out;
}

export function secondaryLinkRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  const prefix = Number(c.vips.oar.address.split("/")[1] ?? 24);
  c.nodes.forEach((n, i) => {
    if (!n.secondary || !isV4(n.secondary.address) || !isV4(n.address) || !(prefix >= 8 && prefix <= 30)) return;
    if (ipaddr.IPv4.parse(n.secondary.address).match(ipaddr.IPv4.parse(n.address), prefix)) {
      out.push(
        issue(
          "SecondaryLinkSameSubnet",
          `nodes[${i}].secondary.address`,
          `${n.secondary.address} is on the same /${prefix} network as the main address ${n.address}`,
          "put the secondary link on a separate network (its own switch or a direct cable)",
          "warning",
        ),
      );
    }
    if (n.secondary.interface === n.interface) {
      out.push(
        issue(
          "SecondaryLinkSameSubnet",
          `nodes[${i}].secondary.interface`,
          `the secondary link uses the main interface ${n.interface}`,
          "use a second physical interface",
          "warning",
        ),
      );
    }
  });
  return out;
}
