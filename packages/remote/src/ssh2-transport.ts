import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { Client, type ConnectConfig } from "ssh2";
import { verifyHostKey } from "./known-hosts.js";
import { getScript, putScript, shq, type ExecOptions, type ExecResult, type PutOptions, type Transport } from "./transport.js";

export interface SshTarget {
  /** Host name as in the cluster file. */
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly knownHostsFile: string;
  /** Private key file; without it, the SSH agent (SSH_AUTH_SOCK). */
  readonly identityFile?: string;
  readonly passphrase?: () => Promise<string>;
  readonly trustOnFirstUse?: boolean;
  /** Called once per accepted new host key (fingerprint shown to the user). */
  readonly onNewHostKey?: (host: string, line: string) => void;
  readonly jump?: Omit<SshTarget, "jump" | "host">;
  readonly readyTimeoutMs?: number;
}

/** `sudo -n` when logged in as someone else than root; the command itself is quoted once. */
export function asRoot(user: string, command: string): string {
  return user === "root" ? command : `sudo -n -- /bin/sh -c ${shq(command)}`;
}

async function connect(t: Omit<SshTarget, "jump" | "host"> & { host?: string }, sock?: NodeJS.ReadableStream): Promise<Client> {
  const known = existsSync(t.knownHostsFile) ? readFileSync(t.knownHostsFile, "utf8") : "";
  const names = [...new Set([t.host ?? t.address, t.address].filter(Boolean))];
  let rejection: string | undefined;
  const cfg: ConnectConfig = {
    host: t.address,
    port: t.port,
    username: t.user,
    readyTimeout: t.readyTimeoutMs ?? 10_000,
    keepaliveInterval: 5_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      const v = verifyHostKey(known, names, t.port, key, t.trustOnFirstUse === true);
      if (!v.ok) {
        rejection = v.reason;
        return false;
      }
      if (v.how === "trusted-new" && v.line) {
        appendFileSync(t.knownHostsFile, `${v.line}\n`, { mode: 0o600 });
        t.onNewHostKey?.(t.host ?? t.address, v.line);
      }
      return true;
    },
    ...(sock ? { sock: sock as never } : {}),
  };
  if (t.identityFile) {
    cfg.privateKey = readFileSync(t.identityFile);
    const text = cfg.privateKey.toString();
    if (t.passphrase && /ENCRYPTED|bcrypt/.test(text)) cfg.passphrase = await t.passphrase();
  } else if (process.env.SSH_AUTH_SOCK) {
    cfg.agent = process.env.SSH_AUTH_SOCK;
  }
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once("ready", () => resolve(c));
    c.once("error", (e: Error) => reject(new Error(`${t.host ?? t.address} (${t.user}@${t.address}:${t.port}): ${rejection ?? e.message}`)));
    c.connect(cfg);
  });
}

/** The default transport: the ssh2 library, strict known_hosts, keys or agent, optional jump host. */
export class Ssh2Transport implements Transport {
  readonly host: string;
  private constructor(
    private readonly target: SshTarget,
    private readonly client: Client,
    private readonly jumpClient?: Client,
  ) {
    this.host = target.host;
  }

  static async open(t: SshTarget): Promise<Ssh2Transport> {
    if (!t.jump) return new Ssh2Transport(t, await connect(t));
    const jump = await connect(t.jump);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      jump.forwardOut("127.0.0.1", 0, t.address, t.port, (err, s) => (err ? reject(err) : resolve(s))),
    );
    return new Ssh2Transport(t, await connect(t, stream), jump);
  }

  exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
    const wrapped = asRoot(this.target.user, command);
    return new Promise((resolve) => {
      this.client.exec(wrapped, (err, stream) => {
        if (err) {
          resolve({ host: this.host, command, code: 255, signal: null, stdout: "", stderr: err.message });
          return;
        }
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let done = false;
        const finish = (code: number | null, signal: string | null, timedOut = false) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ host: this.host, command, code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errb).toString(), ...(timedOut ? { timedOut } : {}) });
        };
        const timer = setTimeout(() => {
          // Ask the server to kill it, close the channel, and do not wait for a hung peer.
          try {
            stream.signal("KILL");
          } catch {
            /* not supported by every server */
          }
          stream.close();
          finish(null, "KILL", true);
        }, o.timeoutMs ?? 120_000);
        stream.on("data", (b: Buffer) => out.push(b));
        stream.stderr.on("data", (b: Buffer) => errb.push(b));
        stream.on("close", (code: number | null, signal: string | null) => finish(code, signal ?? null));
        stream.end(o.stdin ?? "");
      });
    });
  }

  async put(path: string, content: string | Uint8Array, o: PutOptions): Promise<void> {
    const r = await this.exec(putScript(path, o), { stdin: content });
    if (r.code !== 0) throw new Error(`${this.host}: cannot write ${path}: ${r.stderr.trim()}`);
  }

  async get(path: string): Promise<Uint8Array | undefined> {
    const r = await this.exec(getScript(path));
    if (r.code === 3) return undefined;
    if (r.code !== 0) throw new Error(`${this.host}: cannot read ${path}: ${r.stderr.trim()}`);
    return Buffer.from(r.stdout, "base64");
  }

  close(): Promise<void> {
    this.client.end();
    this.jumpClient?.end();
    return Promise.resolve();
  }
}
