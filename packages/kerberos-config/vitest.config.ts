import { defineProject } from "vitest/config";
import { hbsText } from "../../tooling/vitest.base.js";

export default defineProject({
  plugins: [hbsText()],
  test: { name: "@oar-ha/kerberos-config", include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
