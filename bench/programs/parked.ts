// parked: FIBERS fibers each park one call deep (entry `sleeper` -> `wait` -> park()) and
// are never woken. `main` spawns them, yields once so that every one of them runs and
// parks, and returns: the program ends with FIBERS fibers alive and blocked, which is the
// point (the host reports them on stderr). bench/run.ts measures the memory they hold.
//
// Constant (asc `--use NAME=value`): FIBERS.
//
// Output, checked by the harness:  parked=<FIBERS> woken=0

import { spawn, yieldNow, park } from "weft";

// @ts-ignore: compile-time constant from --use
const TOTAL: i32 = isDefined(FIBERS) ? FIBERS : 100_000;

let parked: i32 = 0;
let woken: i32 = 0;
let peak: i32 = 0;

// Exported only so that it stays a function of its own: with one caller and no export,
// the optimizer inlines it into `sleeper` and the fibers would park zero calls deep. The
// harness checks that `parked/wait` was instrumented as a function of its own.
export function wait(): void {
  let n = ++parked;
  if (n > peak) peak = n;
  park();
}

// Not a bare thunk: the optimizer would otherwise put `wait` in its place in the table.
function sleeper(): void {
  wait();
  woken++; // never reached: nothing wakes these fibers
}

export function main(): void {
  for (let i = 0; i < TOTAL; i++) spawn(sleeper);
  yieldNow();
  console.log("parked=" + parked.toString() + " woken=" + woken.toString());
}
