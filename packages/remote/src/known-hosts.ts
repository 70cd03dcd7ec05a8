import { createHash, createHmac } from "node:crypto";

/*
 * known_hosts, read the way OpenSSH does: plain and hashed (|1|salt|hash) names, [host]:port
 * for non-22 ports, @revoked lines. Pure functions over the file's text.
 */

export interface KnownKey {
  readonly type: string;
  readonly blob: Buffer;
  readonly revoked: boolean;
}

const nameFor = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

function nameMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt = "", hash = ""] = pattern.split("|");
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  return pattern.split(",").some((p) => p === name);
}

/** Keys known for any of `names` (host name, address...) at `port`. */
export function knownKeys(text: string, names: readonly string[], port: number): KnownKey[] {
  const wanted = names.map((n) => nameFor(n, port));
  const out: KnownKey[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const parts = line.split(/\s+/);
    let revoked = false;
    if (parts[0]?.startsWith("@")) {
      const marker = parts.shift();
      if (marker === "@cert-authority") continue;
      revoked = marker === "@revoked";
    }
    const [hosts = "", type = "", key = ""] = parts;
    const hostPatterns = hosts.startsWith("|1|") ? [hosts] : hosts.split(",");
    if (!wanted.some((w) => hostPatterns.some((p) => nameMatches(p, w)))) continue;
    out.push({ type, blob: Buffer.from(key, "base64"), revoked });
  }
  return out;
}

/** OpenSSH's fingerprint: SHA256:base64-without-padding of the key blob. */
export const fingerprint = (blob: Buffer): string =>
  `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;

/** The key type written inside a key blob (string length + name). */
export function blobType(blob: Buffer): string {
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString();
}

export type HostKeyVerdict =
  | { readonly ok: true; readonly how: "known" | "trusted-new"; readonly line?: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The decision, pure: a known matching key passes; a known host presenting another key
 * always fails (changed key); an unknown host passes only with trust-on-first-use.
 */
export function verifyHostKey(
  text: string,
  names: readonly string[],
  port: number,
  presented: Buffer,
  trustOnFirstUse: boolean,
): HostKeyVerdict {
  const known = knownKeys(text, names, port);
  const fp = fingerprint(presented);
  if (known.some((k) => k.revoked && k.blob.equals(presented)))
    return { ok: false, reason: `the host key of ${names[0] ?? "?"} (${fp}) is revoked in known_hosts` };
  if (known.some((k) => !k.revoked && k.blob.equals(presented))) return { ok: true, how: "known" };
  if (known.some((k) => !k.revoked)) {
    const expected = known
      .filter((k) => !k.revoked)
      .map((k) => `${k.type} ${fingerprint(k.blob)}`)
      .join(", ");
    return {
      ok: false,
      reason: `HOST KEY CHANGED for ${names.join("/")}: known_hosts has ${expected}, the host presented ${blobType(presented)} ${fp}. This can be an attack or a reinstalled host; nothing was changed.\n  fix: check the new fingerprint on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_${blobType(presented).replace("ssh-", "")}_key.pub), then remove the old line (ssh-keygen -R ${names[0] ?? ""})`,
    };
  }
  if (trustOnFirstUse) {
    return {
      ok: true,
      how: "trusted-new",
      line: `${names.map((n) => nameFor(n, port)).join(",")} ${blobType(presented)} ${presented.toString("base64")}`,
    };
  }
  return {
    ok: false,
    reason: `unknown host key for ${names.join("/")}: ${blobType(presented)} ${fp}\n  fix: check this fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and add the key to known_hosts, or re-run with --trust-new-hosts to accept it once`,
  };
}
