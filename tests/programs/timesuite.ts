// The timer programs of tests/time.test.ts that no other test file builds (timerorder,
// timerstress, sleepzero) in one module: the host's `suite.program` import says which one
// to run, by its place in PROGRAMS (tests/suites.ts TIME_PROGRAMS). The same arrangement as
// tests/programs/syncsuite.ts, whose header says why programs may share a module; the
// WaitGroups these programs make at the top level are never named in their output.
import { main as timerorder } from "./timerorder";
import { main as timerstress } from "./timerstress";
import { main as sleepzero } from "./sleepzero";

// @ts-ignore: decorator
@external("suite", "program")
declare function program(): i32;

/** In the order of tests/suites.ts TIME_PROGRAMS. */
const PROGRAMS: (() => void)[] = [timerorder, timerstress, sleepzero];

export function main(): void {
  const which = program();
  if (which < 0 || which >= PROGRAMS.length) throw new Error("timesuite: no program #" + which.toString());
  PROGRAMS[which]();
}
