import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OarHaError } from "@oar-ha/core";
import { exec, sleep, tcpOpen, waitFor } from "./exec.js";
import type { LabHost, LabSpec } from "./spec.js";
import IMAGE_SCRIPT from "./scripts/vm-image.sh";
import SEED_SCRIPT from "./scripts/vm-seed.sh";
import SEED_UNIT from "./scripts/ohl-seed.service";

/*
 * Lab hosts as qemu VMs, for what namespaces cannot give: a kernel of their own, so real DRBD
 * (Debian 12's kernel ships DRBD 8.4). Software emulation only (this machine's /dev/kvm hangs a
 * stock kernel), so slow. One base image, built once with debootstrap and cached, holds every
 * package the HA stack needs (apply finds them installed); each VM has a qcow2 overlay (its
 * disk, kept across power cycles), a raw data disk (the DRBD backing store) and a small seed
 * disk (its identity, applied at first boot). Its two NICs are taps plugged into the lab
 * switch's bridges like the namespace hosts' veths: same addresses, same cables. See
 * ../shared/design/LAB.md, parts B and C.
 */

/** debootstrap's own list (what boots and logs in). */
const BASE = [
  "linux-image-amd64",
  "systemd-sysv",
  "udev",
  "kmod",
  "iproute2",
  "openssh-server",
  "e2fsprogs",
  "procps",
  "util-linux",
  "coreutils",
];
/** The HA stack on a DB-holding server, for every manager and database the lab offers (apply installs nothing). */
const STACK = [
  "drbd-utils",
  "lvm2",
  "nftables",
  "psmisc",
  "fdisk",
  "openssh-client",
  "logrotate",
  "curl",
  "chrony",
  "corosync",
  "corosync-qdevice",
  "pacemaker",
  "pacemaker-cli-utils",
  "crmsh",
  "resource-agents",
  "fence-agents",
  "heartbeat",
  "cluster-glue",
  "postgresql",
  "postgresql-client-15",
  "mariadb-server",
  "mariadb-client",
  "oar-server",
  "oar-server-pgsql",
  "oar-server-mysql",
  "oar-user",
  "oar-user-pgsql",
  "oar-user-mysql",
  "nodejs",
  // oar-ha bench (never installed by apply: bench asks a site to install them, and leaves nothing behind)
  "sysbench",
  "fio",
  "iperf3",
];
const SUITE = "bookworm";
const IMAGE_SIZE = "6G";

export interface VmImage {
  readonly dir: string;
  readonly image: string;
  readonly kernel: string;
  readonly initrd: string;
}

/** The Debian mirror this machine's apt uses (deb822 or one-line sources), else Debian's own. */
export function aptMirror(): string {
  const files = [
    "/etc/apt/sources.list",
    ...(existsSync("/etc/apt/sources.list.d")
      ? readdirSync("/etc/apt/sources.list.d").map((f) => `/etc/apt/sources.list.d/${f}`)
      : []),
  ];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, "utf8");
    const m =
      /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ??
      /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\s/m.exec(text);
    if (m?.[1]) return m[1];
  }
  return "http://deb.debian.org/debian";
}

/** The machine's deb822 sources file, used inside the image too (same mirrors, same updates). */
const machineSources = (): string =>
  existsSync("/etc/apt/sources.list.d/debian.sources") ? "/etc/apt/sources.list.d/debian.sources" : "";

/** A bash script, without blocking the event loop (the image build takes minutes); the output's tail. */
function bash(
  script: string,
  env: Record<string, string>,
  timeoutMs: number,
  log?: (m: string) => void,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn("bash", ["-c", script, "oar-ha-lab"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", ...env },
    });
    let out = "";
    let last = Date.now();
    const take = (b: Buffer) => {
      out = (out + b.toString()).slice(-20_000);
      if (log && Date.now() - last > 30_000) {
        last = Date.now();
        log(`  … ${out.trim().split("\n").pop()?.slice(0, 100) ?? ""}`);
      }
    };
    p.stdout.on("data", take);
    p.stderr.on("data", take);
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/**
 * The base image, built once per recipe in `cacheDir` (debootstrap, then the stack: a few
 * minutes): Debian 12 with its kernel, drbd-utils, sshd and the HA stack, services disabled.
 */
export async function buildVmImage(
  cacheDir: string,
  o: { mirror?: string; log?: (m: string) => void } = {},
): Promise<VmImage> {
  const mirror = o.mirror ?? aptMirror();
  const recipe = createHash("sha256")
    .update(JSON.stringify({ BASE, STACK, SUITE, IMAGE_SIZE, IMAGE_SCRIPT, SEED_SCRIPT, SEED_UNIT }))
    .digest("hex")
    .slice(0, 16);
  const img: VmImage = {
    dir: cacheDir,
    image: join(cacheDir, "base.img"),
    kernel: join(cacheDir, "vmlinuz"),
    initrd: join(cacheDir, "initrd.img"),
  };
  const stamp = join(cacheDir, "recipe");
  if (
    existsSync(stamp) &&
    readFileSync(stamp, "utf8") === recipe &&
    [img.image, img.kernel, img.initrd].every(existsSync)
  )
    return img;
  mkdirSync(cacheDir, { recursive: true });
  rmSync(stamp, { force: true });
  const tmp = mkdtempSync(join(tmpdir(), "oar-ha-vm-image-"));
  try {
    writeFileSync(join(tmp, "seed.sh"), SEED_SCRIPT);
    writeFileSync(join(tmp, "seed.service"), SEED_UNIT);
    o.log?.(
      `VM image: debootstrap ${SUITE} from ${mirror}, then the HA stack (a few minutes, once; cached in ${cacheDir})`,
    );
    const r = await bash(
      IMAGE_SCRIPT,
      {
        ROOTFS: join(cacheDir, "rootfs"),
        IMAGE: img.image,
        KERNEL: img.kernel,
        INITRD: img.initrd,
        MIRROR: mirror,
        SUITE,
        BASE: BASE.join(" "),
        STACK: STACK.join(" "),
        SIZE: IMAGE_SIZE,
        SOURCES: machineSources(),
        SEED_SCRIPT: join(tmp, "seed.sh"),
        SEED_UNIT: join(tmp, "seed.service"),
      },
      40 * 60_000,
      o.log,
    );
    if (r.code !== 0) {
      throw new OarHaError(
        "OARHA920",
        `the lab's VM image could not be built:\n${r.out.split("\n").slice(-15).join("\n")}\n  fix: apt-get install debootstrap; the mirror ${mirror} must be reachable`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeFileSync(stamp, recipe);
  return img;
}

/** The lab's VM image cache (shared by every lab root: it holds no state of a lab). */
export const VM_CACHE = process.env.OAR_HA_VM_CACHE ?? "/var/cache/oar-ha/vm";

const vmDir = (s: LabSpec, h: LabHost): string => join(s.root, "hosts", h.name);
const nicMac = (h: LabHost, link: number) => `52:54:00:77:${h.index.toString(16).padStart(2, "0")}:0${link}`;

/** The VM's qemu, when it runs (a PID file whose process is this VM's qemu, not a recycled number). */
export function vmPid(s: LabSpec, h: LabHost): number | undefined {
  const f = join(vmDir(s, h), "qemu.pid");
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, "utf8").trim());
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return pid > 0 && cmd.startsWith("qemu-system") && cmd.includes(`${vmDir(s, h)}/`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A VM host's network files, host keys, authorized key and /etc/hosts: the seed tree (written once per lab up). */
export async function writeVmSeed(
  s: LabSpec,
  h: LabHost,
  o: { adminPub: string; etcHosts: string; files: Record<string, { content: string; mode: number }> },
): Promise<string[]> {
  const tree = join(vmDir(s, h), "seed", "tree");
  rmSync(join(vmDir(s, h), "seed"), { recursive: true, force: true });
  const put = (p: string, content: string, mode = 0o644) => {
    mkdirSync(join(tree, p, ".."), { recursive: true });
    writeFileSync(join(tree, p), content, { mode });
    chmodSync(join(tree, p), mode);
  };
  put("etc/hostname", `${h.name}\n`);
  put("etc/hosts", o.etcHosts);
  const addrs = [h.address, ...(h.secondary ? [h.secondary] : [])];
  addrs.forEach((a, i) =>
    // A pulled cable must not take the address away (networkd's default does): DRBD then
    // cannot bind its listener, goes StandAlone and never reconnects by itself.
    put(
      `etc/systemd/network/10-eth${i}.network`,
      `[Match]\nMACAddress=${nicMac(h, i)}\n\n[Network]\nAddress=${a}/${s.prefix}\nLinkLocalAddressing=no\nConfigureWithoutCarrier=yes\nIgnoreCarrierLoss=yes\n`,
    ),
  );
  put("root/.ssh/authorized_keys", `${o.adminPub}\n`, 0o600);
  put(
    "etc/ssh/sshd_config.d/oar-ha-lab.conf",
    "# oar-ha lab host\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n",
  );
  for (const [p, f] of Object.entries(o.files)) put(p, f.content, f.mode);
  // Host keys made here, once per VM and kept (a new key at each lab up would be a new server).
  const keys = join(vmDir(s, h), "host-keys");
  mkdirSync(keys, { recursive: true });
  for (const t of ["ed25519", "ecdsa"]) {
    const k = join(keys, `ssh_host_${t}_key`);
    if (!existsSync(k)) await exec("ssh-keygen", ["-q", "-t", t, "-N", "", "-C", `root@${h.name}`, "-f", k]);
    put(`etc/ssh/ssh_host_${t}_key`, readFileSync(k, "utf8"), 0o600);
    put(`etc/ssh/ssh_host_${t}_key.pub`, readFileSync(`${k}.pub`, "utf8"));
  }
  return readdirSync(keys)
    .filter((f) => f.endsWith(".pub"))
    .sort()
    .map((f) => readFileSync(join(keys, f), "utf8").trim());
}

/** Disks: the overlay and the data disk once (kept across power cycles and lab ups with --keep-data), the seed each lab up. */
async function ensureDisks(s: LabSpec, h: LabHost, img: VmImage): Promise<void> {
  const d = vmDir(s, h);
  const overlay = join(d, "root.qcow2");
  if (!existsSync(overlay))
    await exec("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", img.image, overlay]);
  const data = join(d, "data.img");
  if (!existsSync(data)) {
    await exec("truncate", ["-s", `${s.drbd?.diskMiB ?? 1024}M`, data]);
    // A partition table with one partition (/dev/vdb1), as a site's spare disk would have.
    await exec("sfdisk", ["--quiet", data], { input: "label: gpt\n,,L\n" });
  }
  const seed = join(d, "seed.img");
  if (!existsSync(seed) || !existsSync(join(d, "seed.done"))) {
    rmSync(seed, { force: true });
    await exec("mkfs.ext4", ["-q", "-L", "ohl-seed", "-d", join(d, "seed"), seed, "8M"]);
    writeFileSync(join(d, "seed.done"), "");
  }
}

/**
 * Powers a VM host on: qemu in the switch namespace, its NICs as taps on br0/br1 (the host's
 * switch ports, so `cable` works unchanged). With `wait`, returns once its sshd answers.
 */
export async function startVmHost(
  s: LabSpec,
  h: LabHost,
  img: VmImage,
  o: { wait?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  if (vmPid(s, h) !== undefined) return;
  const d = vmDir(s, h);
  mkdirSync(d, { recursive: true });
  await ensureDisks(s, h, img);
  const links = h.secondary ? 2 : 1;
  const nics = Array.from({ length: links }, (_, i) => [
    "-netdev",
    `tap,id=n${i},ifname=${h.switchPorts[i] ?? ""},script=no,downscript=no`,
    "-device",
    `virtio-net-pci,netdev=n${i},mac=${nicMac(h, i)}`,
  ]).flat();
  const args = [
    "netns",
    "exec",
    s.switchNetns,
    "qemu-system-x86_64",
    "-name",
    h.name,
    "-machine",
    "q35",
    "-accel",
    "tcg,thread=multi",
    "-cpu",
    "max",
    "-smp",
    String(s.drbd?.cpus ?? 1),
    "-m",
    String(s.drbd?.memoryMiB ?? 1536),
    "-kernel",
    img.kernel,
    "-initrd",
    img.initrd,
    "-append",
    `root=/dev/vda rw console=ttyS0 systemd.hostname=${h.name} net.ifnames=0 quiet`,
    // Flushes honoured (qcow2's own metadata too): a SIGKILL of qemu keeps what the guest flushed,
    // as a power cut keeps what reached the disk (a loop-file backing store lives on this disk).
    "-drive",
    `file=${join(d, "root.qcow2")},if=virtio,format=qcow2,cache=writeback`,
    // The data disk: every write the guest flushes reaches the file (DRBD's guarantees are tested on it).
    "-drive",
    `file=${join(d, "data.img")},if=virtio,format=raw,cache=directsync`,
    "-drive",
    `file=${join(d, "seed.img")},if=virtio,format=raw,readonly=on`,
    ...nics,
    "-display",
    "none",
    "-serial",
    `file:${join(d, "console.log")}`,
    "-no-reboot",
    "-monitor",
    `unix:${join(d, "monitor.sock")},server,nowait`,
    "-daemonize",
    "-pidfile",
    join(d, "qemu.pid"),
  ];
  const r = await exec("ip", args, { check: false, timeoutMs: 60_000 });
  if (r.code !== 0)
    throw new OarHaError(
      "OARHA921",
      `${h.name}: qemu did not start: ${r.stderr.trim()}\n  fix: apt-get install qemu-system-x86 qemu-utils`,
    );
  for (let i = 0; i < links; i++)
    await exec("ip", ["-n", s.switchNetns, "link", "set", h.switchPorts[i] ?? "", "master", `br${i}`, "up"]);
  if (o.wait === false) return;
  await waitFor(
    `${h.name}'s sshd (${h.address}:22; console: ${join(d, "console.log")})`,
    async () => {
      if (vmPid(s, h) === undefined)
        throw new OarHaError("OARHA921", `${h.name}: qemu exited while booting (see ${join(d, "console.log")})`);
      return tcpOpen(h.address, 22, 1000);
    },
    o.timeoutMs ?? 300_000,
    1000,
  );
}

/** Pulls the plug: SIGKILL to the VM's qemu (what the guest had not flushed is gone); its taps vanish with it. */
export async function crashVmHost(s: LabSpec, h: LabHost): Promise<void> {
  const pid = vmPid(s, h);
  if (pid === undefined) return;
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(100);
}

/** One command to the VM's qemu monitor (HMP): `stop` freezes the whole machine, `cont` thaws it. */
export function vmMonitor(s: LabSpec, h: LabHost, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(join(vmDir(s, h), "monitor.sock"));
    let out = "";
    let sent = false;
    const timer = setTimeout(
      () => (c.destroy(), reject(new OarHaError("OARHA921", `${h.name}: the qemu monitor did not answer ${command}`))),
      10_000,
    );
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

/** Copies a file into the lab root with a mode (keys handed to the seed). */
export function copyWithMode(from: string, to: string, mode: number): void {
  mkdirSync(join(to, ".."), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}
