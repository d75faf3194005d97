// spawn: FIBERS fibers are spawned, run once and exit. `main` spawns them in batches of
// BATCH and then yields: the run queue is FIFO, so the whole batch runs (each fiber
// increments a counter and returns) before `main` continues with the next batch.
// Measured by bench/run.ts as ns per spawn + run + exit.
//
// Constants (asc `--use NAME=value`): FIBERS, BATCH.
//
// Output, checked by the harness:  spawned=<FIBERS> ran=<FIBERS> lagging=0
// (`lagging` counts batches that had not all run by the time `main` resumed.)

import { spawn, yieldNow } from "weft";

// @ts-ignore: compile-time constant from --use
const TOTAL: i32 = isDefined(FIBERS) ? FIBERS : 1_000_000;
// @ts-ignore: compile-time constant from --use
const BATCH_SIZE: i32 = isDefined(BATCH) ? BATCH : 1000;

let ran: i32 = 0;

function child(): void {
  ran++;
}

export function main(): void {
  let spawned = 0;
  let lagging = 0;
  while (spawned < TOTAL) {
    let n = min(BATCH_SIZE, TOTAL - spawned);
    for (let i = 0; i < n; i++) spawn(child);
    spawned += n;
    yieldNow();
    if (ran != spawned) lagging++;
  }
  console.log("spawned=" + spawned.toString() + " ran=" + ran.toString() + " lagging=" + lagging.toString());
}
