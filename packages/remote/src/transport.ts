/*
 * The one door to a host. Everything oar-ha does to a machine goes through a Transport:
 * run a command (stdin in; stdout, stderr, exit code, signal out), put a file atomically
 * with its mode and owner, get a file. Secrets travel in stdin or file content, never in a
 * command line or an environment variable.
 */
import { shq } from "@oar-ha/core";

export interface ExecOptions {
  /** Bytes for the command's stdin (secrets go here, never in `command`). */
  readonly stdin?: string | Uint8Array;
  /** Hard limit; the command is killed and the result says so. Default 120 s. */
  readonly timeoutMs?: number;
}

export interface ExecResult {
  readonly host: string;
  readonly command: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut?: boolean;
}

export interface PutOptions {
  /** Octal string, e.g. "0600". */
  readonly mode: string;
  /** "user:group" */
  readonly owner: string;
}

export interface Transport {
  /** Host name as in the cluster file. */
  readonly host: string;
  /** Runs a shell command (as root: the transport adds sudo when it logs in as another user). */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file atomically (temp file in the same directory, then rename), mode and owner set before the rename. */
  put(path: string, content: string | Uint8Array, options: PutOptions): Promise<void>;
  /** A file's bytes, or undefined when it does not exist. */
  get(path: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

/** Quote one word for a POSIX shell: the one helper lives in @oar-ha/core. */
export { shq };

/** A command that fails is an error with everything needed to understand it (execa-style). */
export class CommandError extends Error {
  readonly result: ExecResult;
  constructor(result: ExecResult) {
    const why = result.timedOut
      ? "timed out"
      : result.signal
        ? `killed by ${result.signal}`
        : `exit ${String(result.code)}`;
    super(
      `${result.host}: \`${result.command.length > 200 ? `${result.command.slice(0, 200)}…` : result.command}\` failed (${why}): ${result.stderr.trim().slice(-800) || result.stdout.trim().slice(-800)}`,
    );
    this.name = "CommandError";
    this.result = result;
  }
}

/** exec that throws on failure. */
export async function run(t: Transport, command: string, options?: ExecOptions): Promise<ExecResult> {
  const r = await t.exec(command, options);
  if (r.code !== 0) throw new CommandError(r);
  return r;
}

/**
 * Whether a host answers a trivial command within `timeoutMs`: the one reachability probe
 * (day-2 commands pick a server with it, the web page skips silent hosts, the drill and
 * log reader reconnect after a crash).
 */
export async function answers(t: Transport | undefined, timeoutMs = 10_000): Promise<boolean> {
  if (!t) return false;
  try {
    return (await t.exec("true", { timeoutMs })).code === 0;
  } catch {
    return false;
  }
}

/** The first of `names` whose transport answers, in order; undefined when none does. */
export async function firstAnswering(
  names: readonly string[],
  t: ReadonlyMap<string, Transport>,
  timeoutMs = 10_000,
): Promise<Transport | undefined> {
  for (const n of names) {
    const tr = t.get(n);
    if (tr && (await answers(tr, timeoutMs))) return tr;
  }
  return undefined;
}

/**
 * The shell script that put() runs on the host: content arrives on stdin, lands in a temp
 * file next to the target, gets its mode and owner, then replaces the target in one rename.
 */
export function putScript(path: string, o: PutOptions): string {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  // Unique per shell ($$ outside the quotes): two puts of one path never share a temp file.
  return [
    "set -e",
    `mkdir -p ${shq(dir)}`,
    "umask 077",
    `t=${shq(`${path}.oar-ha-tmp.`)}$$`,
    `trap 'rm -f "$t"' EXIT`,
    `cat > "$t"`,
    `chmod ${o.mode} "$t"`,
    `chown ${shq(o.owner)} "$t" 2>/dev/null || chown root:root "$t"`,
    `mv -f "$t" ${shq(path)}`,
  ].join("\n");
}

/** get() as a command: the file base64-encoded, or exit 3 when missing. */
export const getScript = (path: string): string =>
  `if [ -e ${shq(path)} ]; then base64 -w0 < ${shq(path)}; else exit 3; fi`;
