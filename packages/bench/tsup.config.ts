import { defineConfig } from "tsup";
import { tsupBase } from "../../tooling/tsup.base.js";

export default defineConfig(tsupBase());
