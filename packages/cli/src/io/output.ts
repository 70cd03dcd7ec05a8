import pc from "picocolors";
import { formatIssue, type Issue } from "@oar-ha/core";

/** Exit codes (one source: the catalogue in @oar-ha/core); documented in the CLI's README and `oar-ha --help`. */
export { EXIT } from "@oar-ha/core";

export function printIssues(issues: readonly Issue[], stream: NodeJS.WriteStream = process.stderr): void {
  for (const i of issues) {
    const text = formatIssue(i);
    const paint = i.severity === "error" ? pc.red : pc.yellow;
    stream.write(text.replace(/ (error|warning) /, (m) => paint(m)) + "\n");
  }
}

export function summary(issues: readonly Issue[]): string {
  const e = issues.filter((i) => i.severity === "error").length;
  const w = issues.length - e;
  return `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}`;
}

export const json = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
};
