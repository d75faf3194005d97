// Host interop: exports the host spawns as fibers, and fibers awaiting host Promises.
import { HostCall, WaitGroup, spawnWith, sleep, Outcome } from "weft";

// @ts-ignore: decorator
@external("app", "lookup")
declare function lookup(token: u32, key: i32): void;

/** Sleeps, then doubles: a fiber the host awaits. */
export function double(x: i32): i32 {
  sleep(1);
  return x * 2;
}

/** Fails unless x is negative. */
export function fails(x: i32): void {
  assert(x < 0, "x must be negative");
}

let sum: f64 = 0;
let errors = 0;
const wg = new WaitGroup();

function asker(key: i32): void {
  const call = new HostCall("lookup");
  lookup(call.token, key);
  if (call.wait() != Outcome.Ok) abort("wait ended early");
  if (call.failed) {
    errors++;
    if (key == 0) console.log("error " + call.code! + ": " + call.error!);
  } else {
    sum += call.result;
  }
  wg.done();
}

/** n fibers, each awaiting `app.lookup(key)` at once; the sum of the results. */
export function lookupAll(n: i32): f64 {
  sum = 0;
  errors = 0;
  wg.add(n);
  for (let i = 0; i < n; i++) spawnWith(asker, i);
  wg.wait();
  console.log("lookups " + n.toString() + ", errors " + errors.toString());
  return sum;
}

export function main(): void {}
