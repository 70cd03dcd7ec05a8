import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@oar-ha/drill", include: ["test/**/*.test.ts"], testTimeout: 600_000, hookTimeout: 300_000, fileParallelism: false },
});
