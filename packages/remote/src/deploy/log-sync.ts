import { createHash } from "node:crypto";
import { OarHaError, type Cluster } from "@oar-ha/core";
import { LOG_SYNC, authorizedKeyLine, keyComment, logSyncPair, peerOf, receiverCommand } from "@oar-ha/log-sync";
import { run, shq, type Transport } from "../transport.js";
import type { Step } from "../executor.js";
import { backupScript, replaceLineScript } from "./steps.js";
import { tr, type DeployContext } from "./context.js";

/*
 * log-sync on the two OAR servers: the agent program, a key per server (made there, never
 * leaving it) trusted by the peer for the receiver only, the peer's host key pinned, and the
 * agent running (restarted when its program or its files changed). Every file it creates or
 * changes is backed up first, so uninstall takes it all back.
 */

const AUTHORIZED_KEYS = "/root/.ssh/authorized_keys";
/** What the running agent was started with (tmpfs: gone at reboot, so a rebooted server starts it again). */
const STARTED = "/run/oar-ha-log-sync.digest";

const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : "");

/** The agent program on the server, byte for byte the one this oar-ha carries. */
export function logSyncAgentStep(ctx: DeployContext, host: string): Step {
  const agent = ctx.logSyncAgent;
  return {
    id: `${host}:log-sync-agent`,
    host,
    title: `log-sync agent program ${LOG_SYNC.agent}`,
    check: async () => {
      if (!agent)
        throw new OarHaError(
          "OARHA103",
          "this oar-ha has no log-sync agent program (oar-ha-log-sync.js next to it)\n  fix: rebuild oar-ha (npm run build), or set logSync.enabled: false in the cluster file",
        );
      return (await tr(ctx, host).exec(`sha256sum < ${LOG_SYNC.agent} 2>/dev/null`)).stdout.startsWith(sha256(agent));
    },
    act: async () => {
      await run(tr(ctx, host), backupScript(LOG_SYNC.agent));
      await tr(ctx, host).put(LOG_SYNC.agent, agent!, { mode: "0755", owner: "root:root" });
    },
  };
}

interface Trust {
  /** Each writer's public key (made on it if missing). */
  readonly pub: Map<string, string>;
}

/** The peer's ed25519 host key line for log-sync's known_hosts: `peer ssh-ed25519 AAAA...`. */
async function hostKeyLine(t: Transport, peer: string): Promise<string> {
  const k = text(await t.get("/etc/ssh/ssh_host_ed25519_key.pub"))
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .join(" ");
  if (!k.startsWith("ssh-ed25519 "))
    throw new OarHaError(
      "OARHA112",
      `${peer}: no /etc/ssh/ssh_host_ed25519_key.pub\n  fix: ssh-keygen -A on ${peer} (sshd makes it at install)`,
    );
  return `${peer} ${k}`;
}

/**
 * Each server's log-sync key (made once, on the server), its line in the peer's root
 * authorized_keys (forced command: the receiver of that writer's replica), and the peer's
 * host key in log-sync's own known_hosts.
 */
export function logSyncTrustStep(ctx: DeployContext): Step {
  const c = ctx.cluster;
  const pair = logSyncPair(c).map((n) => n.name);
  const pubOf = async (h: string) => text(await tr(ctx, h).get(`${LOG_SYNC.key}.pub`)).trim();
  const hasLine = async (h: string, line: string) =>
    (await tr(ctx, h).exec(`grep -qxF ${shq(line)} ${AUTHORIZED_KEYS}`)).code === 0;
  return {
    id: "cluster:log-sync-trust",
    host: pair[0] ?? "",
    title: "log-sync keys: each OAR server may run the receiver on the other, nothing else",
    check: async () => {
      for (const h of pair) {
        const peer = peerOf(c, h)!.name;
        const pub = await pubOf(h);
        if (!pub || !(await hasLine(peer, authorizedKeyLine(c, h, pub)))) return false;
        if (text(await tr(ctx, h).get(LOG_SYNC.knownHosts)).trim() !== (await hostKeyLine(tr(ctx, peer), peer)))
          return false;
      }
      return true;
    },
    act: async () => {
      const trust: Trust = { pub: new Map() };
      for (const h of pair) {
        await run(
          tr(ctx, h),
          `set -e
${backupScript(LOG_SYNC.key)}
${backupScript(`${LOG_SYNC.key}.pub`)}
mkdir -p ${LOG_SYNC.confDir}
[ -s ${LOG_SYNC.key} ] || ssh-keygen -q -t ed25519 -N '' -C ${shq(keyComment(h))} -f ${LOG_SYNC.key} </dev/null >/dev/null
chmod 600 ${LOG_SYNC.key}`,
        );
        trust.pub.set(h, await pubOf(h));
      }
      for (const h of pair) {
        const peer = peerOf(c, h)!.name;
        // The writer's one line on its peer: older lines of the same writer (another key, older options) go.
        const line = authorizedKeyLine(c, h, trust.pub.get(h)!);
        await run(
          tr(ctx, peer),
          `mkdir -p -m 700 /root/.ssh\n${replaceLineScript(AUTHORIZED_KEYS, line, ` ${keyComment(h)}`, "600")}`,
        );
        await run(tr(ctx, h), backupScript(LOG_SYNC.knownHosts));
        await tr(ctx, h).put(LOG_SYNC.knownHosts, `${await hostKeyLine(tr(ctx, peer), peer)}\n`, {
          mode: "0644",
          owner: "root:root",
        });
      }
    },
  };
}

/** Digest of what the agent on `host` runs with: restart it when any of it changed. */
function wanted(ctx: DeployContext, host: string): string {
  const paths: string[] = [LOG_SYNC.sshConfig, LOG_SYNC.unit, LOG_SYNC.init];
  const files = ctx.files.filter((f) => f.host === host && paths.includes(f.path));
  // The peer's receiver options too: a running agent keeps its connection (and the old receiver).
  const peer = peerOf(ctx.cluster, host);
  return sha256(
    [
      sha256(ctx.logSyncAgent ?? ""),
      ...files.map((f) => `${f.path}:${sha256(f.content)}`),
      peer ? receiverCommand(ctx.cluster, host) : "",
    ].join("\n"),
  );
}

const RUNNING = `if [ -d /run/systemd/system ]; then systemctl is-active --quiet oar-ha-log-sync; else ${LOG_SYNC.init} status >/dev/null; fi`;

/** The agent running on an OAR server (systemd unit, or the init script without systemd), started at boot. */
export function logSyncRunStep(ctx: DeployContext, host: string): Step {
  const digest = wanted(ctx, host);
  return {
    id: `${host}:log-sync-running`,
    host,
    title: "log-sync agent running",
    check: async () =>
      (await tr(ctx, host).exec(`${RUNNING} && [ "$(cat ${STARTED} 2>/dev/null)" = ${digest} ]`)).code === 0,
    act: async () => {
      await run(
        tr(ctx, host),
        `set -e
mkdir -p ${LOG_SYNC.logDir}; chmod 750 ${LOG_SYNC.logDir}
if [ -d /run/systemd/system ]; then systemctl daemon-reload; systemctl enable --quiet oar-ha-log-sync; systemctl restart oar-ha-log-sync
else update-rc.d oar-ha-log-sync defaults >/dev/null 2>&1 || true; ${LOG_SYNC.init} restart </dev/null >/dev/null; fi
for i in $(seq 1 50); do if ${RUNNING}; then echo ${digest} > ${STARTED}; exit 0; fi; sleep 0.1; done
echo "the log-sync agent did not start: see journalctl -u oar-ha-log-sync or ${LOG_SYNC.agentLog}" >&2; exit 1`,
        // systemd's daemon-reload and a restart whose stop waits for the peer: a minute on a busy or emulated server.
        { timeoutMs: 300_000 },
      );
    },
  };
}

/** Shell that stops the agent and forgets its boot start (uninstall, before the files go back). */
export const stopLogSyncScript = `if [ -d /run/systemd/system ]; then systemctl disable --quiet --now oar-ha-log-sync 2>/dev/null || true
elif [ -x ${LOG_SYNC.init} ]; then ${LOG_SYNC.init} stop >/dev/null 2>&1 || true; update-rc.d -f oar-ha-log-sync remove >/dev/null 2>&1 || true; fi
rm -f ${STARTED} ${LOG_SYNC.status}`;

export interface LogSyncStatus {
  readonly host: string;
  readonly peer: string;
  readonly running: boolean;
  readonly connected?: boolean;
  readonly lagBytes?: number;
  readonly behindSeconds?: number;
  readonly gaps?: number;
  readonly updatedSecondsAgo?: number;
}

/** Each agent's view (its status file): connected, bytes not yet on the peer, for how long, gaps. */
export async function logSyncStatus(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<LogSyncStatus[]> {
  const out: LogSyncStatus[] = [];
  for (const n of logSyncPair(c)) {
    const peer = peerOf(c, n.name)!.name;
    const x = t.get(n.name);
    const r = x
      ? await x
          .exec(`if ${RUNNING}; then cat ${LOG_SYNC.status} 2>/dev/null; echo; date +%s; else exit 3; fi`)
          .catch(() => undefined)
      : undefined;
    if (!r || r.code !== 0) {
      out.push({ host: n.name, peer, running: false });
      continue;
    }
    const lines = r.stdout.trim().split("\n");
    const now = lines.pop() ?? "0";
    const json = lines.join("") || "{}";
    try {
      const s = JSON.parse(json) as {
        updated?: string;
        lagBytes?: number;
        behindSince?: string;
        gaps?: number;
        connected?: boolean;
      };
      if (!s.updated) throw new Error("no status yet");
      const nowMs = Number(now) * 1000;
      out.push({
        host: n.name,
        peer,
        running: true,
        connected: s.connected === true,
        lagBytes: s.lagBytes ?? 0,
        ...(s.behindSince ? { behindSeconds: Math.max(0, (nowMs - Date.parse(s.behindSince)) / 1000) } : {}),
        gaps: s.gaps ?? 0,
        updatedSecondsAgo: Math.max(0, (nowMs - Date.parse(s.updated)) / 1000),
      });
    } catch {
      out.push({ host: n.name, peer, running: true });
    }
  }
  return out;
}
