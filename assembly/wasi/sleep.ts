// sleep.ts: the runner's one way to wait: `poll_oneoff` on a clock subscription.
//
// When every fiber waits for a timer, the scheduler returns Waiting and the runner sleeps
// in the WASI runtime until the earliest deadline: no CPU is used meanwhile, and one call
// covers any number of sleeping fibers (the timer heap gives the earliest deadline). A
// runtime that wakes early costs one more loop (the scheduler fires only timers that are
// due, so no fiber ever wakes before its time).
//
// Subscription (48 bytes) and event (32 bytes), preview1 layout:
//
//   SUB ─► ┌──────────┬─────┬─────┬──────────┬─────────────┬─────────────┬───────┬─────┐
//          │ userdata │ tag │ pad │ clock id │ timeout ns  │ precision ns│ flags │ pad │
//          │ u64      │ u8  │ 7 B │ u32 @16  │ u64 @24     │ u64 @32     │ u16@40│     │
//          └──────────┴─────┴─────┴──────────┴─────────────┴─────────────┴───────┴─────┘
//   EVENT ─► userdata u64 │ error u16 │ type u8 │ ... (32 bytes)     NEVENTS ─► u32

import { poll_oneoff, clockid, eventtype } from "bindings/wasi_snapshot_preview1";
import { hostNow } from "../platform";

// @ts-ignore: decorator
@lazy const SUB: usize = memory.data(48 + 32 + 8, 8);
// @ts-ignore: decorator
@inline const EVENT: usize = SUB + 48;
// @ts-ignore: decorator
@inline const NEVENTS: usize = SUB + 80;

/**
 * Blocks the whole instance until the monotonic clock reaches `deadline` (ms, hostNow's
 * clock) or the runtime wakes it earlier. Returns false if the runtime refused to wait.
 */
export function sleepUntil(deadline: f64): bool {
  let ms = deadline - hostNow();
  if (ms <= 0) return true;
  memory.fill(SUB, 0, 48);
  store<u8>(SUB, eventtype.CLOCK, 8);
  store<u32>(SUB, clockid.MONOTONIC, 16);
  // relative timeout, rounded up to whole microseconds: never short of the deadline
  store<u64>(SUB, <u64>Math.ceil(ms * 1e3) * 1000, 24);
  store<u64>(SUB, 1000, 32);
  return poll_oneoff(SUB, EVENT, 1, NEVENTS) == 0;
}
