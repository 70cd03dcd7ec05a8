import { existsSync, readFileSync } from "node:fs";
import { exec } from "./exec.js";

/** An ed25519 key pair made by ssh-keygen, once: an existing key is kept. */
export async function ensureKey(path: string, comment: string): Promise<string> {
  if (!existsSync(path)) await exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  return readFileSync(`${path}.pub`, "utf8").trim();
}

/** known_hosts lines for a host's public keys, under its name and its address. */
export function knownHostsLines(names: readonly string[], hostKeysPub: readonly string[]): string[] {
  return hostKeysPub.map((k) => `${names.join(",")} ${k.split(" ").slice(0, 2).join(" ")}`);
}
