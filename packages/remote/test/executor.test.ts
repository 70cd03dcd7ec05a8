import { describe, expect, it } from "vitest";
import { runPhases, type ApplyEvent, type Phase, type Step } from "../src/index.js";

/*
 * The executor on its own (pure: steps over an in-memory "host"): check before act, a failed
 * step stops the run, and a second run resumes where the first stopped, redoing nothing.
 */

function host() {
  const state = new Set<string>();
  const acted: string[] = [];
  let failOnce: string | undefined;
  const step = (id: string, h = "h1"): Step => ({
    id,
    host: h,
    title: id,
    check: () => Promise.resolve(state.has(id)),
    act: () => {
      acted.push(id);
      if (failOnce === id) {
        failOnce = undefined;
        return Promise.reject(new Error(`${id} failed`));
      }
      state.add(id);
      return Promise.resolve();
    },
  });
  return { state, acted, step, failNext: (id: string) => (failOnce = id) };
}

describe("runPhases", () => {
  it("acts only where the check says so, in phase order", async () => {
    const x = host();
    x.state.add("b");
    const phases: Phase[] = [
      { title: "one", parallel: false, steps: [x.step("a"), x.step("b")] },
      { title: "two", parallel: true, steps: [x.step("c", "h1"), x.step("d", "h2")] },
    ];
    const events: ApplyEvent[] = [];
    const r = await runPhases(phases, { emit: (e) => events.push(e) });
    expect(r.changed).toEqual(["a", "c", "d"]);
    expect(r.unchanged).toEqual(["b"]);
    expect(x.acted).toEqual(["a", "c", "d"]);
    expect(events.filter((e) => e.type === "phase").map((e) => (e as { title: string }).title)).toEqual(["one", "two"]);
    // A step that acts says so when it starts (progress, and the journal of a killed run), then how it ended.
    const of = (id: string) => events.flatMap((e) => (e.type === "step" && e.id === id ? [e.status] : []));
    expect([of("a"), of("b")]).toEqual([["running", "changed"], ["unchanged"]]);
  });

  it("stops at a failed step; the re-run resumes there and redoes nothing before it", async () => {
    const x = host();
    const phases = (): Phase[] => [{ title: "p", parallel: false, steps: [x.step("a"), x.step("b"), x.step("c")] }];
    x.failNext("b");
    await expect(runPhases(phases())).rejects.toThrow("b failed");
    expect(x.acted).toEqual(["a", "b"]);
    const r = await runPhases(phases());
    expect(r.unchanged).toEqual(["a"]);
    expect(r.changed).toEqual(["b", "c"]);
    expect(x.acted).toEqual(["a", "b", "b", "c"]);
  });

  it("in a parallel phase, one host's failure does not stop another host's steps, and the phase fails", async () => {
    const x = host();
    x.failNext("a1");
    const phases: Phase[] = [
      { title: "p", parallel: true, steps: [x.step("a1", "h1"), x.step("a2", "h1"), x.step("b1", "h2")] },
      { title: "after", parallel: false, steps: [x.step("z")] },
    ];
    await expect(runPhases(phases)).rejects.toThrow("a1 failed");
    // h1 stopped at its failed step; h2 went on; the next phase never started.
    expect(x.acted.sort()).toEqual(["a1", "b1"]);
  });

  it("a dry run checks everything and acts only on read-only steps", async () => {
    const x = host();
    const ro: Step = { ...x.step("gather"), readOnly: true };
    const r = await runPhases([{ title: "p", parallel: false, steps: [x.step("a"), ro] }], { dryRun: true });
    expect(r.changed).toEqual(["a", "gather"]);
    expect(x.acted).toEqual(["gather"]);
  });
});
