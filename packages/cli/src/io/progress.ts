import type { ApplyEvent } from "@oar-ha/remote";

/*
 * apply's progress: a line per phase and per step that changed something, as before, and for
 * the steps that take long (package installs, a resync, the wait for the resources) a sign
 * that they are still running: on a terminal one live line with the elapsed time, redrawn
 * each second and erased when the step ends; in a log (no terminal) one line when a step has
 * run 10 s, then one a minute, so a log shows what a killed or stuck run was doing without
 * flooding.
 */

export interface ProgressOptions {
  readonly tty: boolean;
  readonly write: (text: string) => void;
  /** The clock (tests pass their own). */
  readonly now?: () => number;
}

const FIRST_S = 10;
const AGAIN_S = 60;

const label = (e: { host?: string; title: string }) => `${e.host ? `${e.host}: ` : ""}${e.title}`;

export function progressPrinter(o: ProgressOptions): {
  emit: (e: ApplyEvent) => void;
  say: (line: string) => void;
  tick: () => void;
  stop: () => void;
} {
  const now = o.now ?? Date.now;
  const running = new Map<string, { label: string; t0: number; said: number }>();
  let live = false;
  const clearLive = () => {
    if (live) o.write("\r\x1b[K");
    live = false;
  };
  const tick = () => {
    const t = now();
    if (o.tty) {
      const first = [...running.values()][0];
      if (!first) return clearLive();
      const more = running.size > 1 ? ` and ${running.size - 1} more` : "";
      o.write(`\r\x1b[K  … ${first.label} (${Math.floor((t - first.t0) / 1000)} s)${more}`);
      live = true;
      return;
    }
    for (const r of running.values()) {
      const s = Math.floor((t - r.t0) / 1000);
      const due = r.said === 0 ? FIRST_S : r.said + AGAIN_S;
      if (s >= due) {
        o.write(`  running      ${r.label} (${s} s so far)\n`);
        r.said = s;
      }
    }
  };
  const timer = setInterval(tick, 1000);
  timer.unref();
  return {
    tick,
    say: (line) => {
      clearLive();
      o.write(`${line}\n`);
    },
    emit: (e) => {
      if (e.type === "phase") {
        clearLive();
        o.write(`== ${e.title}\n`);
        return;
      }
      if (e.status === "running") {
        running.set(e.id, { label: label(e), t0: now(), said: 0 });
        return;
      }
      running.delete(e.id);
      if (e.status === "unchanged") return;
      clearLive();
      o.write(
        `  ${e.status === "failed" ? "FAILED" : e.status.padEnd(12)} ${label(e)} (${(e.ms / 1000).toFixed(1)} s)${e.error ? `\n    ${e.error}` : ""}\n`,
      );
    },
    stop: () => {
      clearInterval(timer);
      clearLive();
    },
  };
}
