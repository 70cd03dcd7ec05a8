import { readFileSync } from "node:fs";
import type { Plugin } from "vitest/config";

/** Loads `.hbs` templates as strings in tests, the way tsup's text loader does in builds. */
export function hbsText(): Plugin {
  return {
    name: "oar-ha-hbs-text",
    enforce: "pre",
    load(id) {
      if (!id.endsWith(".hbs")) return null;
      return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
    },
  };
}
