import { defineConfig } from "tsup";
import { tsupBase } from "../../tooling/tsup.base.js";

export default defineConfig(tsupBase({ entry: ["src/index.ts", "src/testing.ts"] }));
