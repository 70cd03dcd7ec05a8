import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { verifyHostKey } from "./known-hosts.js";
import {
  getScript,
  putScript,
  shq,
  type ExecOptions,
  type ExecResult,
  type PutOptions,
  type Transport,
} from "./transport.js";

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

async function connect(
  t: Omit<SshTarget, "jump" | "host"> & { host?: string },
  sock?: NodeJS.ReadableStream,
): Promise<Client> {
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
    c.once("error", (e: Error) =>
      reject(new Error(`${t.host ?? t.address} (${t.user}@${t.address}:${t.port}): ${rejection ?? e.message}`)),
    );
    c.connect(cfg);
  });
}

/** The default transport: the ssh2 library, strict known_hosts, keys or agent, optional jump host. */
export class Ssh2Transport implements Transport {
  readonly host: string;
  /** Why the connection is gone (the host crashed, rebooted, or keepalives went unanswered). */
  private lost: string | undefined;
  private open = true;
  private jumpOpen = true;
  /** Commands in flight: settled at once when the connection closes. */
  private readonly pending = new Set<() => void>();

  private constructor(
    private readonly target: SshTarget,
    private readonly client: Client,
    private readonly jumpClient?: Client,
  ) {
    this.host = target.host;
    const gone = (why: string) => () => {
      this.lost ??= why;
      for (const f of [...this.pending]) f();
    };
    client.on("close", () => (this.open = false));
    jumpClient?.on("close", () => (this.jumpOpen = false));
    client.on("close", gone("connection closed"));
    client.on("error", (e: Error) => (this.lost ??= e.message));
    jumpClient?.on("close", gone("jump host connection closed"));
  }

  static async open(t: SshTarget): Promise<Ssh2Transport> {
    if (!t.jump) return new Ssh2Transport(t, await connect(t));
    const jump = await connect(t.jump);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      jump.forwardOut("127.0.0.1", 0, t.address, t.port, (err, s) => (err ? reject(err) : resolve(s))),
    );
    return new Ssh2Transport(t, await connect(t, stream), jump);
  }

  /**
   * Runs a command; always settles. A closed connection answers at once (code 255); the timeout
   * covers opening the channel too: on a peer that vanished without a reset, ssh2 never calls
   * back for a channel opened after the connection died (a drill waited forever on a crashed VM).
   */
  exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
    const wrapped = asRoot(this.target.user, command);
    const failed = (why: string, timedOut = false): ExecResult => ({
      host: this.host,
      command,
      code: 255,
      signal: null,
      stdout: "",
      stderr: why,
      ...(timedOut ? { timedOut } : {}),
    });
    if (this.lost) return Promise.resolve(failed(`${this.host}: ${this.lost}`));
    return new Promise((resolve) => {
      let done = false;
      let stream: ClientChannel | undefined;
      const out: Buffer[] = [];
      const errb: Buffer[] = [];
      const finish = (r: ExecResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.pending.delete(onClose);
        resolve(r);
      };
      const onClose = () => finish(failed(`${this.host}: connection closed while running the command`));
      this.pending.add(onClose);
      const timer = setTimeout(() => {
        if (stream) {
          // Ask the server to kill it, close the channel, and do not wait for a hung peer.
          try {
            stream.signal("KILL");
          } catch {
            /* not supported by every server */
          }
          stream.close();
          finish({
            host: this.host,
            command,
            code: null,
            signal: "KILL",
            stdout: Buffer.concat(out).toString(),
            stderr: Buffer.concat(errb).toString(),
            timedOut: true,
          });
        } else {
          // Not even a channel: the peer is gone. Drop the connection; later calls fail at once.
          this.lost ??= "no answer to a channel request";
          this.client.end();
          finish(failed(`${this.host}: no answer from the SSH server`, true));
        }
      }, o.timeoutMs ?? 120_000);
      try {
        this.client.exec(wrapped, (err, s) => {
          if (err) {
            finish(failed(err.message));
            return;
          }
          stream = s;
          s.on("data", (b: Buffer) => out.push(b));
          s.stderr.on("data", (b: Buffer) => errb.push(b));
          s.on("close", (code: number | null, signal: string | null) =>
            finish({
              host: this.host,
              command,
              code,
              signal: signal ?? null,
              stdout: Buffer.concat(out).toString(),
              stderr: Buffer.concat(errb).toString(),
            }),
          );
          s.end(o.stdin ?? "");
        });
      } catch (e) {
        finish(failed((e as Error).message));
      }
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

  /**
   * Says goodbye, and does not wait for a peer that is gone: a connection to a crashed host
   * would otherwise hold its socket (and the program) for the kernel's FIN retries, minutes.
   */
  close(): Promise<void> {
    const one = (c: Client, open: boolean) =>
      new Promise<void>((resolve) => {
        if (!open) return resolve();
        const hard = setTimeout(() => c.destroy(), this.lost ? 0 : 2000);
        c.once("close", () => {
          clearTimeout(hard);
          resolve();
        });
        c.end();
      });
    return Promise.all([
      one(this.client, this.open),
      ...(this.jumpClient ? [one(this.jumpClient, this.jumpOpen)] : []),
    ]).then(() => undefined);
  }
}
