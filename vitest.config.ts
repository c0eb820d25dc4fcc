import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: training-backed integration tests must not run side by side.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
