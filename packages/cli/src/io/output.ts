import pc from "picocolors";
import { formatIssue, type Issue } from "@oar-ha/core";

/** Exit codes: documented in the CLI's README and `oar-ha --help`. */
/** degraded/unhealthy: status and switchover's verdict on the cluster (services run but could not fail over / a service is down). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, io: 3, refused: 4, degraded: 5, unhealthy: 6 } as const;

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
