import { OarHaError, dbServers, sleep, withServiceLib, type DrbdStorage } from "@oar-ha/core";
import { backingDevice, loopDevice } from "@oar-ha/drbd-config";
import type { Step } from "../executor.js";
import { hostScript, keyValues } from "../host-script.js";
import { run, shq } from "../transport.js";
import PROBE from "../scripts/drbd-probe.sh";
import PREPARE from "../scripts/drbd-prepare.sh";
import CREATE_MD from "../scripts/drbd-create-md.sh";
import { STATE_DIR, tr, type DeployContext } from "./context.js";
import type { Problem } from "./preflight.js";
import { drbdState, drbdStorage, type DrbdState } from "./drbd-state.js";

/*
 * DRBD deployed by apply: the backing store (an LV made in the site's VG, or a loop file), the
 * metadata (only on a device that holds nothing), the resource up on both DB servers, the
 * initial sync (skipped only when both devices read as zeros), then the DB bootstrap puts a
 * filesystem and the database on it. Every step checks the real state first: a re-run on a
 * converged cluster changes nothing and never re-creates metadata or re-syncs.
 */

/** The unit that re-attaches a loop backing file at boot (rendered by @oar-ha/drbd-config). */
export const LOOP_UNIT = "oar-ha-drbd-loop.service";

const SIZE_UNITS: Record<string, number> = { M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
/** "512M" in bytes. */
export const sizeBytes = (size: string): number =>
  Number(size.slice(0, -1)) * (SIZE_UNITS[size.slice(-1)] ?? Number.NaN);

/** The variables every DRBD host script takes. */
export function drbdVars(s: DrbdStorage): Record<string, string | number> {
  const b = s.backing;
  return {
    RES: s.resource,
    KIND: b.kind,
    DEV: backingDevice(s),
    STATE: STATE_DIR,
    ...(b.kind === "lvm" ? { VG: b.volumeGroup, LV: b.name, SIZE: b.size } : {}),
    ...(b.kind === "loop"
      ? { FILE: b.file, SIZE: b.size, LOOP: loopDevice(s), LOOP_MINOR: 100 + s.minor, UNIT: LOOP_UNIT }
      : {}),
  };
}

const wipeFix = (dev: string) =>
  `if nothing on it is needed, wipe it yourself (wipefs -a ${dev}; for DRBD metadata also drbdadm wipe-md), or point storage.backing at an empty device; oar-ha never overwrites data`;

/**
 * What the preflight refuses, from one server's probe (pure): a backing store that holds a
 * filesystem, DRBD metadata oar-ha did not create, or data; a volume group missing or
 * without room; a loop file that exists with something in it.
 */
export function backingProblems(host: string, s: DrbdStorage, probe: Readonly<Record<string, string>>): Problem[] {
  // Metadata oar-ha created (or was creating when interrupted): this cluster's own device.
  if (probe.md === "ours" || probe.md === "creating") return [];
  const b = s.backing;
  const dev = backingDevice(s);
  const out: Problem[] = [];
  if (b.kind === "lvm") {
    if (probe.vg === "missing") {
      return [
        {
          host,
          message: `volume group ${b.volumeGroup} does not exist (storage.backing.volumeGroup)`,
          fix: `create it on a spare disk (vgcreate ${b.volumeGroup} /dev/sdX), or name an existing one`,
        },
      ];
    }
    if (probe.lv === "missing") {
      const free = Number(probe.vg_free ?? "0");
      if (free < sizeBytes(b.size)) {
        out.push({
          host,
          message: `volume group ${b.volumeGroup} has ${(free / 2 ** 20).toFixed(0)} MiB free, the DRBD volume needs ${b.size} (storage.backing.size)`,
          fix: `extend the volume group (vgextend) or lower storage.backing.size`,
        });
      }
      return out;
    }
  }
  if (b.kind === "loop" && probe.file === "missing") {
    const free = Number(probe.dir_free ?? "0");
    if (free < sizeBytes(b.size))
      out.push({
        host,
        message: `the filesystem of ${b.file} has ${(free / 2 ** 20).toFixed(0)} MiB free, the loop file needs ${b.size}`,
        fix: "free space there, lower storage.backing.size, or move storage.backing.file",
      });
    return out;
  }
  if (probe.device === "missing") {
    out.push({
      host,
      message: `the DRBD backing device ${dev} does not exist`,
      fix: "attach the disk or partition (or correct storage.backing) before apply",
    });
    return out;
  }
  const where =
    b.kind === "loop" ? `the loop file ${b.file}` : b.kind === "lvm" ? `the logical volume ${dev}` : `${dev}`;
  const sig = probe.signature ?? "";
  if (sig === "drbd")
    out.push({
      host,
      message: `${where} holds DRBD metadata that this cluster did not create (another resource's, or an earlier installation's)`,
      fix: wipeFix(dev),
    });
  else if (sig)
    out.push({
      host,
      message: `${where} holds a ${sig} ${/^(ext[234]|xfs|btrfs|vfat|swap)$/.test(sig) ? "filesystem" : "signature"}`,
      fix: wipeFix(dev),
    });
  else if (probe.data === "nonzero")
    out.push({
      host,
      message: `${where} holds data (no known signature, but its first MiB is not zeros)`,
      fix: wipeFix(dev),
    });
  return out;
}

/** Every DB server's backing store, probed (read-only); the problems found. */
export async function drbdPreflight(ctx: DeployContext): Promise<Problem[]> {
  const s = drbdStorage(ctx.cluster);
  if (!s) return [];
  const out: Problem[] = [];
  for (const n of dbServers(ctx.cluster)) {
    // Quick, unless a killed apply's metadata run still goes on there: the probe waits for it.
    const r = await tr(ctx, n.name).exec(hostScript(PROBE, drbdVars(s)), { timeoutMs: 1_900_000 });
    if (r.code !== 0) {
      out.push({
        host: n.name,
        message: `cannot inspect the DRBD backing store: ${r.stderr.trim().slice(-300)}`,
        fix: "is drbd-utils installed? (apply installs it: run apply again once the host is reachable)",
      });
      continue;
    }
    out.push(...backingProblems(n.name, s, keyValues(r.stdout)));
  }
  return out;
}

/** The backing store exists: LV created, or loop file created and attached (and re-attached at boot). */
export function drbdBackingStep(ctx: DeployContext, host: string): Step {
  const s = drbdStorage(ctx.cluster)!;
  const b = s.backing;
  const check =
    b.kind === "lvm"
      ? `lvs ${shq(`${b.volumeGroup}/${b.name}`)} >/dev/null 2>&1 && [ -b ${shq(backingDevice(s))} ]`
      : b.kind === "loop"
        ? `losetup ${shq(loopDevice(s))} 2>/dev/null | grep -qF ${shq(`(${b.file})`)} && { [ ! -d /run/systemd/system ] || systemctl is-enabled --quiet ${LOOP_UNIT}; }`
        : "true";
  return {
    id: `${host}:drbd:backing`,
    host,
    title:
      b.kind === "lvm"
        ? `DRBD backing volume ${b.volumeGroup}/${b.name}`
        : b.kind === "loop"
          ? `DRBD backing file ${b.file} on ${loopDevice(s)}`
          : `DRBD backing partition ${b.device}`,
    check: async () => (await tr(ctx, host).exec(check)).code === 0,
    act: async () => {
      await run(tr(ctx, host), hostScript(PREPARE, drbdVars(s)), { timeoutMs: 120_000 });
    },
  };
}

/** DRBD metadata, once, only on a backing device that holds nothing (checked again right before). */
export function drbdMetadataStep(ctx: DeployContext, host: string): Step {
  const s = drbdStorage(ctx.cluster)!;
  const dev = backingDevice(s);
  return {
    id: `${host}:drbd:metadata`,
    host,
    title: `DRBD metadata of ${s.resource} on ${dev}`,
    // Done = recorded and valid on the device (a marker alone once hid metadata that was never written).
    check: async () => (await tr(ctx, host).exec(hostScript(CREATE_MD, { ...drbdVars(s), CHECK: 1 }))).code === 0,
    act: async () => {
      const r = await tr(ctx, host).exec(hostScript(CREATE_MD, drbdVars(s)), { timeoutMs: 600_000 });
      if (r.code === 4 || r.code === 5) {
        throw new OarHaError(
          "OARHA111",
          `${host}: DRBD metadata not created: ${r.stderr.trim()}; nothing was written to it\n  fix: ${wipeFix(dev)}`,
        );
      }
      if (r.code !== 0)
        throw new OarHaError(
          "OARHA111",
          `${host}: drbdadm create-md ${s.resource} failed: ${r.stderr.trim().slice(-500)}\n  fix: read the message; drbdadm dump-md ${s.resource} shows what the device holds`,
        );
    },
  };
}

/**
 * The resource up (attached, connecting) on a DB server, running the resource file as it is
 * now (`drbdadm adjust`: a changed option applies online). Pacemaker's drbd agent owns
 * starting and stopping once the cluster runs: then only a resource that is up is adjusted.
 * Heartbeat's drbddisk only promotes and demotes: there DRBD's own boot service brings the
 * resource up (Secondary, connected) before Heartbeat, on every boot.
 */
export function drbdUpStep(ctx: DeployContext, host: string): Step {
  const s = drbdStorage(ctx.cluster)!;
  const hb = ctx.cluster.manager === "heartbeat";
  const res = shq(s.resource);
  const bootEnabled = withServiceLib("svc_boot_enabled drbd");
  // The dry run prints the drbdsetup calls adjust would make (the shared secret among them): only its emptiness is read.
  const current = `[ -z "$(drbdadm -d adjust ${res} 2>/dev/null)" ]`;
  return {
    id: `${host}:drbd:up`,
    host,
    title: `DRBD resource ${s.resource} up, as configured${hb ? ", and at boot" : ""}`,
    check: async () => {
      const t = tr(ctx, host);
      if (hb && (await t.exec(bootEnabled)).code !== 0) return false;
      const up = (await drbdState(t, host, s)).role !== "none";
      if (!up) return ctx.clusterRunning;
      return (await t.exec(current)).code === 0;
    },
    act: async () => {
      const boot = hb ? "\nsvc_boot_enable drbd" : "";
      const up = ctx.clusterRunning
        ? `if drbdadm role ${res} >/dev/null 2>&1; then drbdadm adjust ${res}; fi`
        : `modprobe drbd\ndrbdadm adjust ${res}`;
      const r = await tr(ctx, host).exec(withServiceLib(`set -e\n${up}${boot}`), { timeoutMs: 180_000 });
      // Never echo drbdadm's output here: its errors may quote the resource's options.
      if (r.code !== 0)
        throw new OarHaError(
          "OARHA111",
          `${host}: drbdadm adjust ${s.resource} failed (exit ${String(r.code)})\n  fix: on ${host}, drbdadm adjust ${s.resource} shows why`,
        );
    },
  };
}

/**
 * Both sides UpToDate. Two new devices that read as zeros (the metadata step looked) need no
 * sync: a new data generation without a bitmap. Otherwise the first DB server becomes the
 * sync source and apply waits, showing the progress. Interrupted, the sync goes on in the
 * kernel and a re-run waits for it.
 */
export function drbdInitialSyncStep(ctx: DeployContext, timeoutMs = 3_600_000): Step {
  const s = drbdStorage(ctx.cluster)!;
  const servers = dbServers(ctx.cluster).map((n) => n.name);
  const first = servers[0] ?? "";
  const states = () => Promise.all(servers.map((h) => drbdState(tr(ctx, h), h, s)));
  const upToDate = (xs: DrbdState[]) => xs.every((x) => x.disk === "UpToDate" && x.peerDisk === "UpToDate");
  return {
    id: "cluster:drbd:initial-sync",
    host: first,
    title: `DRBD ${s.resource}: both sides UpToDate (initial sync)`,
    check: async () => ctx.clusterRunning || upToDate(await states()),
    act: async () => {
      const end = Date.now() + timeoutMs;
      const connectEnd = Date.now() + 120_000;
      let xs = await states();
      while (!xs.every((x) => x.cstate === "Connected" || /^Sync/.test(x.cstate ?? ""))) {
        if (Date.now() > connectEnd) {
          throw new OarHaError(
            "OARHA407",
            `DRBD ${s.resource}: the servers did not connect in 120 s (${xs.map((x) => `${x.host} ${x.cstate ?? x.role}`).join(", ")})\n  fix: the replication link: ping the peer's replication address, port ${s.port}/tcp open both ways`,
          );
        }
        await sleep(1000);
        xs = await states();
      }
      if (xs.every((x) => x.disk === "Inconsistent" && x.peerDisk === "Inconsistent" && x.cstate === "Connected")) {
        const empty = await Promise.all(
          servers.map(async (h) =>
            (await tr(ctx, h).exec(`cat ${shq(`${STATE_DIR}/drbd-${s.resource}.md`)}`)).stdout.includes("empty=yes"),
          ),
        );
        if (empty.every(Boolean)) {
          ctx.log(`DRBD ${s.resource}: both backing devices read as zeros: no initial sync needed`);
          await run(tr(ctx, first), `drbdadm -- --clear-bitmap new-current-uuid ${shq(s.resource)}`, {
            timeoutMs: 60_000,
          });
        } else {
          ctx.log(`DRBD ${s.resource}: full initial sync from ${first} (a backing device held something)`);
          await run(tr(ctx, first), `drbdadm -- --force primary ${shq(s.resource)}`, { timeoutMs: 60_000 });
        }
      }
      let shown = "";
      for (;;) {
        xs = await states();
        if (upToDate(xs)) break;
        if (Date.now() > end)
          throw new OarHaError(
            "OARHA407",
            `DRBD ${s.resource}: initial sync not done after ${timeoutMs / 1000} s\n  fix: the replication link's speed; apply resumes the wait when re-run`,
          );
        const p = xs.find((x) => x.syncPercent !== undefined);
        const line = p
          ? `DRBD ${s.resource}: initial sync ${p.syncPercent}%${p.finish ? `, about ${p.finish} left` : ""}`
          : "";
        if (line && line !== shown) ctx.log((shown = line));
        await sleep(2000);
      }
      // The cluster manager decides who is Primary: leave both Secondary (nothing is mounted yet).
      for (const h of servers)
        if ((await drbdState(tr(ctx, h), h, s)).role === "Primary")
          await run(tr(ctx, h), `drbdadm secondary ${shq(s.resource)}`);
    },
  };
}
