import { createTwoFilesPatch } from "diff";
import { mergeLeadingLines, mergeShellKeys, type RenderedFile } from "@oar-ha/core";
import type { HostFacts } from "./facts.js";

/*
 * The planner is pure: facts + rendered files in, the changes out, each with a diff a
 * human can review. Secret-bearing files never show their content, only that they change.
 */

export interface FileChange {
  readonly host: string;
  readonly path: string;
  readonly action: "create" | "update" | "metadata" | "none";
  readonly mode: string;
  readonly owner: string;
  readonly sensitive: boolean;
  /** The bytes to install (base64), after merging into the host's file where asked. */
  readonly content: string;
  /** Unified diff (or a sentence for secrets and binary files). */
  readonly diff: string;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const text = (b: string): string => Buffer.from(b, "base64").toString("utf8");

export function planFile(f: RenderedFile, facts: Pick<HostFacts, "files">): FileChange {
  const cur = facts.files[f.path];
  const merged = (m: (existing: string, fragment: string) => string) => b64(m(cur ? text(cur.content) : "", f.content));
  const desired =
    f.encoding === "base64"
      ? f.content
      : f.merge === "shell-keys"
        ? merged(mergeShellKeys)
        : f.merge === "leading-lines"
          ? merged(mergeLeadingLines)
          : b64(f.content);
  const sensitive = f.sensitive === true;
  const base = { host: f.host, path: f.path, mode: f.mode, owner: f.owner, sensitive, content: desired };
  if (!cur) {
    return {
      ...base,
      action: "create",
      diff:
        sensitive || f.encoding === "base64"
          ? `(new file ${f.path}, ${f.mode} ${f.owner}; content hidden: it holds a secret)`
          : createTwoFilesPatch("/dev/null", f.path, "", text(desired)),
    };
  }
  if (cur.content !== desired) {
    return {
      ...base,
      action: "update",
      diff:
        sensitive || f.encoding === "base64"
          ? `(${f.path} changes; content hidden: it holds a secret)`
          : createTwoFilesPatch(f.path, f.path, text(cur.content), text(desired)),
    };
  }
  if (cur.mode !== f.mode || cur.owner !== f.owner) {
    return {
      ...base,
      action: "metadata",
      diff: `${f.path}: mode/owner ${cur.mode} ${cur.owner} -> ${f.mode} ${f.owner}`,
    };
  }
  return { ...base, action: "none", diff: "" };
}

export function planFiles(files: readonly RenderedFile[], facts: ReadonlyMap<string, HostFacts>): FileChange[] {
  return files.flatMap((f) => {
    const h = facts.get(f.host);
    return h ? [planFile(f, h)] : [];
  });
}
