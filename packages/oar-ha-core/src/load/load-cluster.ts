import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { issue, pathToString, type Issue } from "../errors/issue.js";
import { clusterSchema, type Cluster } from "../schema/cluster.js";
import { runRules } from "../rules/index.js";
import { locator } from "./locate.js";

export interface LoadResult {
  /** Present when the file parsed and matched the schema (rules may still have found errors). */
  readonly cluster?: Cluster;
  /** Every problem found, errors and warnings, in file order. */
  readonly issues: readonly Issue[];
}

/**
 * Parses and checks a cluster file's text. Pure: the caller reads the file. Never throws on
 * bad input; reports all problems at once, each with its field path and position.
 */
export function loadCluster(text: string, file = "oar-ha.yaml"): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const posOf = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset));
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => {
        const pos = posOf(e.pos[0]);
        return {
          ...issue("YamlSyntax", "", e.message.split("\n")[0] ?? e.message, "correct the YAML syntax at this position"),
          file,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    };
  }
  const at = locator(doc, lines);
  const place = (i: Issue): Issue => ({ ...i, file, ...at(i.path) });

  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (e) {
    return {
      issues: [
        {
          ...issue(
            "YamlSyntax",
            "",
            (e as Error).message,
            "correct the YAML (anchors must be defined before their aliases)",
          ),
          file,
          line: 1,
          column: 1,
        },
      ],
    };
  }
  const parsed = clusterSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return { issues: sortIssues(parsed.error.issues.flatMap((zi) => fromZod(zi)).map(place)) };
  }
  const issues = runRules(parsed.data).map(place);
  return { cluster: parsed.data, issues: sortIssues(issues) };
}

/** Schema check of an already-built object (for libraries that build clusters in code). */
export function checkCluster(input: unknown): LoadResult {
  const parsed = clusterSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { issues: parsed.error.issues.flatMap((zi) => fromZod(zi)) };
  return { cluster: parsed.data, issues: runRules(parsed.data) };
}

function sortIssues(issues: Issue[]): Issue[] {
  return issues
    .map((i, n) => ({ i, n }))
    .sort((a, b) => (a.i.line ?? 0) - (b.i.line ?? 0) || (a.i.column ?? 0) - (b.i.column ?? 0) || a.n - b.n)
    .map(({ i }) => i);
}

function fromZod(zi: z.core.$ZodIssue): Issue[] {
  const path = pathToString(zi.path);
  switch (zi.code) {
    case "unrecognized_keys":
      return zi.keys.map((k) =>
        issue(
          "UnknownField",
          path ? `${path}.${k}` : k,
          `unknown field "${k}"`,
          "remove it or correct its spelling (see `oar-ha validate --schema`)",
        ),
      );
    case "invalid_type":
      if (zi.input === undefined) {
        return [
          issue(
            "MissingField",
            path,
            `required field is missing (expected ${zi.expected})`,
            `add \`${path.split(".").pop() ?? path}\``,
          ),
        ];
      }
      return [
        issue("SchemaInvalid", path, `expected ${zi.expected}, got ${typeof zi.input}`, `write a ${zi.expected} here`),
      ];
    case "invalid_value":
      return [
        issue(
          "SchemaInvalid",
          path,
          `invalid value ${JSON.stringify(zi.input)}`,
          `use one of: ${zi.values.map((v) => JSON.stringify(v)).join(", ")}`,
        ),
      ];
    case "invalid_union": {
      const note = "note" in zi && typeof zi.note === "string" ? zi.note : "";
      if (note.includes("discriminator") || zi.errors.length === 0) {
        const at = path.endsWith("kind") ? path : path ? `${path}.kind` : "kind";
        return [
          issue(
            "SchemaInvalid",
            at,
            "missing or unknown `kind`",
            "set `kind` to one of the documented kinds (see `oar-ha validate --schema`)",
          ),
        ];
      }
      return [issue("SchemaInvalid", path, zi.message, "see the schema for the allowed shapes")];
    }
    case "too_small":
    case "too_big":
      return [
        issue(
          "SchemaInvalid",
          path,
          zi.message.replace(/^Too (small|big): /, ""),
          "change the value to fit the allowed range",
        ),
      ];
    case "invalid_format":
      return [issue("SchemaInvalid", path, zi.message, "correct the value's format")];
    default:
      return [issue("SchemaInvalid", path, zi.message, "correct this value")];
  }
}
