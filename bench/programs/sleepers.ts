// sleepers: FIBERS fibers each sleep SLEEP_MS. Measured from just before the first spawn
// to the last wake-up (main, which wakes when the last sleeper is done), on the program's
// own clock (`now()`); bench/run.ts runs it in a child process of its own and reads the
// process's peak RSS there.
//
// Constants (asc `--use NAME=value`): FIBERS, SLEEP_MS.
//
// Output, checked by the harness:
//   woke=<FIBERS> early=0 elapsed_us=<first spawn to last wake-up, µs>
// (`early` is 1 if the whole span was shorter than SLEEP_MS.)

import { spawn, sleep, now, WaitGroup } from "weft";

// @ts-ignore: compile-time constant from --use
const TOTAL: i32 = isDefined(FIBERS) ? FIBERS : 100_000;
// @ts-ignore: compile-time constant from --use
const DURATION: f64 = isDefined(SLEEP_MS) ? <f64>SLEEP_MS : 100;

let woke: i32 = 0;
const wg = new WaitGroup();

function sleeper(): void {
  sleep(DURATION);
  woke++;
  wg.done();
}

export function main(): void {
  wg.add(TOTAL);
  const start = now();
  for (let i = 0; i < TOTAL; i++) spawn(sleeper);
  wg.wait();
  // main wakes right after the last sleeper's done(): its clock read ends the span
  // (tests/time.test.ts checks that no fiber wakes before its own deadline)
  const elapsed = now() - start;
  const early = elapsed < DURATION ? 1 : 0;
  console.log("woke=" + woke.toString() + " early=" + early.toString() + " elapsed_us=" + (<i64>(elapsed * 1000)).toString());
}
