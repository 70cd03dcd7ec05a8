/*
 * Test helpers that hand generated files to the real tools (drbdadm, crm_verify, crm,
 * corosync, postgres, mariadbd, sh). Tests only: never part of a published package.
 * They need root (mount/UTS/network namespaces) and the Debian packages that .ci/run installs.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync, copyFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Run {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    input: opts.input,
    timeout: opts.timeoutMs ?? 30_000,
  });
  if (r.error)
    throw new Error(`${cmd} could not run: ${r.error.message} (is its Debian package installed? see .ci/run)`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface FileLike {
  readonly host: string;
  readonly path: string;
  readonly mode: string;
  readonly content: string;
  readonly encoding?: "utf8" | "base64";
}

export function tempDir(prefix = "oar-ha-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes rendered files as DIR/<host>/<path> with their modes; returns DIR. */
export function writeTree(files: readonly FileLike[], dir = tempDir()): string {
  for (const f of files) {
    const p = join(dir, f.host, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.encoding === "base64" ? Buffer.from(f.content, "base64") : f.content);
    chmodSync(p, Number.parseInt(f.mode, 8));
  }
  return dir;
}

/** drbd-utils parses and checks a resource file without the kernel module. */
export function drbdDump(file: string, version: "8.4" | "9"): Run {
  return version === "8.4"
    ? run("/usr/lib/drbd/drbdadm-84", ["-c", file, "dump", "all"])
    : run("drbdadm", ["-c", file, "dump", "all"]);
}

export function crmVerifyXml(file: string): Run {
  return run("crm_verify", ["--xml-file", file, "-V"]);
}

/**
 * Loads a crm shell script into an empty CIB file with crmsh (CIB_file: no cluster needed),
 * with the OCF agent under test installed in a private mount namespace, then verifies the
 * result with crm_verify. Returns the load and the verify.
 */
export function crmLoad(crmFile: string, ocfAgent?: string): { load: Run; verify: Run; cib: string } {
  const dir = tempDir("oar-ha-crm-");
  const cib = join(dir, "cib.xml");
  writeFileSync(cib, run("cibadmin", ["--empty"]).stdout);
  const ocf = join(dir, "ocf");
  mkdirSync(ocf);
  for (const p of readdirSync("/usr/lib/ocf/resource.d")) run("cp", ["-a", join("/usr/lib/ocf/resource.d", p), ocf]);
  if (ocfAgent) {
    mkdirSync(join(ocf, "oar-ha"), { recursive: true });
    copyFileSync(ocfAgent, join(ocf, "oar-ha", "oar-server"));
    chmodSync(join(ocf, "oar-ha", "oar-server"), 0o755);
  }
  const load = run(
    "unshare",
    [
      "-m",
      "sh",
      "-c",
      'mount --bind "$1" /usr/lib/ocf/resource.d && crm configure load update "$2"',
      "sh",
      ocf,
      crmFile,
    ],
    {
      env: { CIB_file: cib },
    },
  );
  return { load, verify: crmVerifyXml(cib), cib };
}

/** corosync -t on a host's own view: its name and addresses in private UTS/network namespaces. */
export function corosyncTest(etcCorosync: string, hostname: string, addresses: readonly string[]): Run {
  const script = [
    'hostname "$2"',
    "ip link set lo up",
    ...addresses.map((a) => `ip addr add ${a}/32 dev lo`),
    'mount --bind "$1" /etc/corosync',
    "corosync -t",
  ].join(" && ");
  return run("unshare", ["-m", "-u", "-n", "sh", "-c", script, "sh", etcCorosync, hostname]);
}

/**
 * PostgreSQL accepts the generated settings (postgres -C reads every config file) and the
 * generated pg_hba.conf (a throw-away server must start with it and report no bad line).
 */
export function postgresCheck(confFile: string, hbaFile: string, version = "15"): { settings: Run; hba: Run } {
  const bin = `/usr/lib/postgresql/${version}/bin`;
  const dir = tempDir("oar-ha-pg-");
  run("chown", ["-R", "postgres", dir]);
  const conf = join(dir, "conf");
  mkdirSync(conf);
  copyFileSync(confFile, join(conf, "oar-ha.conf"));
  writeFileSync(join(conf, "postgresql.conf"), `include '${join(conf, "oar-ha.conf")}'\n`);
  run("chown", ["-R", "postgres", conf]);
  const asPg = (args: string[]) => run("runuser", ["-u", "postgres", "--", ...args]);
  const settings = asPg([`${bin}/postgres`, "-D", conf, "-C", "data_directory"]);
  const data = join(dir, "data");
  const init = asPg([`${bin}/initdb`, "-D", data, "-A", "peer"]);
  if (init.code !== 0) return { settings, hba: init };
  copyFileSync(hbaFile, join(dir, "pg_hba.conf"));
  run("chown", ["postgres", join(dir, "pg_hba.conf")]);
  const sock = join(dir, "sock");
  mkdirSync(sock);
  run("chown", ["postgres", sock]);
  const opts = `-c hba_file=${join(dir, "pg_hba.conf")} -c listen_addresses= -k ${sock} -p 54329`;
  const start = asPg([`${bin}/pg_ctl`, "-D", data, "-o", opts, "-w", "-t", "30", "-l", join(dir, "log"), "start"]);
  if (start.code !== 0)
    return { settings, hba: { ...start, stderr: start.stderr + run("cat", [join(dir, "log")]).stdout } };
  const errors = asPg([
    `${bin}/psql`,
    "-h",
    sock,
    "-p",
    "54329",
    "-d",
    "postgres",
    "-At",
    "-c",
    "select count(*) from pg_hba_file_rules where error is not null",
  ]);
  asPg([`${bin}/pg_ctl`, "-D", data, "-m", "immediate", "stop"]);
  return { settings, hba: errors };
}

/** mariadbd refuses unknown or malformed options while printing its effective settings. */
export function mariadbCheck(cnfFile: string): Run {
  return run("mariadbd", [`--defaults-file=${cnfFile}`, "--user=mysql", "--help", "--verbose"]);
}

export function shSyntax(file: string): Run {
  return run("sh", ["-n", file]);
}

/** A throw-away MariaDB server (own datadir and socket; no networking unless `tcpPort`, then on 127.0.0.1 only) for the time of `fn`. */
export async function withMariadb<T>(
  fn: (sql: (input: string, args?: readonly string[]) => Run) => T | Promise<T>,
  o: { tcpPort?: number } = {},
): Promise<T> {
  const { spawn } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const dir = tempDir("oar-ha-maria-");
  run("chown", ["mysql", dir]);
  const data = join(dir, "data");
  const sock = join(dir, "sock");
  // Own tmpdir: two bootstraps in parallel (turbo runs packages' tests at once) collide in /tmp.
  const inst = run(
    "mariadb-install-db",
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--tmpdir=${dir}`,
      "--user=mysql",
      "--auth-root-authentication-method=socket",
      "--skip-test-db",
    ],
    { timeoutMs: 120_000 },
  );
  if (inst.code !== 0) throw new Error(`mariadb-install-db failed: ${inst.stderr}`);
  const server = spawn(
    "mariadbd",
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--tmpdir=${dir}`,
      `--socket=${sock}`,
      ...(o.tcpPort ? ["--bind-address=127.0.0.1", `--port=${o.tcpPort}`] : ["--skip-networking"]),
      "--user=mysql",
      `--pid-file=${join(dir, "pid")}`,
    ],
    { stdio: "ignore" },
  );
  try {
    for (let i = 0; i < 300 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    return await fn((input, args = []) =>
      run("mariadb", ["--no-defaults", "-S", sock, "-uroot", ...args], { input, timeoutMs: 60_000 }),
    );
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
}

/**
 * A throw-away PostgreSQL server (own data directory and socket; no TCP unless `tcpPort`, then
 * on 127.0.0.1 only, password logins by scram) for the time of `fn`; `psql` runs as postgres.
 */
export async function withPostgres<T>(
  fn: (psql: (input: string, args?: readonly string[]) => Run) => T | Promise<T>,
  o: { version?: string; tcpPort?: number } = {},
): Promise<T> {
  const version = o.version ?? "15";
  const bin = `/usr/lib/postgresql/${version}/bin`;
  const dir = tempDir("oar-ha-pgsql-");
  run("chown", ["-R", "postgres", dir]);
  const asPg = (args: string[], input?: string) =>
    run("runuser", ["-u", "postgres", "--", ...args], { ...(input !== undefined ? { input } : {}), timeoutMs: 60_000 });
  const data = join(dir, "data");
  const init = asPg([`${bin}/initdb`, "-D", data, "--auth-local=peer", "--auth-host=scram-sha-256"]);
  if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = String(o.tcpPort ?? 54331);
  const start = asPg([
    `${bin}/pg_ctl`,
    "-D",
    data,
    "-o",
    `-c listen_addresses=${o.tcpPort ? "127.0.0.1" : ""} -k ${dir} -p ${port}`,
    "-w",
    "-t",
    "30",
    "-l",
    join(dir, "log"),
    "start",
  ]);
  if (start.code !== 0) throw new Error(`postgres did not start: ${start.stderr}`);
  try {
    return await fn((input, args = []) => asPg([`${bin}/psql`, "-h", dir, "-p", port, "-X", ...args], input));
  } finally {
    asPg([`${bin}/pg_ctl`, "-D", data, "-m", "immediate", "stop"]);
  }
}

/**
 * Runs SQL twice (it must be re-runnable) on a throw-away MariaDB server, then returns the
 * `user@host` list of mysql.user and the runs' result.
 */
export async function mariadbRunSql(sqlFile: string): Promise<{ sql: Run; users: string[] }> {
  const { readFileSync } = await import("node:fs");
  const text = readFileSync(sqlFile, "utf8");
  return withMariadb((sql) => {
    const first = sql(text);
    const both = first.code === 0 ? sql(text) : first;
    const list = sql("", ["-N", "-e", "select concat(user,'@',host) from mysql.user order by 1"]);
    return { sql: both, users: list.stdout.split("\n").filter(Boolean) };
  });
}
