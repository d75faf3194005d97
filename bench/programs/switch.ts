// switch: two fibers ping-pong through the run queue, each yielding YIELDS times while
// DEPTH plain function calls below its entry function: at DEPTH 0 the entry yields
// itself, at DEPTH d it calls `descend` d times recursively and the innermost call
// yields. Every switch therefore unwinds and rewinds DEPTH + 1 frames. Measured by
// bench/run.ts as ns/switch.
//
// Constants (asc `--use NAME=value`): YIELDS (per fiber), DEPTH.
//
// The output line lets the harness check that the work really happened:
//   yields=<2*YIELDS> frames=<2*DEPTH> checksum=<2*value>
// `frames` counts calls of `descend` (a side effect in every level, so the recursion
// cannot be folded away) and `value` depends on a number carried through every level
// (bench/run.ts computes the expected one). The harness also checks that `descend` still
// calls itself in the built module.

import { spawn, yieldNow } from "weft";

// @ts-ignore: compile-time constant from --use
const YIELDS_PER_FIBER: i32 = isDefined(YIELDS) ? YIELDS : 1_000_000;
// @ts-ignore: compile-time constant from --use
const CALL_DEPTH: i32 = isDefined(DEPTH) ? DEPTH : 0;

let yields: i32 = 0;
let frames: i32 = 0;
let checksum: i32 = 0;

/** The yield loop, inlined by AssemblyScript into whichever function is innermost. */
// @ts-ignore: decorator
@inline function spin(): void {
  for (let i = 0; i < YIELDS_PER_FIBER; i++) {
    yields++;
    yieldNow();
  }
}

/** Call level `d` above the yields (d >= 1); level 1 runs the loop. */
function descend(d: i32, acc: i32): i32 {
  frames++;
  if (d > 1) {
    // the result is used after the call, so every frame stays live across the yields
    return descend(d - 1, acc * 31 + d) ^ d;
  }
  spin();
  return acc;
}

function worker(): void {
  let value: i32 = 1;
  if (CALL_DEPTH > 0) value = descend(CALL_DEPTH, 1);
  else spin();
  // not `checksum += descend(...)`: that would read `checksum` before the call, which
  // yields while the other worker updates it
  checksum += value;
}

export function main(): void {
  const a = spawn(worker, "a");
  const b = spawn(worker, "b");
  a.join();
  b.join();
  console.log("yields=" + yields.toString() + " frames=" + frames.toString() + " checksum=" + checksum.toString());
}
