// A program with one pure compute function (never reaches a yield) and one that yields.
import { spawn, yieldNow } from "weft";

let result: i32 = 0;

/** Pure compute: cannot reach a suspend primitive, so asyncify must leave it alone. */
export function collatzSteps(start: i32): i32 {
  let n = start;
  let steps = 0;
  while (n != 1) {
    n = n & 1 ? 3 * n + 1 : n >> 1;
    steps++;
  }
  return steps;
}

function stepper(): void {
  for (let i = 1; i < 30; i++) {
    result += collatzSteps(i);
    yieldNow();
  }
}

export function main(): void {
  spawn(stepper, "stepper").join();
  console.log("steps " + result.toString());
}
