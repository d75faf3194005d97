// 1,000 fibers wait on one Promise-returning JavaScript function at once; exports the
// host spawns as fibers use it too.
import { HostCall, Outcome, WaitGroup, spawnWith } from "weft";

// @ts-ignore: decorator
@external("app", "double")
declare function hostDouble(token: u32, x: i32): void;

const FIBERS = 1000;
const wg = new WaitGroup();
let total: f64 = 0;
let failed = 0;

/** Doubles `x` in JavaScript, parking only the calling fiber. */
function double(x: i32): HostCall {
  const call = new HostCall("double");
  hostDouble(call.token, x);
  call.wait();
  return call;
}

function worker(i: i32): void {
  const call = double(i);
  if (call.failed) failed++;
  else total += call.result;
  wg.done();
}

export function main(): void {
  wg.add(FIBERS);
  for (let i = 0; i < FIBERS; i++) spawnWith(worker, i);
  if (wg.wait() != Outcome.Ok) return;
  console.log("fibers " + FIBERS.toString() + ", total " + (<i64>total).toString() + ", failed " + failed.toString());
}

/** Spawned by the host: the doubled id. */
export function lookup(id: i32): f64 {
  return double(id).result;
}

/** Spawned by the host: fails with the rejection's code and message. */
export function rejected(id: i32): f64 {
  const call = double(id);
  if (call.failed) throw new Error(call.code! + ": " + call.error!);
  return call.result;
}
