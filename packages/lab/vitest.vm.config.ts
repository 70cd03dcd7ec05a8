import { defineProject } from "vitest/config";
import { hbsText } from "../../tooling/vitest.base.js";

/** The VM suite (`npm run test:vm`): qemu under software emulation, minutes per file; not in `npm test`. */
export default defineProject({
  plugins: [hbsText()],
  test: { name: "@oar-ha/lab (VMs)", include: ["test/**/*.vm.test.ts"], testTimeout: 600_000, hookTimeout: 1_200_000, fileParallelism: false },
});
