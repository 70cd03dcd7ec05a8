import { describe, expect, it } from "vitest";
import { progressPrinter } from "../src/io/progress.js";

const step = (id: string, status: "running" | "changed" | "unchanged" | "failed", ms = 0, error?: string) => ({
  type: "step" as const,
  id,
  host: "srv-a",
  title: id,
  status,
  ms,
  ...(error ? { error } : {}),
});

function fixture(tty: boolean) {
  let t = 0;
  let out = "";
  const p = progressPrinter({ tty, write: (x) => (out += x), now: () => t });
  return { p, at: (s: number) => ((t = s * 1000), p.tick()), out: () => out };
}

describe("apply's progress", () => {
  it("in a log: a line when a step has run 10 s, then one a minute; nothing for quick or unchanged steps", () => {
    const f = fixture(false);
    f.p.emit({ type: "phase", title: "packages" });
    f.p.emit(step("quick", "running"));
    f.at(2);
    f.p.emit(step("quick", "changed", 2000));
    f.p.emit(step("same", "unchanged"));
    f.p.emit(step("install", "running"));
    for (let s = 3; s <= 140; s++) f.at(s);
    f.p.emit(step("install", "changed", 137_500));
    f.p.stop();
    expect(f.out()).toBe(
      [
        "== packages",
        "  changed      srv-a: quick (2.0 s)",
        "  running      srv-a: install (10 s so far)",
        "  running      srv-a: install (70 s so far)",
        "  running      srv-a: install (130 s so far)",
        "  changed      srv-a: install (137.5 s)",
        "",
      ].join("\n"),
    );
  });

  it("on a terminal: one live line with the elapsed time, erased before any other line", () => {
    const f = fixture(true);
    f.p.emit(step("install", "running"));
    f.p.emit({ ...step("wait", "running"), host: "srv-b" });
    f.at(1);
    f.at(2);
    f.p.say("DRBD oar-db: initial sync 40%");
    f.p.emit(step("install", "failed", 2500, "apt-get exit 100"));
    f.p.stop();
    expect(f.out()).toBe(
      "\r\x1b[K  … srv-a: install (1 s) and 1 more" +
        "\r\x1b[K  … srv-a: install (2 s) and 1 more" +
        "\r\x1b[KDRBD oar-db: initial sync 40%\n" +
        "  FAILED srv-a: install (2.5 s)\n    apt-get exit 100\n",
    );
  });
});
