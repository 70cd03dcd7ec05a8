import { homedir } from "node:os";
import { OarHaError, type Cluster } from "@oar-ha/core";
import { OpenSshTransport } from "./openssh-transport.js";
import { Ssh2Transport } from "./ssh2-transport.js";
import type { Transport } from "./transport.js";

export interface ConnectOptions {
  readonly trustOnFirstUse?: boolean;
  readonly onNewHostKey?: (host: string, line: string) => void;
  readonly passphrase?: () => Promise<string>;
}

const expand = (p: string): string => (p.startsWith("~/") ? `${homedir()}${p.slice(1)}` : p);

function jump(spec: string | undefined, knownHostsFile: string, identityFile: string | undefined) {
  if (!spec) return undefined;
  const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new OarHaError("OARHA102", `ssh.jumpHost "${spec}" is not [user@]host[:port]`);
  return {
    address: m[2] ?? "",
    port: Number(m[3] ?? 22),
    user: m[1] ?? "root",
    knownHostsFile,
    ...(identityFile ? { identityFile } : {}),
  };
}

/** A transport to a host of the cluster (a server or another host), as the cluster file says. */
export async function connectHost(c: Cluster, name: string, o: ConnectOptions = {}): Promise<Transport> {
  const h = [...c.nodes, ...c.hosts].find((x) => x.name === name);
  if (!h) throw new OarHaError("OARHA102", `no host "${name}" in the cluster file`);
  const knownHostsFile = expand(c.ssh.knownHosts);
  const identityFile = c.ssh.identityFile ? expand(c.ssh.identityFile) : undefined;
  const kind = h.ssh.transport ?? c.ssh.transport;
  const base = {
    host: h.name,
    address: h.address,
    port: h.ssh.port,
    user: h.ssh.user,
    knownHostsFile,
    ...(identityFile ? { identityFile } : {}),
    ...(o.trustOnFirstUse ? { trustOnFirstUse: true } : {}),
  };
  if (kind === "openssh") return new OpenSshTransport({ ...base, ...(c.ssh.jumpHost ? { jump: c.ssh.jumpHost } : {}) });
  if (kind === "openssh-gssapi") {
    // No key file: the ticket only (opensshArgv leaves -i out for GSSAPI targets).
    return new OpenSshTransport({
      ...base,
      gssapi: { serverName: h.ssh.gssapiName ?? h.name },
      ...(c.ssh.jumpHost ? { jump: c.ssh.jumpHost } : {}),
    });
  }
  const j = jump(c.ssh.jumpHost, knownHostsFile, identityFile);
  return Ssh2Transport.open({
    ...base,
    ...(o.onNewHostKey ? { onNewHostKey: o.onNewHostKey } : {}),
    ...(o.passphrase ? { passphrase: o.passphrase } : {}),
    ...(j ? { jump: j } : {}),
  });
}

/** Transports to every host, opened in parallel; any failure closes the others and names the host. */
export async function connectAll(
  c: Cluster,
  names: readonly string[],
  o: ConnectOptions = {},
): Promise<Map<string, Transport>> {
  const results = await Promise.allSettled(names.map((n) => connectHost(c, n, o)));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  const ok = results
    .filter((r): r is PromiseFulfilledResult<Transport> => r.status === "fulfilled")
    .map((r) => r.value);
  if (failed.length) {
    await Promise.all(ok.map((t) => t.close()));
    throw new OarHaError(
      "OARHA110",
      `cannot reach ${failed.length} host(s); nothing was changed:\n${failed.map((f) => `  ${String((f.reason as Error).message)}`).join("\n")}`,
    );
  }
  return new Map(ok.map((t) => [t.host, t]));
}

/** Transports to the hosts that answer; the others are named with why (for read-only commands). */
export async function connectSome(
  c: Cluster,
  names: readonly string[],
  o: ConnectOptions = {},
): Promise<{ transports: Map<string, Transport>; unreachable: { host: string; error: string }[] }> {
  const results = await Promise.allSettled(names.map((n) => connectHost(c, n, o)));
  const transports = new Map<string, Transport>();
  const unreachable: { host: string; error: string }[] = [];
  results.forEach((r, i) => {
    if (r.status === "fulfilled") transports.set(r.value.host, r.value);
    else unreachable.push({ host: names[i]!, error: String((r.reason as Error).message) });
  });
  return { transports, unreachable };
}
