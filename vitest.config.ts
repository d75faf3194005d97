import { defineConfig } from "vitest/config";

// Tests build real programs with the real pipeline (asc + binaryen, ~1-3 s each) and run
// them to completion; none asserts on time, so the timeouts only guard against hangs.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
