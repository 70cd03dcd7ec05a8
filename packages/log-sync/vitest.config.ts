import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@oar-ha/log-sync", include: ["test/**/*.test.ts"], testTimeout: 120_000 },
});
