import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throw-away sshd on 127.0.0.1 for transport tests: its own host key, one authorized client key. */
export interface Sshd {
  readonly port: number;
  readonly dir: string;
  readonly clientKey: string;
  readonly hostKeyPub: string;
  readonly knownHosts: string;
  stop(): Promise<void>;
}

const keygen = (file: string) =>
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { stdio: "ignore" });

export async function startSshd(port: number): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), "oar-ha-sshd-"));
  keygen(join(dir, "host_key"));
  keygen(join(dir, "client_key"));
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")));
  mkdirSync("/run/sshd", { recursive: true });
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${dir}/host_key`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "",
    ].join("\n"),
  );
  const hostKeyPub = readFileSync(join(dir, "host_key.pub"), "utf8").trim();
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKeyPub.split(" ").slice(0, 2).join(" ")}\n`);
  const proc: ChildProcess = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => (s.destroy(), r(true)));
      s.on("error", () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    clientKey: join(dir, "client_key"),
    hostKeyPub,
    knownHosts,
    stop: () =>
      new Promise((r) => {
        proc.once("exit", () => r());
        proc.kill("SIGTERM");
      }),
  };
}
