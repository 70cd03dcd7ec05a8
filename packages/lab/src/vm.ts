import { spawn, spawnSync } from "node:child_process";
import { createConnection } from "node:net";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OarHaError } from "@oar-ha/core";
import { sleep } from "./exec.js";

/*
 * Lab hosts as qemu VMs, for what namespaces cannot give: a kernel of their own, so real DRBD
 * (Debian 12's kernel ships DRBD 8.4). Software emulation only (this machine's /dev/kvm hangs a
 * stock kernel), so slow: one base image built once with debootstrap and cached, a qcow2
 * overlay and a raw data disk per VM, the kernel booted directly. Each VM has two NICs: a
 * user-mode one with SSH forwarded to 127.0.0.1 (the admin side), and a point-to-point UDP
 * socket link to its peer on loopback (the replication link: a TCP socket link costs ~47 ms
 * per round trip, UDP ~2.6 ms). See ../shared/design/LAB.md, part B.
 */

/** What goes into the image; the cache key is derived from it. */
const PACKAGES = ["linux-image-amd64", "systemd-sysv", "udev", "kmod", "drbd-utils", "iproute2", "openssh-server", "e2fsprogs", "procps", "util-linux", "coreutils"];
const SUITE = "bookworm";
/** Replication link addresses: VM i (1-based) is 10.99.0.(10 + i). */
export const vmLinkAddress = (i: number): string => `10.99.0.${10 + i}`;
const linkMac = (i: number) => `52:54:00:0a:00:${i.toString(16).padStart(2, "0")}`;
const adminMac = (i: number) => `52:54:00:0b:00:${i.toString(16).padStart(2, "0")}`;
const MAX_VMS = 4;

export interface VmImage {
  readonly dir: string;
  readonly image: string;
  readonly kernel: string;
  readonly initrd: string;
  /** Private key that logs in as root on every VM. */
  readonly key: string;
  /** The VMs' SSH host key (one image, one key: the lab's VMs are throw-away). */
  readonly hostKey: string;
}

export interface Vm {
  readonly name: string;
  readonly index: number;
  readonly sshPort: number;
  readonly linkAddress: string;
  readonly dir: string;
}

/** A bash script, without blocking the event loop (debootstrap takes minutes); the output's tail. */
function sh(script: string, timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn("bash", ["-euo", "pipefail", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
    p.stderr.on("data", (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** The Debian mirror this machine's apt uses (deb822 or one-line sources), else Debian's own. */
export function aptMirror(): string {
  const files = ["/etc/apt/sources.list", ...(existsSync("/etc/apt/sources.list.d") ? readdirSync("/etc/apt/sources.list.d").map((f) => `/etc/apt/sources.list.d/${f}`) : [])];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, "utf8");
    const m = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\s/m.exec(text);
    if (m?.[1]) return m[1];
  }
  return "http://deb.debian.org/debian";
}

/** The guest's network files: per MAC, the link NIC gets its fixed address, the admin NIC DHCP from qemu. */
function networkFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; i <= MAX_VMS; i++) {
    // A pulled cable must not take the address away (networkd's default does): DRBD then
    // cannot bind its listener, goes StandAlone and never reconnects by itself.
    out[`20-link-${i}.network`] = `[Match]\nMACAddress=${linkMac(i)}\n\n[Network]\nAddress=${vmLinkAddress(i)}/24\nLinkLocalAddressing=no\nConfigureWithoutCarrier=yes\nIgnoreCarrierLoss=yes\n`;
    out[`10-admin-${i}.network`] = `[Match]\nMACAddress=${adminMac(i)}\n\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\n`;
  }
  return out;
}

/**
 * The base image, built once per recipe in `cacheDir` (debootstrap ~90 s + mkfs): Debian 12
 * minimal with its kernel, drbd-utils and sshd; root logs in with the lab's key only.
 */
export async function buildVmImage(cacheDir: string, o: { mirror?: string; log?: (m: string) => void } = {}): Promise<VmImage> {
  const mirror = o.mirror ?? aptMirror();
  const recipe = createHash("sha256").update(JSON.stringify({ PACKAGES, SUITE, net: networkFiles(), v: 1 })).digest("hex").slice(0, 16);
  const img: VmImage = {
    dir: cacheDir,
    image: join(cacheDir, "base.img"),
    kernel: join(cacheDir, "vmlinuz"),
    initrd: join(cacheDir, "initrd.img"),
    key: join(cacheDir, "id_ed25519"),
    hostKey: join(cacheDir, "ssh_host_ed25519_key.pub"),
  };
  const stamp = join(cacheDir, "recipe");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === recipe && [img.image, img.kernel, img.initrd, img.key, img.hostKey].every(existsSync)) return img;
  mkdirSync(cacheDir, { recursive: true });
  rmSync(stamp, { force: true });
  const root = join(cacheDir, "rootfs");
  rmSync(root, { recursive: true, force: true });
  o.log?.(`debootstrap ${SUITE} from ${mirror} (about 90 s)`);
  const boot = await sh(`debootstrap --variant=minbase --include=${PACKAGES.join(",")} ${SUITE} ${root} ${mirror}`, 900_000);
  if (boot.code !== 0) throw new OarHaError("OARHA103", `debootstrap failed:\n${boot.out.split("\n").slice(-15).join("\n")}\n  fix: apt-get install debootstrap; the mirror ${mirror} must be reachable`);
  for (const [f, text] of Object.entries(networkFiles())) writeFileSync(join(root, "etc/systemd/network", f), text);
  rmSync(img.key, { force: true });
  rmSync(`${img.key}.pub`, { force: true });
  const conf = await sh(
    `ssh-keygen -q -t ed25519 -N '' -C oar-ha-vm-lab -f ${img.key}
r=${root}
install -d -m 700 $r/root/.ssh && install -m 600 ${img.key}.pub $r/root/.ssh/authorized_keys
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\\n' > $r/etc/fstab
rm -f $r/etc/hostname
chroot $r systemctl enable --quiet systemd-networkd ssh
chroot $r systemctl mask --quiet systemd-networkd-wait-online apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service
[ -e $r/etc/ssh/ssh_host_ed25519_key ] || chroot $r ssh-keygen -q -A
cp $r/etc/ssh/ssh_host_ed25519_key.pub ${img.hostKey}
cp $(ls $r/boot/vmlinuz-* | tail -1) ${img.kernel}
cp $(ls $r/boot/initrd.img-* | tail -1) ${img.initrd}
rm -f ${img.image}
mkfs.ext4 -q -L root -d $r ${img.image} 2G
rm -rf $r`,
    300_000,
  );
  if (conf.code !== 0) throw new OarHaError("OARHA103", `the VM image could not be finished:\n${conf.out}`);
  writeFileSync(stamp, recipe);
  return img;
}

const pidOf = (vm: Vm): number | undefined => {
  const f = join(vm.dir, "qemu.pid");
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, "utf8").trim());
  // Only our qemu: a stale PID file whose number now belongs to another process is ignored.
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return pid > 0 && cmd.startsWith("qemu-system") && cmd.includes(vm.dir) ? pid : undefined;
  } catch {
    return undefined;
  }
};

/** The VM's qemu process runs. */
export const vmRunning = (vm: Vm): boolean => pidOf(vm) !== undefined;

export interface VmPairOptions {
  /** Working directory (overlays, data disks, consoles, PID files). */
  readonly dir: string;
  /** First of two SSH ports forwarded on 127.0.0.1 (VM i gets base + i - 1). */
  readonly sshPortBase?: number;
  /** First of two UDP ports of the replication link on 127.0.0.1. */
  readonly linkPortBase?: number;
  /** Size of each VM's data disk (/dev/vdb), the DRBD backing device. */
  readonly dataDiskMiB?: number;
  readonly memoryMiB?: number;
}

/** Two VMs, vm1 and vm2, linked back to back; described, not started. */
export function vmPair(o: VmPairOptions): Vm[] {
  const base = o.sshPortBase ?? 22201;
  return [1, 2].map((i) => ({ name: `vm${i}`, index: i, sshPort: base + i - 1, linkAddress: vmLinkAddress(i), dir: join(o.dir, `vm${i}`) }));
}

/**
 * Boots a VM of the pair (its overlay and data disk are created once and kept across power
 * cycles, like a real disk); returns once its sshd answers.
 */
export async function startVm(img: VmImage, vm: Vm, o: VmPairOptions): Promise<void> {
  if (vmRunning(vm)) return;
  mkdirSync(vm.dir, { recursive: true });
  const overlay = join(vm.dir, "root.qcow2");
  const data = join(vm.dir, "data.img");
  if (!existsSync(overlay)) {
    const r = await sh(`qemu-img create -q -f qcow2 -F raw -b ${img.image} ${overlay}`, 60_000);
    if (r.code !== 0) throw new OarHaError("OARHA103", `qemu-img: ${r.out}`);
  }
  if (!existsSync(data)) await sh(`truncate -s ${o.dataDiskMiB ?? 256}M ${data}`, 10_000);
  const link = o.linkPortBase ?? 22301;
  const mine = link + vm.index - 1;
  const peer = link + (vm.index === 1 ? 1 : 0);
  const args = [
    "-name", vm.name, "-machine", "q35", "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", "1", "-m", String(o.memoryMiB ?? 768),
    "-kernel", img.kernel, "-initrd", img.initrd,
    "-append", `root=/dev/vda rw console=ttyS0 systemd.hostname=${vm.name} net.ifnames=0 quiet`,
    "-drive", `file=${overlay},if=virtio,format=qcow2`,
    "-drive", `file=${data},if=virtio,format=raw`,
    "-netdev", `user,id=u0,hostfwd=tcp:127.0.0.1:${vm.sshPort}-:22`, "-device", `virtio-net-pci,netdev=u0,mac=${adminMac(vm.index)}`,
    "-netdev", `socket,id=s0,udp=127.0.0.1:${peer},localaddr=127.0.0.1:${mine}`, "-device", `virtio-net-pci,netdev=s0,mac=${linkMac(vm.index)}`,
    "-display", "none", "-serial", `file:${join(vm.dir, "console.log")}`, "-no-reboot",
    "-monitor", `unix:${join(vm.dir, "monitor.sock")},server,nowait`,
    "-daemonize", "-pidfile", join(vm.dir, "qemu.pid"),
  ];
  const q = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  q.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((r) => q.once("exit", r));
  if (code !== 0) throw new OarHaError("OARHA103", `${vm.name}: qemu did not start: ${err.trim()}\n  fix: apt-get install qemu-system-x86 qemu-utils`);
  const end = Date.now() + 300_000;
  while (vmSsh(img, vm, "true", 15_000).code !== 0) {
    if (!vmRunning(vm)) throw new OarHaError("OARHA103", `${vm.name}: qemu exited while booting (see ${join(vm.dir, "console.log")})`);
    if (Date.now() > end) throw new OarHaError("OARHA103", `${vm.name}: no SSH after 300 s (see ${join(vm.dir, "console.log")})`);
    await sleep(2000);
  }
}

/** Runs a shell command as root on a VM over SSH (strict host key), optional stdin. */
export function vmSsh(img: VmImage, vm: Vm, command: string, timeoutMs = 120_000, input?: string): { code: number; out: string; err: string } {
  const kh = join(img.dir, "known_hosts");
  const line = `[127.0.0.1]:${vm.sshPort} ${readFileSync(img.hostKey, "utf8").split(" ").slice(0, 2).join(" ")}\n`;
  if (!existsSync(kh) || !readFileSync(kh, "utf8").includes(line)) writeFileSync(kh, (existsSync(kh) ? readFileSync(kh, "utf8") : "") + line);
  const r = spawnSync(
    "ssh",
    ["-i", img.key, "-p", String(vm.sshPort), "-o", `UserKnownHostsFile=${kh}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "root@127.0.0.1", command],
    { encoding: "utf8", timeout: timeoutMs, ...(input !== undefined ? { input } : {}) },
  );
  return { code: r.status ?? 255, out: r.stdout ?? "", err: r.stderr ?? "" };
}

/** One command to the VM's qemu monitor (HMP); returns what it printed. */
function monitor(vm: Vm, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(join(vm.dir, "monitor.sock"));
    let out = "";
    let sent = false;
    const timer = setTimeout(() => (c.destroy(), reject(new OarHaError("OARHA103", `${vm.name}: the qemu monitor did not answer ${command}`))), 10_000);
    c.on("data", (b: Buffer) => {
      out += b.toString();
      // The prompt comes once on connection, then again after the command's answer.
      if (!sent && out.includes("(qemu)")) {
        sent = true;
        out = "";
        c.write(`${command}\n`);
      } else if (sent && out.includes("(qemu)")) {
        clearTimeout(timer);
        c.end();
        resolve(out);
      }
    });
    c.once("error", (e) => (clearTimeout(timer), reject(e)));
  });
}

/**
 * The replication link's cable, pulled or plugged back (qemu `set_link`): the guest's NIC
 * loses its carrier but keeps its address, as with a real cable; nothing gets through.
 */
export async function setVmLink(vm: Vm, state: "up" | "down"): Promise<void> {
  await monitor(vm, `set_link s0 ${state === "up" ? "on" : "off"}`);
}

/** Pulls the plug: SIGKILL to the VM's qemu (what the guest had not flushed to its disks is gone). */
export async function crashVm(vm: Vm): Promise<void> {
  const pid = pidOf(vm);
  if (pid === undefined) return;
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(100);
}

/** Stops every VM of the pair (SIGKILL: they hold nothing worth keeping) and removes the working directory. */
export async function destroyVms(vms: readonly Vm[], dir: string): Promise<void> {
  for (const vm of vms) await crashVm(vm);
  rmSync(dir, { recursive: true, force: true });
}
