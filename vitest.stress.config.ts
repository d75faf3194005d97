import { defineConfig } from "vitest/config";

// `npm run test:stress`: the heavy runs kept out of `npm test` (tests/stress/): many
// fibers, long soaks, big property-test batches. Same rules as the suite (vitest.config.ts):
// exact results, no assertions on time; only slower.
export default defineConfig({
  test: {
    include: ["tests/stress/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
