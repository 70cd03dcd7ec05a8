import { createHash } from "node:crypto";

/*
 * MIT keytab files (format 0x0502), read and merged without ever holding a key longer than
 * needed: entries keep their raw bytes, only a digest of the key is exposed. Pure.
 *
 * File: 0x05 0x02, then records: int32 length (negative: a hole of that many bytes), then
 * uint16 components, realm, components (uint16-counted strings), uint32 name type, uint32
 * timestamp, uint8 kvno, uint16 enctype, uint16-counted key, and optionally a uint32 kvno
 * that supersedes the 8-bit one (kvno > 255).
 */

export interface KeytabEntry {
  /** service/host@REALM */
  readonly principal: string;
  readonly kvno: number;
  readonly enctype: number;
  /** sha256 of the key bytes, hex: compares keys without exposing them. */
  readonly keyDigest: string;
  /** The record as it is in the file (length prefix included). */
  readonly raw: Uint8Array;
}

export class KeytabError extends Error {}

export function parseKeytab(bytes: Uint8Array): KeytabEntry[] {
  return scan(bytes).entries;
}

/** Entries, and where the last one (or hole) ends: what follows is padding. */
function scan(bytes: Uint8Array): { entries: KeytabEntry[]; end: number } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 2 || b[0] !== 0x05) throw new KeytabError("not a keytab (it must start with 0x05)");
  if (b[1] !== 0x02)
    throw new KeytabError(
      `keytab format 0x05${b[1]!.toString(16).padStart(2, "0")} is not supported (only 0x0502, what MIT and Heimdal write)`,
    );
  const out: KeytabEntry[] = [];
  let at = 2;
  while (at + 4 <= b.length) {
    const size = b.readInt32BE(at);
    if (size === 0) break;
    if (size < 0) {
      at += 4 - size; // a hole left by a deleted entry
      continue;
    }
    const end = at + 4 + size;
    if (end > b.length) throw new KeytabError(`truncated keytab: an entry at byte ${at} runs past the end`);
    let p = at + 4;
    const u16 = () => {
      const v = b.readUInt16BE(p);
      p += 2;
      return v;
    };
    const str = () => {
      const n = u16();
      const s = b.toString("utf8", p, p + n);
      p += n;
      return s;
    };
    const n = u16();
    const realm = str();
    const comps = Array.from({ length: n }, str);
    p += 4; // name type
    p += 4; // timestamp
    let kvno = b.readUInt8(p);
    p += 1;
    const enctype = u16();
    const keyLen = u16();
    const key = b.subarray(p, p + keyLen);
    p += keyLen;
    if (p > end) throw new KeytabError(`malformed keytab entry at byte ${at}`);
    if (end - p >= 4) {
      const k32 = b.readUInt32BE(p);
      if (k32 !== 0) kvno = k32;
    }
    out.push({
      principal: `${comps.join("/")}@${realm}`,
      kvno,
      enctype,
      keyDigest: createHash("sha256").update(key).digest("hex"),
      raw: new Uint8Array(b.subarray(at, end)),
    });
    at = end;
  }
  return { entries: out, end: at };
}

const same = (a: KeytabEntry, b: KeytabEntry) =>
  a.principal === b.principal && a.kvno === b.kvno && a.enctype === b.enctype && a.keyDigest === b.keyDigest;

/** The highest kvno held for `principal`, undefined when absent. */
export function kvnoOf(entries: readonly KeytabEntry[], principal: string): number | undefined {
  const k = entries.filter((e) => e.principal === principal).map((e) => e.kvno);
  return k.length ? Math.max(...k) : undefined;
}

/** Entries of `wanted` principals from `source` that `target` does not hold yet (same kvno, enctype and key). */
export function missingEntries(
  target: readonly KeytabEntry[],
  source: readonly KeytabEntry[],
  wanted: readonly string[],
): KeytabEntry[] {
  return source.filter((e) => wanted.includes(e.principal) && !target.some((t) => same(t, e)));
}

/** `existing` (a host's keytab, possibly absent) with `add` appended: nothing it held is changed or removed. */
export function mergeKeytab(existing: Uint8Array | undefined, add: readonly KeytabEntry[]): Uint8Array {
  // Appended right after the last record: a zero length (padding) would hide what follows it.
  const base =
    existing && existing.length >= 2
      ? Buffer.from(existing).subarray(0, scan(existing).end)
      : Buffer.from([0x05, 0x02]);
  return Buffer.concat([base, ...add.map((e) => Buffer.from(e.raw))]);
}
