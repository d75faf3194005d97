// main returns while fibers are still alive: the program ends, as in Go, and they are reported,
// the one preempted at a safepoint with the function it was in (printed by the core itself,
// so the WASI runner's report is the same: tests/wasi.test.ts).
import { spawn, yieldNow, park } from "weft";

let spins: u64 = 0;

function forever(): void {
  while (true) yieldNow();
}
function parked(): void {
  park();
}
function hog(): void {
  // no call, no yield: only the safepoint at the top of the loop stops it
  while (true) spins++;
}

export function main(): void {
  spawn(forever, "spinner");
  spawn(parked, "sleeper");
  spawn(hog, "hog");
  yieldNow();
  console.log("main returns");
}
