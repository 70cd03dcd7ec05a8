import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "oar-ha",
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.drbd.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
