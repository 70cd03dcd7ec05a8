import { copyFile } from "node:fs/promises";
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
    // CommonJS dependencies (ssh2) expect require and __dirname (it finds its optional native crypto next to the bundle).
    // The log-sync agent apply installs on the OAR servers travels next to the program.
    onSuccess: () => copyFile("../../packages/log-sync/dist/cli.js", "dist/oar-ha-log-sync.js"),
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
    },
  }),
);
