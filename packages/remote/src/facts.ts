import { shq, type Transport } from "./transport.js";

/** What oar-ha knows about a host before it changes anything. */
export interface HostFacts {
  readonly host: string;
  /** `uname -n` */
  readonly hostname: string;
  readonly os: { readonly id: string; readonly version: string };
  readonly init: "systemd" | "sysv";
  /** Installed packages (of those asked about) and their versions. */
  readonly packages: Readonly<Record<string, string>>;
  /** Current content (base64) and metadata of the files oar-ha manages; absent files are missing. */
  readonly files: Readonly<Record<string, { readonly content: string; readonly mode: string; readonly owner: string }>>;
  readonly addresses: readonly string[];
  /** Host clock minus local clock, in ms (network latency included). */
  readonly clockSkewMs: number;
}

const SEP = "\u0001oar-ha\u0001";

type FileFacts = HostFacts["files"];

/** Shell: one line per existing file of `paths`: path, mode, owner, content in base64. */
const fileFactsScript = (paths: readonly string[]): string =>
  paths
    .map(
      (p) =>
        `if [ -f ${shq(p)} ]; then echo ${shq(p)} "$(stat -c '%a %U:%G' ${shq(p)})" "$(base64 -w0 < ${shq(p)})"; fi`,
    )
    .join("\n") || "true";

function parseFileFacts(out: string): FileFacts {
  const files: Record<string, { content: string; mode: string; owner: string }> = {};
  for (const l of out.split("\n").filter(Boolean)) {
    const [path = "", mode = "", owner = "", content = ""] = l.split(" ");
    files[path] = { content, mode: mode.padStart(4, "0"), owner };
  }
  return files;
}

/** The current content and metadata of `paths` on a host (absent files are missing), in one round trip. */
export async function fileFacts(t: Transport, paths: readonly string[]): Promise<FileFacts> {
  const r = await t.exec(fileFactsScript(paths), { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${t.host}: cannot read the managed files: ${r.stderr.trim()}`);
  return parseFileFacts(r.stdout);
}

/** Gathers facts in one round trip (one shell script, sections separated by a marker). */
export async function gatherFacts(
  t: Transport,
  paths: readonly string[],
  packages: readonly string[],
): Promise<HostFacts> {
  const files = fileFactsScript(paths);
  const script = [
    "uname -n",
    `echo '${SEP}'`,
    '. /etc/os-release 2>/dev/null; echo "$ID $VERSION_ID"',
    `echo '${SEP}'`,
    "if [ -d /run/systemd/system ]; then echo systemd; else echo sysv; fi",
    `echo '${SEP}'`,
    packages.length
      ? `dpkg-query -W -f='\${Package} \${Version} \${Status}\\n' ${packages.map(shq).join(" ")} 2>/dev/null | grep ' install ok installed$' || true`
      : "true",
    `echo '${SEP}'`,
    files,
    `echo '${SEP}'`,
    "ip -o -4 addr show | awk '{print $4}'",
  ].join("\n");
  const r = await t.exec(script, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${t.host}: cannot gather facts: ${r.stderr.trim()}`);
  const [host = "", os = "", init = "", pkgs = "", fileLines = "", addrs = ""] = r.stdout.split(`${SEP}\n`);
  const [id = "", version = ""] = os.trim().split(" ");
  const packagesOut: Record<string, string> = {};
  for (const l of pkgs.split("\n").filter(Boolean)) {
    const [name = "", ver = ""] = l.split(" ");
    packagesOut[name] = ver;
  }
  return {
    host: t.host,
    hostname: host.trim(),
    os: { id, version },
    init: init.trim() === "systemd" ? "systemd" : "sysv",
    packages: packagesOut,
    files: parseFileFacts(fileLines),
    addresses: addrs
      .split("\n")
      .filter(Boolean)
      .map((a) => a.split("/")[0] ?? a),
    clockSkewMs: await clockSkew(t),
  };
}

/**
 * Host clock minus local clock, ms: `date` alone, against the middle of its round trip, the
 * quickest of three (a busy host answers slowly: the error is at most half the round trip).
 * Reading the clock at the end of the facts script counted the script's run time as skew: a
 * slow VM looked 6 s off.
 */
async function clockSkew(t: Transport): Promise<number> {
  let best: { rtt: number; skew: number } | undefined;
  for (let i = 0; i < 3; i++) {
    const before = Date.now();
    const r = await t.exec("date +%s%3N", { timeoutMs: 20_000 });
    const after = Date.now();
    const clock = Number(r.stdout.trim());
    if (r.code !== 0 || !Number.isFinite(clock)) continue;
    const sample = { rtt: after - before, skew: clock - (before + after) / 2 };
    if (!best || sample.rtt < best.rtt) best = sample;
    if (sample.rtt < 200) break;
  }
  return best?.skew ?? 0;
}
