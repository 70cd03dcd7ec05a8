import { spawn, type SpawnOptions } from "node:child_process";
import { createConnection } from "node:net";
import { OarHaError, sleep } from "@oar-ha/core";

export interface ExecResult {
  readonly command: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Throw when the command fails (default true). */
  readonly check?: boolean;
}

/** Runs a program on this machine (no shell), with a hard timeout: every lab probe is bounded. */
export function exec(cmd: string, args: readonly string[], o: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const opts: SpawnOptions = {
      stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: o.env ?? process.env,
    };
    const child = spawn(cmd, args, opts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new OarHaError("OARHA921", `cannot run ${cmd}: ${e.message}`, [], { cause: e }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const r: ExecResult = {
        command: [cmd, ...args].join(" "),
        code,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      };
      if ((o.check ?? true) && code !== 0) {
        reject(
          new OarHaError(
            "OARHA921",
            `${r.command} failed (${signal ?? `exit ${String(code)}`}): ${r.stderr.trim().slice(0, 500)}`,
          ),
        );
      } else resolve(r);
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // a child that exits without reading its input
      child.stdin.end(o.input);
    }
  });
}

export const sh = (script: string, o: ExecOptions = {}) => exec("sh", ["-c", script], o);
export { sleep };

/** Polls `probe` until it returns true or the deadline passes. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new OarHaError("OARHA921", `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A TCP connection to address:port succeeds within the timeout. */
export function tcpOpen(address: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: address, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}
