import { defineConfig } from "tsup";
import { tsupBase } from "../../tooling/tsup.base.js";

// The library, and the agent a server runs (Debian 12's nodejs is 18: the agent targets it).
export default defineConfig([
  tsupBase({ entry: ["src/index.ts", "src/node.ts"] }),
  tsupBase({ entry: { cli: "src/cli.ts" }, dts: false, clean: false, target: "node18" }),
]);
