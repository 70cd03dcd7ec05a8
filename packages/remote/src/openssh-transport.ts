import { LocalTransport } from "./local.js";
import type { SshTarget } from "./ssh2-transport.js";
import { shq } from "./transport.js";

export interface OpenSshTarget extends Pick<SshTarget, "host" | "address" | "port" | "user" | "knownHostsFile" | "identityFile" | "trustOnFirstUse"> {
  /** Log in with Kerberos (GSSAPI) only: no key file, the user's ticket. */
  readonly gssapi?: boolean;
  /** ProxyJump, as ssh -J takes it. */
  readonly jump?: string;
}

/** The ssh command line for a target (the remote command is one quoted word: no secrets ever in it). */
export function opensshArgv(t: OpenSshTarget, command: string): string[] {
  const remote = `${t.user === "root" ? "" : "sudo -n -- "}/bin/sh -c ${shq(command)}`;
  return [
    "ssh", "-T",
    "-o", "BatchMode=yes",
    "-o", `StrictHostKeyChecking=${t.trustOnFirstUse ? "accept-new" : "yes"}`,
    "-o", `UserKnownHostsFile=${t.knownHostsFile}`,
    "-o", "ConnectTimeout=10",
    "-o", "ServerAliveInterval=5",
    "-p", String(t.port),
    ...(t.identityFile ? ["-i", t.identityFile, "-o", "IdentitiesOnly=yes"] : []),
    ...(t.gssapi ? ["-o", "GSSAPIAuthentication=yes", "-o", "PreferredAuthentications=gssapi-with-mic"] : []),
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
}
