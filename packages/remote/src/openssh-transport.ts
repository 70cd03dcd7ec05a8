import { LocalTransport } from "./local.js";
import type { SshTarget } from "./ssh2-transport.js";
import { shq, type ExecOptions, type ExecResult } from "./transport.js";

/**
 * ssh's own failures before the remote command could start (nothing ran on the host): the port
 * closed for a moment (sshd re-executing itself on a reload), sshd shedding connections before
 * the key exchange (MaxStartups). Only these are retried. "Connection closed/reset by ..."
 * alone is not: ssh says it too when a running session breaks, and the command may have run.
 */
export const sshNeverStarted = (r: ExecResult): boolean =>
  r.code === 255 &&
  r.stdout === "" &&
  /^(ssh: connect to host .*: Connection refused|kex_exchange_identification: .*)\s*$/m.test(r.stderr);

const RETRIES = [250, 500, 1000, 2000, 4000];

export interface OpenSshTarget extends Pick<
  SshTarget,
  "host" | "address" | "port" | "user" | "knownHostsFile" | "identityFile" | "trustOnFirstUse"
> {
  /** Log in with Kerberos (GSSAPI) only: no key file, the user's ticket, for host/<this name>. */
  readonly gssapi?: { readonly serverName: string };
  /** ProxyJump, as ssh -J takes it. */
  readonly jump?: string;
}

/** The ssh command line for a target (the remote command is one quoted word: no secrets ever in it). */
export function opensshArgv(t: OpenSshTarget, command: string): string[] {
  const remote = `${t.user === "root" ? "" : "sudo -n -- "}/bin/sh -c ${shq(command)}`;
  return [
    "ssh",
    "-T",
    "-o",
    "BatchMode=yes",
    "-o",
    `StrictHostKeyChecking=${t.trustOnFirstUse ? "accept-new" : "yes"}`,
    "-o",
    `UserKnownHostsFile=${t.knownHostsFile}`,
    "-o",
    "ConnectTimeout=10",
    "-o",
    "ServerAliveInterval=5",
    "-p",
    String(t.port),
    ...(t.identityFile && !t.gssapi ? ["-i", t.identityFile, "-o", "IdentitiesOnly=yes"] : []),
    // The ticket only: no key, no agent, no password; the admin's TGT is not forwarded to the host.
    ...(t.gssapi
      ? [
          "-o",
          "GSSAPIAuthentication=yes",
          "-o",
          "PreferredAuthentications=gssapi-with-mic",
          "-o",
          `GSSAPIServerIdentity=${t.gssapi.serverName}`,
          "-o",
          "GSSAPIDelegateCredentials=no",
          "-o",
          "PubkeyAuthentication=no",
          "-o",
          "IdentityAgent=none",
        ]
      : []),
    ...(t.jump ? ["-J", t.jump] : []),
    `${t.user}@${t.address}`,
    remote,
  ];
}

/**
 * The system OpenSSH client: GSSAPI/Kerberos logins, users' ssh_config, ProxyJump. Strict
 * host key checking against the given known_hosts, BatchMode (never a password prompt).
 */
export class OpenSshTransport extends LocalTransport {
  constructor(t: OpenSshTarget) {
    super(t.host, (command) => opensshArgv(t, command));
  }

  override async exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
    let r = await super.exec(command, o);
    for (const ms of RETRIES) {
      if (!sshNeverStarted(r)) return r;
      await new Promise((done) => setTimeout(done, ms));
      r = await super.exec(command, o);
    }
    return r;
  }
}
