import type { Cluster } from "@oar-ha/core";
import { hostScript } from "../host-script.js";
import COLLECT from "../scripts/report-collect.sh";
import type { Transport } from "../transport.js";
import { allHosts, STATE_DIR } from "./context.js";

/*
 * `oar-ha report`: what a support request needs from every host that answers, read only (the
 * host script writes nothing there). The parts come back as text on stdout; the caller
 * redacts the secrets (redactSecrets in @oar-ha/core) before anything is written.
 */

export interface ReportPart {
  /** Relative file name in the bundle (e.g. pacemaker/crm_mon). */
  readonly name: string;
  readonly text: string;
}

export interface HostReport {
  readonly host: string;
  readonly parts: readonly ReportPart[];
  /** Why nothing (or not everything) came back from this host. */
  readonly error?: string;
}

const MARK = "@@oar-ha-report@@ ";
/** Names the script gives: words, dots and dashes under at most one directory level each; nothing that climbs out. */
const SAFE_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._@-]+)*$/;

/** The host script's stdout cut into its parts (pure); a name that could escape the bundle is renamed. */
export function parseReportStream(text: string): ReportPart[] {
  const out: { name: string; lines: string[] }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(MARK)) {
      const raw = line.slice(MARK.length).trim();
      const name =
        SAFE_NAME.test(raw) && !raw.split("/").some((p) => p === ".." || p === ".") ? raw : `unsafe-name-${out.length}`;
      out.push({ name, lines: [] });
    } else out.at(-1)?.lines.push(line);
  }
  return out.map((p) => ({ name: p.name, text: p.lines.join("\n").replace(/\n*$/, "\n") }));
}

/** Every reachable host's parts, all hosts at once; logs of the last `sinceMinutes`, at most `lines` lines per log file. */
export async function collectReport(
  c: Cluster,
  t: ReadonlyMap<string, Transport>,
  o: { sinceMinutes: number; lines: number; timeoutMs?: number },
): Promise<HostReport[]> {
  const script = hostScript(COLLECT, { SINCE: o.sinceMinutes, LINES: o.lines, STATE_DIR });
  const hosts = allHosts(c).filter((h) => t.has(h));
  return Promise.all(
    hosts.map(async (host): Promise<HostReport> => {
      const r = await t
        .get(host)!
        .exec(script, { timeoutMs: o.timeoutMs ?? 300_000 })
        .catch((e: unknown) => ({ code: 255, stdout: "", stderr: (e as Error).message, timedOut: false }));
      const parts = parseReportStream(r.stdout);
      const error =
        r.code === 0
          ? undefined
          : r.timedOut
            ? "timed out: the parts read before are kept"
            : `exit ${String(r.code)}: ${r.stderr.trim().split("\n").at(-1) ?? ""}`;
      return { host, parts, ...(error ? { error } : {}) };
    }),
  );
}
