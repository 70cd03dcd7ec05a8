import { defineProject } from "vitest/config";
import { hbsText } from "../../tooling/vitest.base.js";

export default defineProject({
  plugins: [hbsText()],
  test: { name: "@oar-ha/log-sync", include: ["test/**/*.test.ts"], testTimeout: 120_000 },
});
