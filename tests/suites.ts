// suites.ts: the test programs that share one module (a suite), and how a test runs one of
// them. A suite (tests/programs/syncsuite.ts, sync2suite.ts) imports each program's `main`
// and runs the one its `suite.program` import names by number: the place of its name in
// the lists below, which must be in the suite's order (a wrong order runs the wrong
// program, and its test fails on the output). One build per build mode then serves every
// program of the suite.
import { buildAndRun, type Run, type TestBuildOptions } from "./helpers.js";

export const SYNC_PROGRAMS = ["sieve", "prodcons", "philosophers", "closing", "lockorder", "allblocked", "misuse", "select", "selectdeadlock"];
export const SYNC2_PROGRAMS = ["semaphore", "once", "cond", "sync2misuse", "semadeadlock", "sync2cancel"];

/** Builds `suite` (once per options: cached) and runs its program `name` of `programs`. */
export function runInSuite(suite: string, programs: string[], name: string, options: TestBuildOptions = {}): Promise<Run> {
  const index = programs.indexOf(name);
  if (index < 0) throw new Error(`${suite} has no program "${name}"`);
  return buildAndRun(suite, options, { suite: { program: () => index } });
}
