/*
 * The executor: ordered phases of check-then-act steps. A step first checks whether the
 * host is already as wanted (then it does nothing); only otherwise it acts. Because every
 * check reads the real state, an interrupted run is resumed by simply running again.
 */

export interface Step {
  readonly id: string;
  /** Host the step acts on, or undefined for a cluster-wide step. */
  readonly host?: string;
  readonly title: string;
  /** True when nothing needs doing. */
  check(): Promise<boolean>;
  act(): Promise<void>;
  /** A step that must still act in a dry run (reads only), e.g. gathering. */
  readonly readOnly?: boolean;
}

export interface Phase {
  readonly title: string;
  /** Steps of different hosts may run at once; a host's own steps stay in order. */
  readonly parallel: boolean;
  readonly steps: readonly Step[] | (() => Promise<readonly Step[]>);
}

export type ApplyEvent =
  | { type: "phase"; title: string }
  /** `running`: the check found work and the step acts now (its end follows as changed or failed). */
  | {
      type: "step";
      id: string;
      host?: string;
      title: string;
      status: "running" | "unchanged" | "changed" | "would-change" | "failed";
      ms: number;
      error?: string;
    };

export interface RunResult {
  readonly changed: readonly string[];
  readonly unchanged: readonly string[];
}

async function runStep(
  s: Step,
  dryRun: boolean,
  emit: (e: ApplyEvent) => void,
  changed: string[],
  unchanged: string[],
): Promise<void> {
  const t0 = Date.now();
  const base = { type: "step" as const, id: s.id, title: s.title, ...(s.host ? { host: s.host } : {}) };
  try {
    if (await s.check()) {
      unchanged.push(s.id);
      emit({ ...base, status: "unchanged", ms: Date.now() - t0 });
      return;
    }
    if (dryRun && !s.readOnly) {
      changed.push(s.id);
      emit({ ...base, status: "would-change", ms: Date.now() - t0 });
      return;
    }
    emit({ ...base, status: "running", ms: Date.now() - t0 });
    await s.act();
    changed.push(s.id);
    emit({ ...base, status: "changed", ms: Date.now() - t0 });
  } catch (e) {
    emit({ ...base, status: "failed", ms: Date.now() - t0, error: (e as Error).message });
    throw e;
  }
}

export async function runPhases(
  phases: readonly Phase[],
  o: { dryRun?: boolean; emit?: (e: ApplyEvent) => void } = {},
): Promise<RunResult> {
  const emit = o.emit ?? (() => undefined);
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const p of phases) {
    emit({ type: "phase", title: p.title });
    const steps = typeof p.steps === "function" ? await p.steps() : p.steps;
    if (!p.parallel) {
      for (const s of steps) await runStep(s, o.dryRun === true, emit, changed, unchanged);
      continue;
    }
    const byHost = new Map<string, Step[]>();
    for (const s of steps) byHost.set(s.host ?? "", [...(byHost.get(s.host ?? "") ?? []), s]);
    const results = await Promise.allSettled(
      [...byHost.values()].map(async (list) => {
        for (const s of list) await runStep(s, o.dryRun === true, emit, changed, unchanged);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
  return { changed, unchanged };
}
