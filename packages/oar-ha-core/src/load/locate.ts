import type { LineCounter } from "yaml";
import { isMap, isSeq, type Document, type Node } from "yaml";

/** "nodes[1].address" -> ["nodes", 1, "address"] */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/**
 * Finds the line and column of a field path in the YAML document. A path that does not
 * exist (a missing field) resolves to its nearest existing parent, which is where the user
 * has to add it.
 */
export function locator(doc: Document, lines: LineCounter) {
  return (path: string): { line: number; column: number } | undefined => {
    const parts = parsePath(path);
    let node: unknown = doc.contents;
    let best: Node | undefined = doc.contents ?? undefined;
    for (const part of parts) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === part);
        if (!pair) break;
        best = (pair.value as Node | null) ?? (pair.key as Node);
        node = pair.value;
      } else if (isSeq(node) && typeof part === "number") {
        const item = node.items[part] as Node | undefined;
        if (!item) break;
        best = item;
        node = item;
      } else break;
    }
    const offset = best?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
}
