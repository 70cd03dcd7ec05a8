import { catalogue } from "../errors/catalogue.js";
import { clusterJsonSchema } from "./json-schema.js";

/*
 * docs/reference.md and docs/errors.md are generated from the schema and the catalogue, so
 * they cannot drift: a test compares them with these functions' output.
 */

interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  anyOf?: Node[];
  oneOf?: Node[];
  allOf?: Node[];
  additionalProperties?: Node | boolean;
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(n: Node): string {
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``;
  if (n.enum) return n.enum.map((e) => `\`${String(e)}\``).join(" | ");
  const variants = n.anyOf ?? n.oneOf;
  if (variants?.every((v) => v.properties?.kind?.const !== undefined))
    return `object, by \`kind\`: ${variants.map((v) => `\`${String(v.properties?.kind?.const)}\``).join(" | ")}`;
  if (variants) return variants.map(typeOf).join(" or ");
  if (n.type === "array") return `list of ${n.items ? typeOf(n.items) : "any"}`;
  if (n.type === "object" && n.additionalProperties && typeof n.additionalProperties === "object")
    return `map of ${typeOf(n.additionalProperties)}`;
  return Array.isArray(n.type) ? n.type.join(" or ") : (n.type ?? "any");
}

function rows(n: Node, path: string, out: string[]): void {
  const variants = n.oneOf ?? n.anyOf;
  if (variants && variants.every((v) => v.properties)) {
    for (const v of variants) {
      const kind = v.properties?.kind?.const;
      rows({ ...v }, typeof kind === "string" ? `${path} (kind: ${kind})` : path, out);
    }
    return;
  }
  for (const [key, child] of Object.entries(n.properties ?? {})) {
    const p = path ? `${path}.${key}` : key;
    const required = n.required?.includes(key) && child.default === undefined;
    const limits = [
      child.pattern ? `pattern \`${child.pattern}\`` : "",
      child.minimum !== undefined ? `min ${child.minimum}` : "",
      child.maximum !== undefined ? `max ${child.maximum}` : "",
    ].filter(Boolean);
    out.push(
      `| \`${p.replace(/ \(kind: .*?\)/g, "")}\`${p.includes("(kind:") ? ` ${p.match(/\(kind: .*?\)/g)?.join(" ") ?? ""}` : ""} | ${cell(typeOf(child))} | ${required ? "yes" : ""} | ${child.default !== undefined ? `\`${JSON.stringify(child.default)}\`` : ""} | ${cell([(child.description ?? "").replace(/\.$/, ""), ...limits].filter(Boolean).join(". "))} |`,
    );
    const inner = child.type === "array" && child.items ? child.items : child;
    if (inner.properties || inner.oneOf || inner.anyOf?.some((v) => v.properties))
      rows(inner, child.type === "array" ? `${p}[]` : p, out);
  }
}

export function clusterReferenceMarkdown(): string {
  const out = [
    "# Cluster file reference",
    "",
    "<!-- generated from the schema in @oar-ha/core by a test: do not edit by hand -->",
    "",
    "Every field of `oar-ha.yaml`. A field with a default may be left out. Unknown fields are",
    "errors (a typo never passes silently). Cross-field rules are listed in [errors.md](errors.md).",
    "The JSON Schema itself: `oar-ha validate --schema`.",
    "",
    "| field | type | required | default | description |",
    "|---|---|---|---|---|",
  ];
  rows(clusterJsonSchema(), "", out);
  return out.join("\n") + "\n";
}

export function errorCatalogueMarkdown(): string {
  return [
    "# Error codes",
    "",
    "<!-- generated from the catalogue in @oar-ha/core by a test: do not edit by hand -->",
    "",
    "Codes are permanent: a code keeps its meaning forever. Every message names the field",
    "(`nodes[1].address`), its position in the file, and a fix.",
    "",
    "A run that stops on an error exits with the code of the error's area: 1 invalid input (or",
    "a failed drill), 2 wrong usage, 3 a file or host could not be read, reached or run on,",
    "4 refused (the command may not act now), 6 the cluster did not settle.",
    "",
    "| code | meaning | exit |",
    "|---|---|---|",
    ...Object.values(catalogue).map((e) => `| ${e.code} | ${e.title} | ${e.exit} |`),
    "",
  ].join("\n");
}
