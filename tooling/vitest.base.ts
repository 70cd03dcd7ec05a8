import { readFileSync } from "node:fs";
import type { Plugin } from "vitest/config";

const TEXT = /\.(hbs|sh|pl|service)$/;

/** Loads `.hbs` templates and host-side scripts (`.sh`, `.pl`, `.service`) as strings in tests, the way tsup's text loader does in builds. */
export function hbsText(): Plugin {
  return {
    name: "oar-ha-hbs-text",
    enforce: "pre",
    load(id) {
      if (!TEXT.test(id)) return null;
      return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
    },
  };
}
