import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Ceilings, not speed claims (those are benchmarks): a 2-core machine under load runs the process and
    // App end-to-end tests several times slower than a quiet one.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: training-backed integration tests must not run side by side.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
