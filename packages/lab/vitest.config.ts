import { defineProject } from "vitest/config";
import { hbsText } from "../../tooling/vitest.base.js";

export default defineProject({
  plugins: [hbsText()],
  test: {
    name: "@oar-ha/lab",
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.vm.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
