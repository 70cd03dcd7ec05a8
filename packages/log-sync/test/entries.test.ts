import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";

/** Every source file an entry reaches through relative imports, with the node: modules each imports. */
function reach(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/^(?:import|export)[^;]*?from "([^"]+)";/gms)].map((m) => m[1]!);
    seen.set(
      file,
      specs.filter((s) => s.startsWith("node:")),
    );
    for (const s of specs.filter((x) => x.startsWith("./"))) visit(join(dirname(file), s.replace(/\.js$/, ".ts")));
  };
  visit(entry);
  return seen;
}

const src = join(import.meta.dirname, "../src");
// Computation only (hashing is not I/O); files, processes, streams and sockets are not.
const IO = /^node:(fs|fs\/promises|child_process|stream|readline|net|http|https|os|process)$/;

it("the main entry is pure: nothing it reaches imports a file, process, stream or network module", () => {
  const io = [...reach(join(src, "index.ts"))].flatMap(([f, mods]) =>
    mods.filter((m) => IO.test(m)).map((m) => `${f.slice(src.length + 1)}: ${m}`),
  );
  expect(io).toEqual([]);
});

it("the ./node entry holds the I/O (control: the check sees it there)", () => {
  const io = [...reach(join(src, "node.ts"))].flatMap(([, mods]) => mods.filter((m) => IO.test(m)));
  expect(io).toEqual(expect.arrayContaining(["node:fs", "node:child_process", "node:readline"]));
});
