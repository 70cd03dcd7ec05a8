/**
 * `leading-lines` merge: the fragment's lines must open the file (an `includedir` that must
 * come first so its settings win), the rest of the file stays as the host has it. Lines of the
 * fragment found further down are moved up, never doubled. Pure and idempotent.
 */
export function mergeLeadingLines(existing: string, fragment: string): string {
  const want = fragment.split("\n").filter((l) => l.length > 0);
  const rest = existing.split("\n");
  if (rest.at(-1) === "") rest.pop();
  const kept = rest.filter((l) => !want.includes(l));
  return [...want, ...kept].join("\n") + "\n";
}
