import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import FirstTheWaiters from "./tests/sequencer.js";

// Tests build real programs with the real pipeline (asc + binaryen, seconds each) and run
// them to completion. Builds go through a content-addressed cache shared by the workers
// (tests/buildcache.ts), so each program is built once per run however many files use it,
// and the global setup (tests/buildahead.ts) builds the run's programs ahead, one process
// per core, while the tests start (tests/builds.ts lists what each file builds).
//
// No test asserts how long something takes: timing targets belong to the benchmarks
// (`npm run bench`). Where a test needs time to pass, it runs on a virtual clock (vitest's
// fake timers) or waits for an event; a program may still check that a deadline has
// passed when it wakes, which no load can break. The timeouts only guard against hangs.
//
// Heavy stress runs (many fibers, long soaks) are not here: `npm run test:stress`
// (vitest.stress.config.ts, tests/stress/).
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    exclude: ["tests/stress/**", "**/node_modules/**"],
    globalSetup: ["tests/buildahead.ts"],
    // the files that mostly wait on child processes start first (tests/sequencer.ts)
    sequence: { sequencer: FirstTheWaiters },
    // vitest's default on a 2-core machine is one worker; many tests wait (timers, child
    // processes, sockets) rather than compute, so two keep both cores busy
    maxWorkers: Math.max(2, availableParallelism()),
    // generous: a test's time includes waiting for its programs' builds, which take minutes
    // on a loaded machine (four builds at once on two busy cores)
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
