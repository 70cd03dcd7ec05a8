import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import type { DrbdStorage } from "@oar-ha/core";
import {
  backingProblems,
  drbdProblems,
  hostScript,
  keyValues,
  parseDrbdState,
  sizeBytes,
  splitBrainVerdict,
  type DrbdState,
} from "../src/index.js";
import PROBE from "../src/scripts/drbd-probe.sh";
import CREATE_MD from "../src/scripts/drbd-create-md.sh";
import STATE_SCRIPT_TEXT from "../src/scripts/drbd-state.sh";

const lvm: DrbdStorage = {
  ...drbdOf(exampleCluster()),
  backing: { kind: "lvm", volumeGroup: "vg0", name: "oar-ha", size: "512M" },
};
const part: DrbdStorage = { ...lvm, backing: { kind: "partition", device: "/dev/vdb1" } };
const loop: DrbdStorage = { ...lvm, backing: { kind: "loop", file: "/var/lib/oar-ha/drbd-backing.img", size: "512M" } };

function drbdOf(c: ReturnType<typeof exampleCluster>): DrbdStorage {
  if (c.storage.kind !== "drbd") throw new Error("the example cluster is on DRBD");
  return c.storage;
}

describe("DRBD backing store refusals (pure)", () => {
  it("accepts an empty device, and this cluster's own metadata (also half-created)", () => {
    expect(backingProblems("srv-a", part, { md: "none", device: "present", signature: "", data: "zero" })).toEqual([]);
    expect(
      backingProblems("srv-a", part, { md: "ours", device: "present", signature: "drbd", data: "nonzero" }),
    ).toEqual([]);
    expect(
      backingProblems("srv-a", part, { md: "creating", device: "present", signature: "", data: "nonzero" }),
    ).toEqual([]);
  });

  it("refuses a filesystem, foreign DRBD metadata, data, a missing device, naming host, device and what was found", () => {
    const [fs] = backingProblems("srv-b", part, { md: "none", device: "present", signature: "ext4", data: "nonzero" });
    expect(fs?.host).toBe("srv-b");
    expect(fs?.message).toBe("/dev/vdb1 holds a ext4 filesystem");
    expect(fs?.fix).toContain("wipefs -a /dev/vdb1");
    expect(
      backingProblems("srv-b", part, { md: "none", device: "present", signature: "drbd", data: "nonzero" })[0]?.message,
    ).toMatch(/DRBD metadata that this cluster did not create/);
    expect(
      backingProblems("srv-b", part, { md: "none", device: "present", signature: "", data: "nonzero" })[0]?.message,
    ).toMatch(/holds data/);
    expect(backingProblems("srv-b", part, { md: "none", device: "missing" })[0]?.message).toBe(
      "the DRBD backing device /dev/vdb1 does not exist",
    );
  });

  it("LVM: a missing VG, a VG without room; an existing LV is inspected like any device", () => {
    expect(backingProblems("srv-a", lvm, { md: "none", vg: "missing" })[0]?.message).toMatch(
      /volume group vg0 does not exist/,
    );
    const room = backingProblems("srv-a", lvm, {
      md: "none",
      vg: "present",
      lv: "missing",
      vg_free: String(100 * 2 ** 20),
    });
    expect(room[0]?.message).toBe(
      "volume group vg0 has 100 MiB free, the DRBD volume needs 512M (storage.backing.size)",
    );
    expect(
      backingProblems("srv-a", lvm, { md: "none", vg: "present", lv: "missing", vg_free: String(512 * 2 ** 20) }),
    ).toEqual([]);
    expect(
      backingProblems("srv-a", lvm, {
        md: "none",
        vg: "present",
        lv: "present",
        device: "present",
        signature: "xfs",
      })[0]?.message,
    ).toBe("the logical volume /dev/vg0/oar-ha holds a xfs filesystem");
  });

  it("loop: a file that exists with data is refused, a new one needs room", () => {
    expect(
      backingProblems("srv-a", loop, {
        md: "none",
        file: "present",
        device: "present",
        signature: "",
        data: "nonzero",
      })[0]?.message,
    ).toBe(
      "the loop file /var/lib/oar-ha/drbd-backing.img holds data (no known signature, but its first MiB is not zeros)",
    );
    expect(
      backingProblems("srv-a", loop, { md: "none", file: "missing", dir_free: String(10 * 2 ** 20) })[0]?.message,
    ).toMatch(/has 10 MiB free, the loop file needs 512M/);
    expect(
      backingProblems("srv-a", loop, { md: "none", file: "present", device: "present", signature: "", data: "zero" }),
    ).toEqual([]);
  });

  it("sizes in binary units", () => {
    expect(sizeBytes("512M")).toBe(536_870_912);
    expect(sizeBytes("2G")).toBe(2_147_483_648);
    expect(sizeBytes("1T")).toBe(1_099_511_627_776);
  });
});

const st = (host: string, role: string, cstate: string, disks: string, extra: Partial<DrbdState> = {}): DrbdState => {
  const [disk = "", peerDisk = ""] = disks.split("/");
  return { host, role, peerRole: role === "Primary" ? "Secondary" : "Primary", cstate, disk, peerDisk, ...extra };
};

describe("DRBD state (pure)", () => {
  it("reads drbd-state.sh's output", () => {
    const x = parseDrbdState(
      "srv-a",
      "role=Secondary/Primary\ncstate=SyncTarget\ndstate=Inconsistent/UpToDate\noos_kib=123904\nsync=45.2\nfinish=0:00:12\n",
    );
    expect(x).toEqual({
      host: "srv-a",
      role: "Secondary",
      peerRole: "Primary",
      cstate: "SyncTarget",
      disk: "Inconsistent",
      peerDisk: "UpToDate",
      outOfSyncKiB: 123904,
      syncPercent: 45.2,
      finish: "0:00:12",
    });
    expect(parseDrbdState("srv-a", "role=none\n")).toEqual({ host: "srv-a", role: "none" });
  });

  it("healthy: one Primary, Connected, UpToDate on both", () => {
    expect(
      drbdProblems(
        [
          st("srv-a", "Primary", "Connected", "UpToDate/UpToDate"),
          st("srv-b", "Secondary", "Connected", "UpToDate/UpToDate"),
        ],
        true,
      ),
    ).toEqual([]);
  });

  it("unhealthy, with the reason: StandAlone, Diskless, Inconsistent, a resync with its progress, two Primaries, none while serving", () => {
    const two = drbdProblems(
      [
        st("srv-a", "Primary", "StandAlone", "UpToDate/DUnknown"),
        st("srv-b", "Primary", "StandAlone", "UpToDate/DUnknown"),
      ],
      true,
    );
    expect(two).toContain("two DRBD Primaries (srv-a, srv-b): split brain");
    expect(two).toContain("srv-a: DRBD StandAlone (it will not reconnect by itself)");
    expect(drbdProblems([st("srv-b", "Secondary", "Connected", "Diskless/UpToDate")], false)).toEqual([
      "srv-b: DRBD disk Diskless",
    ]);
    const sync = drbdProblems(
      [st("srv-b", "Secondary", "SyncTarget", "Inconsistent/UpToDate", { syncPercent: 45.2, finish: "0:00:12" })],
      false,
    );
    expect(sync).toEqual([
      "srv-b: DRBD resync running (SyncTarget, 45.2%, about 0:00:12 left)",
      "srv-b: DRBD disk Inconsistent",
    ]);
    expect(
      drbdProblems(
        [
          st("srv-a", "Secondary", "Connected", "UpToDate/UpToDate"),
          st("srv-b", "Secondary", "Connected", "UpToDate/UpToDate"),
        ],
        true,
      ),
    ).toEqual(["no DRBD Primary while the database runs"]);
    expect(drbdProblems([{ host: "srv-b", role: "none" }], false)).toEqual([
      "srv-b: DRBD resource not up (no replication to or from this server)",
    ]);
    expect(drbdProblems([st("srv-a", "Secondary", "WFConnection", "UpToDate/DUnknown")], false)).toEqual([
      "srv-a: DRBD WFConnection (peer not connected)",
    ]);
  });
});

describe("host scripts get their values one way", () => {
  it("quotes every value and refuses a variable name that is not one", () => {
    expect(hostScript('echo "$A"', { A: "it's $(x)", B: 7 })).toBe("A='it'\\''s $(x)'\nB='7'\necho \"$A\"");
    const r = spawnSync("sh", ["-c", hostScript('printf %s "$A"', { A: "it's $(rm -rf /) `x`" })], {
      encoding: "utf8",
    });
    expect(r.stdout).toBe("it's $(rm -rf /) `x`");
    expect(() => hostScript("true", { "A;rm": "x" })).toThrow(/upper-case/);
    expect(keyValues("a=1\nb=x=y\nnoise\n")).toEqual({ a: "1", b: "x=y" });
  });
});

/*
 * The probe and the metadata script on real files with the real tools (blkid, cmp, mkfs):
 * what they see, and that a refused device is left byte for byte as it was.
 */
describe("DRBD backing scripts on real files", () => {
  const dir = mkdtempSync(join(tmpdir(), "oar-ha-drbd-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sh = (script: string) => spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: 60_000 });
  const file = (name: string, fill: (p: string) => void) => {
    const p = join(dir, name);
    spawnSync("truncate", ["-s", "8M", p]);
    fill(p);
    return p;
  };
  const probe = (dev: string) =>
    keyValues(sh(hostScript(PROBE, { RES: "t0", KIND: "partition", DEV: dev, STATE: join(dir, "state") })).stdout);
  const sum = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

  it("sees an empty device, a filesystem, and data", () => {
    const empty = file("empty.img", () => undefined);
    const ext4 = file("ext4.img", (p) => spawnSync("mkfs.ext4", ["-q", "-F", p]));
    const data = file("data.img", (p) => writeFileSync(p, Buffer.alloc(4096, 0x5a), { flag: "r+" }));
    expect(probe(empty)).toMatchObject({ md: "none", device: "present", signature: "", data: "zero" });
    expect(probe(ext4)).toMatchObject({ device: "present", signature: "ext4" });
    expect(probe(data)).toMatchObject({ device: "present", signature: "", data: "nonzero" });
    expect(probe(join(dir, "absent"))).toMatchObject({ device: "missing" });
  });

  it("the probe waits for a metadata run still going (its lock) and reads the markers after it, creating no lock itself", async () => {
    const state = join(dir, "state-lock");
    mkdirSync(state, { recursive: true });
    const dev = file("racing.img", () => undefined);
    const probeIn = () =>
      keyValues(sh(hostScript(PROBE, { RES: "t1", KIND: "partition", DEV: dev, STATE: state })).stdout);
    // No earlier run: no lock file, and the probe makes none.
    expect(probeIn()).toMatchObject({ md: "none" });
    expect(existsSync(join(state, "drbd-t1.lock"))).toBe(false);
    // A killed apply's create-md still running: it holds the lock 1.5 s, then leaves its marker.
    const { spawn } = await import("node:child_process");
    const run = spawn("sh", [
      "-c",
      `exec 9>"${state}/drbd-t1.lock"; flock 9; : > "${state}/locked"; sleep 1.5; echo empty=yes > "${state}/drbd-t1.md"`,
    ]);
    for (let i = 0; i < 100 && !existsSync(join(state, "locked")); i++) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    expect(probeIn()).toMatchObject({ md: "ours" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    await new Promise((r) => (run.exitCode === null ? run.on("exit", r) : r(undefined)));
  });

  it("create-md refuses a filesystem (exit 4) and data (exit 5) and writes nothing", () => {
    const ext4 = file("ext4b.img", (p) => spawnSync("mkfs.ext4", ["-q", "-F", p]));
    const data = file("datab.img", (p) => writeFileSync(p, Buffer.alloc(4096, 0x5a), { flag: "r+" }));
    for (const [p, code, why] of [
      [ext4, 4, "holds a ext4 signature"],
      [data, 5, "holds data"],
    ] as const) {
      const before = sum(p);
      const r = sh(hostScript(CREATE_MD, { RES: "t0", DEV: p, STATE: join(dir, "state") }));
      expect(r.status, r.stderr).toBe(code);
      expect(r.stderr).toContain(why);
      expect(sum(p)).toBe(before);
    }
  });

  it("create-md trusts what reads back, not drbdadm's exit code; CHECK=1 tells done from not done", () => {
    // drbd-utils 9.22's drbdadm create-md exits 0 without writing when its stderr is a dead SSH
    // channel (seen on the VM lab after a killed apply). A stand-in drbdadm does the same here.
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    const fake = (dumpMd: number) => {
      writeFileSync(
        join(bin, "drbdadm"),
        `#!/bin/sh\ncase "$*" in *create-md*) exit 0 ;; *dstate*) exit 10 ;; *dump-md*) exit ${dumpMd} ;; esac\nexit 1\n`,
        { mode: 0o755 },
      );
      writeFileSync(join(bin, "modprobe"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    };
    const dev = file("empty-md.img", () => undefined);
    const state = join(dir, "state-md");
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
    const run = (vars: Record<string, string | number>) =>
      spawnSync("sh", ["-c", hostScript(CREATE_MD, { RES: "t1", DEV: dev, STATE: state, ...vars })], {
        encoding: "utf8",
        env,
        timeout: 60_000,
      });
    fake(255);
    const lost = run({});
    expect(lost.status).toBe(1);
    expect(lost.stderr).toContain("reported success, but");
    expect(existsSync(join(state, "drbd-t1.md"))).toBe(false);
    expect(run({ CHECK: 1 }).status).toBe(1);
    fake(0);
    expect(run({}).status).toBe(0);
    expect(readFileSync(join(state, "drbd-t1.md"), "utf8")).toBe("empty=yes\n");
    expect(run({ CHECK: 1 }).status).toBe(0);
    // Recorded, but the metadata vanished: not done, and the next run writes it again.
    fake(255);
    expect(run({ CHECK: 1 }).status).toBe(1);
  });
});

describe("split brain verdict (pure)", () => {
  const st = (host: string, role: string, cstate: string, extra: object = {}) => ({
    host,
    role,
    cstate,
    disk: "UpToDate",
    ...extra,
  });
  const expectVerdict = (states: DrbdState[], split: boolean, reason: RegExp) => {
    const v = splitBrainVerdict(states);
    expect(v.split).toBe(split);
    expect(v.reason).toMatch(reason);
  };
  it("two Primaries, or DRBD's own unresolved split-brain flag, is a split brain", () => {
    expectVerdict(
      [st("a", "Primary", "StandAlone"), st("b", "Primary", "StandAlone")],
      true,
      /both servers are DRBD Primary \(a, b\)/,
    );
    expectVerdict(
      [st("a", "Primary", "WFConnection"), st("b", "Secondary", "StandAlone", { splitBrain: true })],
      true,
      /kernel log of b/,
    );
  });
  it("connected, merely disconnected, or unknown is not (and says which)", () => {
    expectVerdict([st("a", "Primary", "Connected"), st("b", "Secondary", "Connected")], false, /connected/);
    expectVerdict(
      [st("a", "Primary", "WFConnection"), st("b", "Secondary", "WFConnection")],
      false,
      /reconnects by itself/,
    );
    expectVerdict([st("a", "Primary", "WFConnection"), { host: "b", role: "unknown" }], false, /cannot tell.*b/);
  });
});

describe("drbd-state.sh and the kernel log's split brain (real sh, stand-in drbdadm and dmesg)", () => {
  const bin = mkdtempSync(join(tmpdir(), "oar-ha-drbd-state-"));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const SB = "[ 10.0] block drbd0: Split-Brain detected but unresolved, dropping connection!";
  const CONNECTED = "[ 99.0] drbd oar-db: conn( WFReportParams -> Connected ) peer( Unknown -> Secondary )";
  function state(cstate: string, log: readonly string[]): string {
    writeFileSync(
      join(bin, "drbdadm"),
      `#!/bin/sh\ncase "$1" in role) echo Secondary/Unknown ;; cstate) echo ${cstate} ;; dstate) echo UpToDate/DUnknown ;; sh-minor) echo 0 ;; esac\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(bin, "log"), log.map((l) => `${l}\n`).join(""));
    writeFileSync(join(bin, "dmesg"), `#!/bin/sh\ncat ${join(bin, "log")}\n`, { mode: 0o755 });
    const r = spawnSync("sh", ["-c", hostScript(STATE_SCRIPT_TEXT, { RES: "oar-db" })], {
      encoding: "utf8",
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    return r.stdout;
  }

  it("StandAlone after a split brain: unresolved", () => {
    expect(state("StandAlone", [SB])).toMatch(/^splitbrain=unresolved$/m);
  });

  it("a split brain resolved since (the resource connected after it) is not reported, even when StandAlone again", () => {
    expect(state("StandAlone", [SB, CONNECTED])).not.toMatch(/splitbrain/);
  });

  it("a connected resource has no split brain, whatever the log says", () => {
    expect(state("Connected", [SB])).not.toMatch(/splitbrain/);
  });
});
