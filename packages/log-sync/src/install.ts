import { marker, oarServers, renderTemplate, type Cluster, type RenderedFile, type ServerNode } from "@oar-ha/core";
import sshConfigTpl from "./templates/ssh-config.hbs";
import unitTpl from "./templates/unit.hbs";
import initTpl from "./templates/init.hbs";
import logrotateTpl from "./templates/logrotate.hbs";

/*
 * How log-sync is installed on the two OAR servers (pure: the files and the lines; the deploy
 * steps that put them, make the keys and start the agent live in @oar-ha/remote).
 *
 * Each OAR server runs one agent that ships its own oar.log to the other server, over SSH with
 * a key of its own (made on the server, never leaving it). On the receiving side that key can
 * do one thing: run the receiver for that writer's replica (a forced command, `restrict`,
 * `from=` the writer's addresses). The agent is not a cluster resource: it runs on both servers
 * all the time, whichever holds the OAR server, so lines written before a failover still reach
 * the survivor when the crashed server comes back.
 */

export const LOG_SYNC = {
  /**
   * The agent program (one file, bundled for Node 18, Debian 12's nodejs; not from a Debian package,
   * so under /usr/local). `.mjs`: it is an ES module, and Node 18 reads a `.js` file without a
   * package.json nearby as CommonJS (found on the VM lab: the agent died at its first `import`).
   */
  agent: "/usr/local/lib/oar-ha/oar-ha-log-sync.mjs",
  node: "/usr/bin/node",
  /** A hard bound on the agent's and the receiver's heap: a log shipper never eats the OAR server's memory. */
  nodeFlags: ["--max-old-space-size=64"],
  confDir: "/etc/oar-ha/log-sync",
  key: "/etc/oar-ha/log-sync/id_ed25519",
  knownHosts: "/etc/oar-ha/log-sync/known_hosts",
  sshConfig: "/etc/oar-ha/log-sync/ssh_config",
  unit: "/etc/systemd/system/oar-ha-log-sync.service",
  init: "/etc/init.d/oar-ha-log-sync",
  logrotate: "/etc/logrotate.d/oar-ha-log-sync",
  /** The agent's lag, read by `oar-ha status`. */
  status: "/run/oar-ha-log-sync.json",
  pidFile: "/run/oar-ha-log-sync.pid",
  logDir: "/var/log/oar-ha",
  agentLog: "/var/log/oar-ha/log-sync-agent.log",
} as const;

/** The pair log-sync runs on; empty when it is off or there are not exactly two OAR servers. */
export function logSyncPair(c: Cluster): ServerNode[] {
  const s = oarServers(c);
  return c.logSync.enabled && s.length === 2 ? s : [];
}

/** On `host`, the replica of what `writer` wrote to its oar.log. */
export const replicaPath = (writer: string): string => `${LOG_SYNC.logDir}/oar.log.${writer}`;

export function peerOf(c: Cluster, host: string): ServerNode | undefined {
  const pair = logSyncPair(c);
  return pair.some((n) => n.name === host) ? pair.find((n) => n.name !== host) : undefined;
}

/** The agent's command line on `host` (argv, node first). */
export function shipArgv(c: Cluster, host: string): string[] {
  const peer = peerOf(c, host);
  if (!peer) throw new Error(`${host} is not one of the two OAR servers log-sync runs on`);
  return [
    LOG_SYNC.node,
    ...LOG_SYNC.nodeFlags,
    LOG_SYNC.agent,
    "ship",
    "--log",
    c.oar.logFile,
    "--status",
    LOG_SYNC.status,
    "--",
    "/usr/bin/ssh",
    "-F",
    LOG_SYNC.sshConfig,
    peer.name,
  ];
}

/** The forced command that `writer`'s key runs on its peer. */
export function receiverCommand(c: Cluster, writer: string): string {
  return [
    LOG_SYNC.node,
    ...LOG_SYNC.nodeFlags,
    LOG_SYNC.agent,
    "receive",
    "--replica",
    replicaPath(writer),
    "--rotate-mib",
    String(c.logSync.replicaMaxMiB),
    "--keep",
    String(c.logSync.replicaKeep),
  ].join(" ");
}

/** Comment that ends `writer`'s line in its peer's authorized_keys (how apply and uninstall find it). */
export const keyComment = (writer: string): string => `oar-ha-log-sync@${writer}`;

/**
 * `writer`'s line in its peer's /root/.ssh/authorized_keys: only the receiver, only from the
 * writer's addresses, no pty, no forwarding. `publicKey` is "ssh-ed25519 AAAA...".
 */
export function authorizedKeyLine(c: Cluster, writer: string, publicKey: string): string {
  const n = c.nodes.find((x) => x.name === writer);
  if (!n) throw new Error(`${writer} is not a server of the cluster`);
  const key = publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+$/.test(key))
    throw new Error(`${writer}: not an ed25519 public key: ${JSON.stringify(publicKey.slice(0, 40))}`);
  const from = [n.address, ...(n.secondary ? [n.secondary.address] : [])].join(",");
  return `restrict,from="${from}",command="${receiverCommand(c, writer)}" ${key} ${keyComment(writer)}`;
}

/** Files on the two OAR servers: ssh client settings, the systemd unit, the init script, logrotate. */
export function renderLogSyncFiles(c: Cluster): RenderedFile[] {
  const out: RenderedFile[] = [];
  for (const n of logSyncPair(c)) {
    const peer = peerOf(c, n.name)!;
    const argv = shipArgv(c, n.name);
    const view = {
      marker: marker("#"),
      ...LOG_SYNC,
      logFile: c.oar.logFile,
      peer: peer.name,
      address: peer.address,
      command: argv.join(" "),
      args: argv.slice(1).join(" "),
    };
    out.push(
      {
        host: n.name,
        path: LOG_SYNC.sshConfig,
        mode: "0644",
        owner: "root:root",
        content: renderTemplate(sshConfigTpl, view),
      },
      { host: n.name, path: LOG_SYNC.unit, mode: "0644", owner: "root:root", content: renderTemplate(unitTpl, view) },
      { host: n.name, path: LOG_SYNC.init, mode: "0755", owner: "root:root", content: renderTemplate(initTpl, view) },
      {
        host: n.name,
        path: LOG_SYNC.logrotate,
        mode: "0644",
        owner: "root:root",
        content: renderTemplate(logrotateTpl, view),
      },
    );
  }
  return out;
}
