// The programs of tests/sync.test.ts (channels, select, deadlock reports, misuse) in one
// module, so that the suite builds them once per build mode instead of once per program:
// the host's `suite.program` import (RuntimeOptions.imports) says which one to run, by
// its place in PROGRAMS, and only that one runs (tests/suites.ts has the test side).
//
// Each program stays in its own file, as a user would write it (`export function main`).
// What makes sharing a module safe: none of them creates an object with an id (channel,
// mutex, ...) or a fiber in its top-level code, so ids and fiber numbers are the ones the
// program would have alone; a program that needs module-level objects makes them in its
// `main` (misuse.ts, its `setup`).
import { main as sieve } from "./sieve";
import { main as prodcons } from "./prodcons";
import { main as philosophers } from "./philosophers";
import { main as closing } from "./closing";
import { main as lockorder } from "./lockorder";
import { main as allblocked } from "./allblocked";
import { main as misuse } from "./misuse";
import { main as select } from "./select";
import { main as selectdeadlock } from "./selectdeadlock";

// @ts-ignore: decorator
@external("suite", "program")
declare function program(): i32;

/** In the order of tests/suites.ts SYNC_PROGRAMS. */
const PROGRAMS: (() => void)[] = [sieve, prodcons, philosophers, closing, lockorder, allblocked, misuse, select, selectdeadlock];

export function main(): void {
  const which = program();
  if (which < 0 || which >= PROGRAMS.length) throw new Error("syncsuite: no program #" + which.toString());
  PROGRAMS[which]();
}
