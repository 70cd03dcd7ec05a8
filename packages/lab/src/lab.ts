import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OarHaError, completeSecrets, serializeSecrets } from "@oar-ha/core";
import { labClusterYaml } from "./cluster-file.js";
import { exec, sleep } from "./exec.js";
import { boot, execIn, hostDir, initPid, isRunning, kill } from "./host.js";
import { LAB_DEPLOYER, LAB_REALM, startKdc } from "./kdc.js";
import { HOST_INIT, fakeVirsh, fenceShell } from "./host-init.js";
import { ensureKey, knownHostsLines } from "./keys.js";
import { configureHost, createHostNetns, createSwitch, deconfigureHost, labNamespaces } from "./network.js";
import { LAB_PACKAGES, LAB_VM_PACKAGES, ensurePackages, missingPackages } from "./packages.js";
import {
  DEFAULT_ROOT,
  labEtcHosts,
  labHost,
  labServers,
  labSpec,
  type LabHost,
  type LabOptions,
  type LabSpec,
} from "./spec.js";
import { LAB_DATA_PARTITION } from "./cluster-file.js";
import { VM_CACHE, buildVmImage, vmPid, writeVmSeed } from "./vm.js";
import { claimLab, labOwner, releaseLab } from "./owner.js";

export interface UpOptions extends LabOptions {
  /** How to run this program's CLI (the fence device calls `lab crash|power-on`), e.g. [node, oar-ha.js]. */
  readonly cli: readonly string[];
  readonly log?: (message: string) => void;
  /** Install missing Debian packages (default true). */
  readonly installPackages?: boolean;
}

export interface LabPaths {
  readonly root: string;
  readonly clusterFile: string;
  readonly secretsFile: string;
  readonly sshKey: string;
  readonly knownHosts: string;
  readonly sshConfig: string;
}

export const labPaths = (root: string): LabPaths => ({
  root,
  clusterFile: join(root, "oar-ha.yaml"),
  secretsFile: join(root, "oar-ha.secrets.yaml"),
  sshKey: join(root, "admin", "id_ed25519"),
  knownHosts: join(root, "admin", "known_hosts"),
  sshConfig: join(root, "admin", "ssh_config"),
});

const write = (path: string, content: string, mode = 0o644) => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
};

/** The spec of the lab that runs under `root`. */
export function loadLab(root = DEFAULT_ROOT): LabSpec {
  const file = join(root, "lab.json");
  if (!existsSync(file)) throw new OarHaError("OARHA922", `no lab under ${root}\n  fix: oar-ha lab up`);
  return JSON.parse(readFileSync(file, "utf8")) as LabSpec;
}

async function preflight(s: LabSpec): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new OarHaError("OARHA920", "the lab needs root (network, mount and PID namespaces)\n  fix: run as root");
  const probe = await exec("unshare", ["--net", "--mount", "--pid", "--fork", "true"], { check: false });
  if (probe.code !== 0)
    throw new OarHaError(
      "OARHA920",
      `namespaces are not available here: ${probe.stderr.trim()}\n  fix: run on a Linux machine (or VM) where root may create namespaces`,
    );
  if (s.drbd && !existsSync("/dev/net/tun"))
    throw new OarHaError(
      "OARHA920",
      "lab up --drbd needs /dev/net/tun (the VMs' NICs are taps on the lab switch)\n  fix: modprobe tun",
    );
  // Never shadow a network the machine really uses.
  const routes = (await exec("ip", ["-4", "route", "show"])).stdout;
  for (const net of [s.subnet, s.secondarySubnet]) {
    const clash = routes.split("\n").find((l) => l.startsWith(net) && !l.includes(s.adminLink));
    if (clash)
      throw new OarHaError(
        "OARHA920",
        `the machine already routes ${net} (${clash.trim()})\n  fix: choose another --subnet / --secondary-subnet`,
      );
  }
}

/** A VM's identity on its seed disk; returns its host keys (for known_hosts). */
function prepareVm(
  s: LabSpec,
  h: LabHost,
  adminPub: string,
  fenceKey: string,
  fenceHostPub: string,
): Promise<string[]> {
  return writeVmSeed(s, h, {
    adminPub,
    etcHosts: labEtcHosts(s),
    files: {
      "etc/oar-ha/fence_lab_key": { content: fenceKey, mode: 0o600 },
      "root/.ssh/known_hosts": {
        content: `[${s.fence.address}]:${s.fence.port} ${fenceHostPub.split(" ").slice(0, 2).join(" ")}\n`,
        mode: 0o600,
      },
      "etc/chrony/chrony.conf": { content: vmChronyConf(s), mode: 0o644 },
    },
  });
}

function prepareHost(s: LabSpec, h: LabHost, adminPub: string, fenceKey: string, fenceHostPub: string): void {
  const up = join(hostDir(s, h), "upper");
  mkdirSync(join(hostDir(s, h), "work"), { recursive: true });
  write(join(up, "etc/hosts"), labEtcHosts(s));
  write(
    join(up, "etc/ssh/sshd_config.d/oar-ha-lab.conf"),
    "# oar-ha lab host\nListenAddress 0.0.0.0\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\nPidFile /run/sshd.pid\n",
  );
  write(join(up, "root/.ssh/authorized_keys"), `${adminPub}\n`, 0o600);
  chmodSync(join(up, "root/.ssh"), 0o700);
  if (s.kerberos) {
    // What a Kerberos site's hosts already have before oar-ha comes: sshd takes GSSAPI (any key
    // of the host's keytab: the lab's hosts are known by their .lab names, not uname -n), and
    // root's .k5login lets the lab's deploying principal in (apply through openssh-gssapi).
    write(
      join(up, "etc/ssh/sshd_config.d/10-site-kerberos.conf"),
      "# the lab's Kerberos site settings (not oar-ha's)\nGSSAPIAuthentication yes\nGSSAPIStrictAcceptorCheck no\n",
    );
    write(join(up, "root/.k5login"), `${LAB_DEPLOYER}@${LAB_REALM}\n`, 0o600);
  }
  if (h.role === "server") {
    // The "BMC credentials" of the lab: what fence_virsh needs to reach the fence host.
    write(join(up, "etc/oar-ha/fence_lab_key"), fenceKey, 0o600);
    write(
      join(up, "root/.ssh/known_hosts"),
      `[${s.fence.address}]:${s.fence.port} ${fenceHostPub.split(" ").slice(0, 2).join(" ")}\n`,
      0o600,
    );
  }
}

async function startFence(s: LabSpec, cli: readonly string[]): Promise<void> {
  const dir = join(s.root, "fence");
  mkdirSync(join(dir, "bin"), { recursive: true });
  const clientPub = await ensureKey(join(dir, "client_key"), "oar-ha-lab-fence-client");
  await ensureKey(join(dir, "host_key"), "oar-ha-lab-fence-host");
  write(join(dir, "authorized_keys"), `${clientPub}\n`, 0o600);
  write(join(dir, "shell"), fenceShell(s.root), 0o755);
  write(
    join(dir, "bin/virsh"),
    fakeVirsh(
      s.root,
      cli,
      labServers(s).map((h) => ({ name: h.name, vm: h.vm === true })),
    ),
    0o755,
  );
  write(
    join(dir, "sshd_config"),
    [
      `Port ${s.fence.port}`,
      `ListenAddress ${s.fence.address}`,
      `HostKey ${dir}/host_key`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "AllowUsers root",
      `ForceCommand ${dir}/shell`,
      "",
    ].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true });
  const admin = labHost(s, "admin");
  await exec("ip", ["netns", "exec", admin.netns, "/usr/sbin/sshd", "-t", "-f", join(dir, "sshd_config")]);
  await exec("ip", [
    "netns",
    "exec",
    admin.netns,
    "/usr/sbin/sshd",
    "-f",
    join(dir, "sshd_config"),
    "-E",
    join(dir, "sshd.log"),
  ]);
}

/**
 * The lab's time server, for the VMs: their emulated clocks drift by whole seconds (a TSC
 * calibrated under emulation, CPU starvation), and apply refuses hosts 5 s off, as it should
 * on a real site. chronyd in the admin host's network namespace serves this machine's clock
 * (-x: it never sets it), the VMs follow it with chrony; namespace hosts share the clock.
 */
async function startNtp(s: LabSpec): Promise<void> {
  const dir = join(s.root, "ntp");
  mkdirSync(dir, { recursive: true });
  write(
    join(dir, "chrony.conf"),
    [
      `bindaddress ${labHost(s, "admin").address}`,
      `allow ${s.subnet}`,
      "local stratum 8",
      "cmdport 0",
      `pidfile ${dir}/chronyd.pid`,
      `driftfile ${dir}/drift`,
      "",
    ].join("\n"),
  );
  await exec("ip", [
    "netns",
    "exec",
    labHost(s, "admin").netns,
    "/usr/sbin/chronyd",
    "-x",
    "-f",
    join(dir, "chrony.conf"),
  ]);
}

/** chrony in a VM: the lab's time server only, stepping any offset over half a second. */
export const vmChronyConf = (s: LabSpec): string =>
  `# oar-ha lab: the machine's clock, served from the admin host\nserver ${labHost(s, "admin").address} iburst minpoll 1 maxpoll 3\nmakestep 0.5 -1\ndriftfile /var/lib/chrony/chrony.drift\n`;

export interface UpResult {
  readonly spec: LabSpec;
  readonly paths: LabPaths;
  readonly seconds: number;
}

/** Brings a lab up from nothing (clearing any leftover of an earlier run first). */
export async function labUp(o: UpOptions): Promise<UpResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const s = labSpec(o);
  await preflight(s);
  // Never over another root's running lab: namespace names are global to the machine.
  const owner = labOwner();
  if (owner && owner !== s.root) {
    throw new OarHaError(
      "OARHA920",
      `a lab is running under ${owner}; lab names and addresses are global to this machine, so a second one cannot run beside it (and this one will not tear it down)\n  fix: oar-ha lab down --root ${owner}, then lab up again (or use that lab)`,
    );
  }
  if (o.installPackages ?? true)
    await ensurePackages(log, s.drbd ? [...LAB_PACKAGES, ...LAB_VM_PACKAGES] : LAB_PACKAGES);
  if (s.drbd) {
    const missing = await missingPackages(LAB_VM_PACKAGES);
    if (missing.length)
      throw new OarHaError(
        "OARHA920",
        `lab up --drbd needs ${missing.join(" ")}, not installed\n  fix: apt-get install ${missing.join(" ")} (or bash scripts/setup.sh --vm)`,
      );
  }
  await labDown(s.root, { log, keepData: false });
  const img = s.drbd ? await buildVmImage(VM_CACHE, { log }) : undefined;
  log(`lab root ${s.root}`);
  mkdirSync(join(s.root, "admin"), { recursive: true, mode: 0o700 });
  mkdirSync(join(s.root, "shared"), { recursive: true });
  write(join(s.root, "lab.json"), JSON.stringify(s, null, 2) + "\n");
  claimLab(s.root);
  write(join(s.root, "host-init.sh"), HOST_INIT, 0o755);
  const paths = labPaths(s.root);
  const adminPub = await ensureKey(paths.sshKey, "oar-ha-lab-admin");
  const fenceDir = join(s.root, "fence");
  mkdirSync(fenceDir, { recursive: true });
  await ensureKey(join(fenceDir, "client_key"), "oar-ha-lab-fence-client");
  const fenceHostPub = await ensureKey(join(fenceDir, "host_key"), "oar-ha-lab-fence-host");
  const fenceKey = readFileSync(join(fenceDir, "client_key"), "utf8");
  const vmKeys = new Map<string, string[]>();
  for (const h of s.hosts) {
    if (h.vm) vmKeys.set(h.name, await prepareVm(s, h, adminPub, fenceKey, fenceHostPub));
    else prepareHost(s, h, adminPub, fenceKey, fenceHostPub);
  }

  log("network: switch, bridges, links");
  await createSwitch(s);
  for (const h of s.hosts.filter((x) => !x.vm)) {
    await createHostNetns(s, h);
    await configureHost(s, h);
  }
  if (s.hosts.some((h) => h.vm)) await startNtp(s);
  const vms = s.hosts.filter((h) => h.vm);
  log(
    `booting ${s.hosts.map((h) => h.name).join(", ")}${vms.length ? ` (${vms.map((h) => h.name).join(", ")}: qemu VMs under software emulation, a few minutes; image ${img?.image ?? ""})` : ""}`,
  );
  await Promise.all(s.hosts.map((h) => boot(s, h)));

  const known = s.hosts.flatMap((h) => {
    if (h.vm) return knownHostsLines([h.name, `${h.name}.lab`, h.address], vmKeys.get(h.name) ?? []);
    const dir = join(hostDir(s, h), "upper/etc/ssh");
    const pubs = readdirSync(dir)
      .filter((f) => /^ssh_host_.*_key\.pub$/.test(f))
      .sort()
      .map((f) => readFileSync(join(dir, f), "utf8").trim());
    return knownHostsLines([h.name, `${h.name}.lab`, h.address], pubs);
  });
  write(paths.knownHosts, known.join("\n") + "\n", 0o600);
  write(
    paths.sshConfig,
    `# ssh -F ${paths.sshConfig} srv-a\nHost ${s.hosts.map((h) => h.name).join(" ")}\n  User root\n  IdentityFile ${paths.sshKey}\n  UserKnownHostsFile ${paths.knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n` +
      s.hosts.map((h) => `Host ${h.name}\n  HostName ${h.address}\n`).join(""),
  );
  if (s.drbd?.backing === "lvm") {
    // What an LVM site has before oar-ha comes: a volume group with room (oar-ha makes its LV in it).
    const vg = s.drbd.volumeGroup;
    for (const h of vms)
      await execIn(
        s,
        h,
        `vgs ${vg} >/dev/null 2>&1 || { pvcreate -q ${LAB_DATA_PARTITION} && vgcreate -q ${vg} ${LAB_DATA_PARTITION}; }`,
        { timeoutMs: 120_000 },
      );
  }
  await startFence(s, o.cli);
  if (s.kerberos) await startKdc(s, log);
  write(paths.clusterFile, labClusterYaml(s));
  if (!existsSync(paths.secretsFile))
    write(paths.secretsFile, serializeSecrets(completeSecrets({}, (n) => randomBytes(n))), 0o600);
  return { spec: s, paths, seconds: (Date.now() - t0) / 1000 };
}

export interface DownOptions {
  readonly log?: (message: string) => void;
  /** Keep host disks, keys and the cluster file (default: remove the lab root). */
  readonly keepData?: boolean;
}

/**
 * Removes every trace of a lab: processes, namespaces, links, and (unless kept) its files.
 * Works from the state on disk and, for anything a crashed run left behind, from the naming
 * convention alone: every `ohl-` namespace and every `ohl…` link left in the machine's namespace.
 */
export async function labDown(root = DEFAULT_ROOT, o: DownOptions = {}): Promise<void> {
  const log = o.log ?? (() => undefined);
  const owner = labOwner();
  if (owner && owner !== root) {
    // Another root's lab runs: its namespaces carry the same global names. Touch none of them.
    log(`a lab is running under ${owner}: left as it is; only ${root} is removed`);
    if (!o.keepData && existsSync(join(root, "lab.json"))) rmSync(root, { recursive: true, force: true });
    return;
  }
  let spec: LabSpec | undefined;
  try {
    spec = loadLab(root);
  } catch {
    spec = undefined;
  }
  // Fencing first, so nothing can power a host back on while we tear down.
  const fencePid = join(root, "fence", "sshd.pid");
  if (existsSync(fencePid)) {
    const pid = Number(readFileSync(fencePid, "utf8").trim());
    if (pid > 0 && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sshd")
      process.kill(pid, "SIGKILL");
    rmSync(fencePid, { force: true });
  }
  const ntpPid = join(root, "ntp", "chronyd.pid");
  if (existsSync(ntpPid)) {
    const pid = Number(readFileSync(ntpPid, "utf8").trim());
    if (pid > 0 && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "chronyd")
      process.kill(pid, "SIGKILL");
    rmSync(ntpPid, { force: true });
  }
  if (spec) for (const h of spec.hosts) if (isRunning(spec, h)) await kill(spec, h);
  const namespaces = await labNamespaces();
  for (const ns of namespaces) {
    const pids = (await exec("ip", ["netns", "pids", ns], { check: false })).stdout
      .split("\n")
      .filter(Boolean)
      .map(Number);
    for (const p of pids) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
  if (namespaces.length) {
    log(`removing namespaces ${namespaces.join(", ")}`);
    await sleep(100);
  }
  for (const ns of namespaces) await exec("ip", ["netns", "del", ns], { check: false });
  await exec("ip", ["link", "del", spec?.adminLink ?? "ohl-admin"], { check: false });
  // A lab up killed between creating a veth pair and moving its ends leaves the pair in the
  // machine's own namespace: sweep every link named by the lab's convention (ohl<i>s<n>,
  // ohl<i>h<n>, ohladm, ohl-...).
  const links = (await exec("ip", ["-o", "link", "show"], { check: false })).stdout
    .split("\n")
    .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1] ?? "")
    .filter((n) => /^ohl(\d+[sh]\d+|adm|-.+)$/.test(n));
  for (const l of links) await exec("ip", ["link", "del", l], { check: false });
  // `ip netns add` turned /run/netns into a mount point: leave no empty one behind.
  if (existsSync("/run/netns") && readdirSync("/run/netns").length === 0) {
    await exec("umount", ["/run/netns"], { check: false });
    rmSync("/run/netns", { recursive: true, force: true });
  }
  releaseLab(root);
  if (!o.keepData && existsSync(join(root, "lab.json"))) rmSync(root, { recursive: true, force: true });
}

export interface HostStatus {
  readonly name: string;
  readonly role: string;
  readonly address: string;
  readonly running: boolean;
  /** A qemu VM (initPid is then its qemu's PID). */
  readonly vm?: boolean;
  readonly initPid?: number;
}

export function labStatus(root = DEFAULT_ROOT): { spec: LabSpec; hosts: HostStatus[]; paths: LabPaths } {
  const spec = loadLab(root);
  return {
    spec,
    paths: labPaths(root),
    hosts: spec.hosts.map((h) => {
      const pid = h.vm ? vmPid(spec, h) : initPid(spec, h);
      return {
        name: h.name,
        role: h.role,
        address: h.address,
        running: pid !== undefined,
        ...(h.vm ? { vm: true } : {}),
        ...(pid ? { initPid: pid } : {}),
      };
    }),
  };
}

/** Power a host off hard (crash) and back on: the primitives the fence device and drills use. */
export async function crashHost(s: LabSpec, name: string): Promise<void> {
  const h = labHost(s, name);
  await kill(s, h);
  // A VM's taps vanish with its qemu; a namespace host's addresses must be flushed by hand.
  if (!h.vm) await deconfigureHost(s, h);
}

/** Powers a host on; with `wait: false` it returns once the host's PID 1 runs, as `virsh start` or IPMI do. */
export async function powerOnHost(s: LabSpec, name: string, o: { wait?: boolean } = {}): Promise<void> {
  const h = labHost(s, name);
  if (isRunning(s, h)) return;
  if (h.vm) {
    await boot(s, h, 300_000, o.wait ?? true);
    return;
  }
  write(join(hostDir(s, h), "upper/etc/hosts"), labEtcHosts(s));
  await configureHost(s, h);
  await boot(s, h, 20_000, o.wait ?? true);
}
