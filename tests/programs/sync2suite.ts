// The programs of tests/sync2.test.ts (Semaphore, Once and Cond: semantics, misuse,
// deadlock reports, cancellation) in one module, so that the suite builds them once per
// build mode instead of once per program: the host's `suite.program` import says which
// one to run, by its place in PROGRAMS (tests/suites.ts SYNC2_PROGRAMS). The same
// arrangement as tests/programs/syncsuite.ts, whose header says why programs may share a
// module.
import { main as semaphore } from "./semaphore";
import { main as once } from "./once";
import { main as cond } from "./cond";
import { main as sync2misuse } from "./sync2misuse";
import { main as semadeadlock } from "./semadeadlock";
import { main as sync2cancel } from "./sync2cancel";

// @ts-ignore: decorator
@external("suite", "program")
declare function program(): i32;

/** In the order of tests/suites.ts SYNC2_PROGRAMS. */
const PROGRAMS: (() => void)[] = [semaphore, once, cond, sync2misuse, semadeadlock, sync2cancel];

export function main(): void {
  const which = program();
  if (which < 0 || which >= PROGRAMS.length) throw new Error("sync2suite: no program #" + which.toString());
  PROGRAMS[which]();
}
