import { defineProject } from "vitest/config";
import { hbsText } from "../../tooling/vitest.base.js";

export default defineProject({
  plugins: [hbsText()],
  test: {
    name: "@oar-ha/bench",
    include: ["test/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
