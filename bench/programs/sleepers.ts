// sleepers: FIBERS fibers each sleep SLEEP_MS. Measured from just before the first spawn
// to the last wake-up, on the program's own clock (`now()`); bench/run.ts runs it in a
// child process of its own and reads the process's peak RSS there.
//
// Constants (asc `--use NAME=value`): FIBERS, SLEEP_MS.
//
// Output, checked by the harness:
//   woke=<FIBERS> early=0 elapsed_us=<first spawn to last wake-up, µs>

import { spawn, sleep, now, WaitGroup } from "weft";

// @ts-ignore: compile-time constant from --use
const TOTAL: i32 = isDefined(FIBERS) ? FIBERS : 100_000;
// @ts-ignore: compile-time constant from --use
const DURATION: f64 = isDefined(SLEEP_MS) ? <f64>SLEEP_MS : 100;

let woke: i32 = 0;
let early: i32 = 0;
let lastWake: f64 = 0;
const wg = new WaitGroup();

let start: f64 = 0;

function sleeper(): void {
  sleep(DURATION);
  const at = now();
  // (tests/time.test.ts checks each fiber's own deadline; one clock read per fiber here)
  if (at - start < DURATION) early++;
  woke++;
  lastWake = at;
  wg.done();
}

export function main(): void {
  wg.add(TOTAL);
  start = now();
  for (let i = 0; i < TOTAL; i++) spawn(sleeper);
  wg.wait();
  console.log("woke=" + woke.toString() + " early=" + early.toString() + " elapsed_us=" + (<i64>((lastWake - start) * 1000)).toString());
}
