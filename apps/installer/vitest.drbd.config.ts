import { defineProject } from "vitest/config";

/** The DRBD matrix on lab VMs (`npm run test:drbd`): every combination and DRBD drill; an hour and more, not in `npm test`. */
export default defineProject({
  test: {
    name: "oar-ha (DRBD matrix)",
    include: ["test/**/*.drbd.test.ts"],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    fileParallelism: false,
  },
});
