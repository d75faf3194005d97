// main returns while fibers are still alive: the program ends, as in Go, and they are reported.
import { spawn, yieldNow, park } from "weft";

function forever(): void {
  while (true) yieldNow();
}
function parked(): void {
  park();
}

export function main(): void {
  spawn(forever, "spinner");
  spawn(parked, "sleeper");
  yieldNow();
  console.log("main returns");
}
