import { defineConfig } from "vitest/config";

// `npx vitest` at the root runs every package as its own project; turbo runs them one by one.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
