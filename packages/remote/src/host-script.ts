import { shq } from "./transport.js";

/*
 * Host-side scripts live in .sh files (checked by sh -n and shellcheck in the tests) and are
 * bundled as text. Values reach them one way only: shell variable assignments in front of the
 * script, each value quoted by shq. Never secrets (those travel on stdin).
 */

const NAME = /^[A-Z][A-Z0-9_]*$/;

/** The script with its variables set: `NAME='value'` lines, then the script's own text. */
export function hostScript(script: string, vars: Readonly<Record<string, string | number>> = {}): string {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (!NAME.test(k)) throw new Error(`host script variable ${k}: upper-case letters, digits and _ only`);
    return `${k}=${shq(String(v))}`;
  });
  return [...lines, script].join("\n");
}

/** key=value lines (a probe script's output) as a record; later keys win. */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split("\n")) {
    const i = l.indexOf("=");
    if (i > 0) out[l.slice(0, i).trim()] = l.slice(i + 1).trim();
  }
  return out;
}
