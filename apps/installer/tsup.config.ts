import { defineConfig } from "tsup";
import { tsupBase } from "../../tooling/tsup.base.js";

// One self-contained file: every dependency is bundled so `npx oar-ha` installs nothing else.
export default defineConfig(
  tsupBase({
    entry: { "oar-ha": "src/main.ts" },
    dts: false,
    noExternal: [/.*/],
    minify: true,
    splitting: false,
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  }),
);
