// Precise instrumentation: an indirect call can only reach table entries of its own
// signature. `step` callbacks, of type (i32) => i32, yield, so `viaCallback` is instrumented
// and its yields work; `sortScores`' comparator, of type (i32, i32) => i32, never suspends,
// so neither it nor Array#sort nor its caller is instrumented.
import { spawnWith, yieldNow } from "weft";

class Job {
  constructor(public step: (n: i32) => i32) {}
}

function doubleAndYield(n: i32): i32 {
  yieldNow();
  return n * 2;
}

function viaCallback(id: i32): void {
  const job = new Job(doubleAndYield);
  let n = id;
  for (let i = 0; i < 3; i++) {
    n = job.step(n);
    console.log("fiber " + id.toString() + " step " + n.toString());
  }
}

export function sortScores(seed: i32): i32 {
  const scores = new Array<i32>();
  for (let i = 0; i < 10; i++) scores.push((seed * 31 + i * 17) % 23);
  scores.sort((a: i32, b: i32): i32 => a - b);
  return scores[0] * 100 + scores[9];
}

export function main(): void {
  const a = spawnWith(viaCallback, 1);
  const b = spawnWith(viaCallback, 10);
  console.log("sorted " + sortScores(5).toString());
  a.join();
  b.join();
}
