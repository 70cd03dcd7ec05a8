import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleCluster, fixedSecrets } from "@oar-ha/core/testing";
import { renderDrbdFiles } from "@oar-ha/drbd-config";
import { buildVmImage, crashVm, destroyVms, setVmLink, startVm, vmPair, vmSsh, type Vm, type VmImage } from "../src/vm.js";
import { sleep } from "../src/exec.js";

/*
 * Real DRBD (the kernel's 8.4 module) between two qemu VMs, driven by the resource file
 * oar-ha generates: it loads, the peers connect over the replication link with the shared
 * secret, a write the primary acknowledged survives a SIGKILL of the primary's VM (protocol
 * C), the killed server resyncs from the survivor, a planned switchover keeps every byte, and
 * the generated split-brain policy settles a real split brain. `npm run test:vm` (root; ~4
 * min, plus ~2 min to build the image the first time, cached in OAR_HA_VM_CACHE or
 * /var/cache/oar-ha/vm).
 */

const cache = process.env.OAR_HA_VM_CACHE ?? "/var/cache/oar-ha/vm";
const dir = "/mnt/oar-ha-vm-lab";
const opts = { dir };
const RES = "oar-db";

const cluster = exampleCluster((x) => ({
  ...x,
  manager: "heartbeat",
  fencing: { kind: "none", acceptRisk: true },
  nodes: [
    { name: "vm1", address: "10.0.2.15", secondary: { address: "10.99.0.11", interface: "eth1" }, roles: ["oar", "db"] },
    { name: "vm2", address: "10.0.2.16", secondary: { address: "10.99.0.12", interface: "eth1" }, roles: ["oar", "db"] },
  ],
  vips: { oar: { address: "10.0.2.100/24", hostname: "oar.vm" } },
  storage: { kind: "drbd", resource: RES, backing: { kind: "partition", device: "/dev/vdb" } },
}));

let img: VmImage;
let vms: Vm[];
const on = (vm: Vm, command: string, input?: string) => {
  const r = vmSsh(img, vm, command, 180_000, input);
  expect(r.code, `${vm.name}: ${command}\n${r.out}${r.err}`).toBe(0);
  return r.out;
};
const state = (vm: Vm) => vmSsh(img, vm, `drbdadm cstate ${RES}; drbdadm role ${RES}; drbdadm dstate ${RES}`).out.trim().split("\n").join(" ");
async function until(what: string, probe: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

describe("DRBD between two VMs, from oar-ha's resource file", () => {
  beforeAll(async () => {
    img = await buildVmImage(cache, { log: (m) => process.stderr.write(`${m}\n`) });
    vms = vmPair(opts);
    await destroyVms(vms, dir);
    await Promise.all(vms.map((v) => startVm(img, v, opts)));
  });
  afterAll(async () => {
    if (vms && !process.env.OAR_HA_KEEP_VMS) await destroyVms(vms, dir);
  });

  it("loads, and the peers connect over the replication link with the shared secret (protocol C)", async () => {
    const [file] = renderDrbdFiles(cluster, fixedSecrets());
    expect(file?.path).toBe(`/etc/drbd.d/${RES}.res`);
    for (const vm of vms) {
      on(vm, `install -m 600 /dev/stdin /etc/drbd.d/${RES}.res`, file!.content);
      on(vm, `modprobe drbd && drbdadm -- --force create-md ${RES} >/dev/null 2>&1 && drbdadm up ${RES}`);
    }
    await until("Connected on both", () => vms.every((v) => state(v).startsWith("Connected")), 60_000);
    // New empty disks: no initial sync needed (LAB.md), then both UpToDate.
    on(vms[0]!, `drbdadm -- --clear-bitmap new-current-uuid ${RES}`);
    await until("UpToDate on both", () => vms.every((v) => state(v) === "Connected Secondary/Secondary UpToDate/UpToDate"), 60_000);
    expect(on(vms[0]!, "cat /proc/drbd")).toMatch(/ C r----/);
    // cram-hmac-alg sha256 with the secrets file's shared secret: each side proved it knows it.
    for (const vm of vms) expect(on(vm, "dmesg")).toMatch(/Peer authenticated using 32 bytes HMAC/);
  });

  it("a write the primary acknowledged is on the peer when the primary's VM is killed (zero loss)", async () => {
    const [a, b] = vms as [Vm, Vm];
    on(a, `drbdadm primary ${RES} && mkfs.ext4 -q /dev/drbd0 && mkdir -p /srv/db && mount /dev/drbd0 /srv/db`);
    // Each record appended with O_SYNC: the number is printed only once the write returned.
    const writer = spawn("ssh", ["-i", img.key, "-p", String(a.sshPort), "-o", `UserKnownHostsFile=${img.dir}/known_hosts`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "root@127.0.0.1",
      "i=0; while true; do i=$((i+1)); printf '%s\\n' $i | dd of=/srv/db/records oflag=append,sync conv=notrunc status=none || exit 1; echo $i; done"]);
    let acked = 0;
    let buf = "";
    writer.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const l of lines) if (/^\d+$/.test(l)) acked = Number(l);
    });
    await until("200 acknowledged records", () => acked >= 200, 120_000);
    await crashVm(a);
    const last = acked;
    writer.kill("SIGKILL");
    await until(`${b.name} sees its peer gone`, () => !state(b).startsWith("Connected"), 60_000);
    on(b, `drbdadm primary ${RES} && mkdir -p /srv/db && mount /dev/drbd0 /srv/db`);
    const records = on(b, "cat /srv/db/records").trim().split("\n").map(Number);
    // Every acknowledged record, in order, nothing doubled (the last one may be a record the
    // primary wrote but had not acknowledged yet).
    expect(records.slice(0, last)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(records.length - last).toBeLessThanOrEqual(1);
  });

  it("the killed server comes back behind the survivor and resyncs from it", async () => {
    const [a, b] = vms as [Vm, Vm];
    on(b, "dd if=/dev/urandom of=/srv/db/blob bs=1M count=16 status=none && sync");
    await startVm(img, a, opts);
    on(a, `modprobe drbd && drbdadm up ${RES}`);
    await until(`${a.name} back in sync`, () => state(a) === "Connected Secondary/Primary UpToDate/UpToDate", 180_000);
    // Its current data generation is the survivor's previous one: simply behind, no split
    // brain (it never wrote after losing its peer), so it became the sync target.
    expect(on(a, "dmesg")).toMatch(/Began resync as SyncTarget/);
    expect(on(a, "dmesg")).not.toMatch(/Split-Brain/);
    expect(state(b)).toBe("Connected Primary/Secondary UpToDate/UpToDate");
  });

  it("a planned switchover keeps every byte", () => {
    const [a, b] = vms as [Vm, Vm];
    const sum = on(b, "sync; sha256sum /srv/db/blob /srv/db/records");
    on(b, `umount /srv/db && drbdadm secondary ${RES}`);
    on(a, `drbdadm primary ${RES} && mkdir -p /srv/db && mount /dev/drbd0 /srv/db`);
    expect(on(a, "sha256sum /srv/db/blob /srv/db/records")).toBe(sum);
  });

  it("a split brain (link cut, both sides wrote) is settled by the generated policy: the secondary's writes are discarded", async () => {
    const [a, b] = vms as [Vm, Vm];
    // a is primary (the switchover above). Pull b's replication cable (carrier off; an
    // `ip link set down` instead takes the address away and DRBD goes StandAlone).
    await setVmLink(b, "down");
    await until("both see the link gone", () => vms.every((v) => !state(v).startsWith("Connected")), 60_000);
    on(a, "echo a > /srv/db/only-on-a && sync");
    // b is promoted on its own (what a cluster without fencing would do), writes, steps down.
    on(b, `drbdadm primary ${RES} && mount /dev/drbd0 /srv/db && echo b > /srv/db/only-on-b && sync && umount /srv/db && drbdadm secondary ${RES}`);
    await setVmLink(b, "up");
    await until("connected and in sync again", () => state(b) === "Connected Secondary/Primary UpToDate/UpToDate", 180_000);
    // after-sb-1pri discard-secondary: b's changes lost, a's kept.
    expect(on(b, "dmesg")).toMatch(/Split-Brain detected, 1 primaries, automatically solved\. Sync from peer node/);
    on(a, `umount /srv/db && drbdadm secondary ${RES}`);
    on(b, `drbdadm primary ${RES} && mount /dev/drbd0 /srv/db`);
    expect(on(b, "ls /srv/db")).toMatch(/only-on-a/);
    expect(on(b, "ls /srv/db")).not.toMatch(/only-on-b/);
  });
});
