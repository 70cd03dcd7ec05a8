import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
  readFileSync,
} from "node:fs";
import { dirname } from "node:path";
import type { ListFiles, LocalFile, ReceiverState, ReplicaStore } from "./replica.js";

/*
 * The real files behind the pure logic: the receiver's replica and its state (fsynced, the
 * state replaced by rename), and the shipper's view of oar.log and its rotated copy.
 */

/** Opens, does `op`, fsyncs, closes: every change the receiver makes is on disk when it returns. */
function synced(path: string, flags: string, op: (fd: number) => void, mode?: number): void {
  const fd = openSync(path, flags, mode);
  try {
    op(fd);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const sizeOf = (path: string): number | undefined => {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
};

/**
 * The replica of one peer's log at `path`, its state beside it (`path.state.json`). Rotated
 * replicas are `path.1` (newest) to `path.<keep>`; logrotate is not involved: the receiver
 * rotates inside its commit protocol, so a rotation never loses or doubles a line.
 */
export function fileStore(path: string, o: { keep?: number } = {}): ReplicaStore {
  const statePath = `${path}.state.json`;
  const keep = Math.max(1, o.keep ?? 5);
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  if (!existsSync(path)) writeFileSync(path, "", { mode: 0o640 });
  return {
    length: () => Promise.resolve(sizeOf(path) ?? 0),
    rotatedLength: () => Promise.resolve(sizeOf(`${path}.1`)),
    rotate: () => {
      for (let i = keep; i >= 1; i--) {
        const from = i === 1 ? path : `${path}.${i - 1}`;
        if (existsSync(from)) renameSync(from, `${path}.${i}`);
      }
      synced(path, "w", () => undefined, 0o640);
      synced(dirname(path), "r", () => undefined);
      return Promise.resolve();
    },
    append: (data) => Promise.resolve(synced(path, "a", (fd) => writeSync(fd, data), 0o640)),
    truncate: (length) => Promise.resolve(synced(path, "r+", (fd) => ftruncateSync(fd, length))),
    readState: () =>
      Promise.resolve(
        existsSync(statePath) ? (JSON.parse(readFileSync(statePath, "utf8")) as ReceiverState) : undefined,
      ),
    writeState: (s) => {
      // New state in a temporary file, renamed over the old one, the directory synced: atomic.
      synced(`${statePath}.tmp`, "w", (fd) => writeSync(fd, JSON.stringify(s)), 0o640);
      renameSync(`${statePath}.tmp`, statePath);
      synced(dirname(path), "r", () => undefined);
      return Promise.resolve();
    },
  };
}

/** A log file held open: every read sees the same inode even if logrotate renames it meanwhile. */
function openFile(path: string): (LocalFile & { readonly ino: number }) | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined; // gone between two rotations' steps: the next look sees the new layout
  }
  return {
    path,
    ino: fstatSync(fd).ino,
    size: () => Promise.resolve(fstatSync(fd).size),
    read: (offset, length) => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return Promise.resolve(new Uint8Array(buf.buffer, buf.byteOffset, n));
    },
    close: () => closeSync(fd),
  };
}

const inode = (path: string): number | undefined => {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
};

/**
 * oar.log and, when logrotate left it uncompressed (delaycompress), oar.log.1; compressed
 * older files are never read again. Both are held open from one consistent instant: if a
 * rotation moved a file while they were being opened (the old oar.log.1 opened, then the
 * new oar.log), they are opened again, else a generation could be in neither.
 */
export function logFiles(path: string): ListFiles {
  return () => {
    for (let attempt = 0; ; attempt++) {
      const files = [openFile(`${path}.1`), openFile(path)];
      const same = files.every((f, i) => {
        const p = i === 0 ? `${path}.1` : path;
        return f === undefined ? inode(p) === undefined : f.ino === inode(p);
      });
      if (same || attempt >= 20)
        return Promise.resolve(files.filter((f): f is LocalFile & { ino: number } => f !== undefined));
      for (const f of files) f?.close?.();
    }
  };
}
