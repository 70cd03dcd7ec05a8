import { spawn } from "node:child_process";
import {
  getScript,
  putScript,
  type ExecOptions,
  type ExecResult,
  type PutOptions,
  type Transport,
} from "./transport.js";

/** How a command becomes a process on this machine. */
export type Argv = (command: string) => string[];

/** Runs on this machine, optionally through a wrapper (nsenter into a lab host, the ssh client). Tests use it. */
export class LocalTransport implements Transport {
  constructor(
    readonly host: string,
    private readonly argv: Argv = (command) => ["/bin/sh", "-c", command],
  ) {}

  exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve) => {
      const [cmd, ...args] = this.argv(command);
      // Own process group: a timeout kills the command and everything it started.
      const child = spawn(cmd ?? "/bin/sh", args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }, o.timeoutMs ?? 120_000);
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      child.stdin.on("error", () => undefined);
      child.stdin.end(o.stdin ?? "");
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({
          host: this.host,
          command,
          code,
          signal,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
          ...(timedOut ? { timedOut } : {}),
        });
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ host: this.host, command, code: 127, signal: null, stdout: "", stderr: e.message });
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
    return Promise.resolve();
  }
}
