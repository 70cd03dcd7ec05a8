import type { Options } from "tsup";

/**
 * The one build config every package spreads. Templates (`.hbs`) and host-side scripts
 * (`.sh`, `.pl`, `.service`) are bundled as text so a published package never reads its own files at run time.
 */
export function tsupBase(overrides: Options = {}): Options {
  return {
    entry: ["src/index.ts"],
    format: ["esm"],
    target: "node20",
    platform: "node",
    dts: true,
    sourcemap: false,
    clean: true,
    treeshake: true,
    loader: { ".hbs": "text", ".sh": "text", ".pl": "text", ".service": "text" },
    ...overrides,
  };
}
