// suites.ts: the test programs that share one module (a suite), and how a test runs one of
// them. A suite (tests/programs/syncsuite.ts, sync2suite.ts, timesuite.ts) imports each
// program's `main` and runs the one its `suite.program` import names by number: the place
// of its name in the lists below, which must be in the suite's order (a wrong order runs
// the wrong program, and its test fails on the output). One build per build mode then
// serves every program of the suite.
import { buildAndRun, type Run, type TestBuildOptions } from "./helpers.js";
import type { RuntimeOptions } from "../host/runtime.js";

export const SYNC_PROGRAMS = ["sieve", "prodcons", "philosophers", "closing", "lockorder", "allblocked", "misuse", "select", "selectdeadlock"];
export const SYNC2_PROGRAMS = ["semaphore", "once", "cond", "sync2misuse", "semadeadlock", "sync2cancel"];
export const TIME_PROGRAMS = ["timerorder", "timerstress", "sleepzero"];

/** The imports that make a suite whose programs are `programs` run `name` (RuntimeOptions.imports). */
export function suiteImports(programs: string[], name: string): RuntimeOptions["imports"] {
  const index = programs.indexOf(name);
  if (index < 0) throw new Error(`no program "${name}" in [${programs.join(", ")}]`);
  return { suite: { program: () => index } };
}

/** Builds `suite` (once per options: cached) and runs its program `name` of `programs`. */
export function runInSuite(suite: string, programs: string[], name: string, options: TestBuildOptions = {}): Promise<Run> {
  return buildAndRun(suite, options, suiteImports(programs, name));
}
