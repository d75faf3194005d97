// interop.ts: fibers the host spawns (`program.spawn(exportName, arg)` in host/runtime.ts),
// each running one of the program's exported functions and settling a JavaScript Promise
// with its result.
//
//   // AssemblyScript: any exported function with at most one numeric parameter
//   export function total(n: i32): f64 { ... may block, sleep, spawn, ... }
//
//   // TypeScript
//   const sum = await program.spawn("total", 1000);   // runs as a fiber; others go on
//
// The build gives every such export a number and links `weft.call_export` to a function
// that calls export number `index` with the argument converted from f64 to the
// parameter's type and converts the result back (build/passes.ts `linkExports`), so a
// host-spawned fiber runs through one ordinary entry, `hostEntry`. When such a fiber
// ends, `finish` (sched/finish.ts) queues its id; the host takes the queue after every
// scheduler slice (`takeSettled`) and settles the Promises.

import { Fiber } from "./fiber";
import { Rec, HOST_SPAWNED } from "./record";
import { spawnWith } from "./sched/spawn";

// @ts-ignore: decorator
@external("weft", "call_export")
declare function callExport(index: i32, arg: f64): f64;

/** A host-spawned fiber's job: which export, its argument, and then its result. */
class HostJob {
  constructor(public index: i32, public arg: f64) {}
  result: f64 = 0;
  fiber: Fiber | null = null;
}

/** Jobs of host-spawned fibers that have not been taken by the host. */
const jobs = new Map<u32, HostJob>();
/** Ids of host-spawned fibers that ended, oldest first (raw: `finish` must not allocate much). */
const settled = new Array<u32>();
let settledHead: i32 = 0;

function hostEntry(job: HostJob): void {
  job.result = callExport(job.index, job.arg);
}

/** Spawns a fiber running export number `index` with `arg`; returns its id. */
export function spawnForHost(index: i32, arg: f64, name: string | null): u32 {
  let job = new HostJob(index, arg);
  let fiber = spawnWith<HostJob>(hostEntry, job, name);
  job.fiber = fiber;
  Rec.setFlags(changetype<usize>(fiber), Rec.flags(changetype<usize>(fiber)) | HOST_SPAWNED);
  jobs.set(fiber.id, job);
  return fiber.id;
}

/** A host-spawned fiber ended (sched/finish.ts `finish`). */
export function hostFiberEnded(f: usize): void {
  settled.push(Rec.id(f));
}

/** The next host-spawned fiber that ended, or 0; its job stays until `settledResult`. */
export function takeSettled(): u32 {
  if (settledHead >= settled.length) {
    if (settledHead > 0) {
      settled.length = 0;
      settledHead = 0;
    }
    return 0;
  }
  return unchecked(settled[settledHead++]);
}

/** The result of settled fiber `id` (0 if it failed); read it before `settledFailure`. */
export function settledResult(id: u32): f64 {
  return jobs.has(id) ? jobs.get(id).result : NaN;
}

/** The failure of settled fiber `id` as text, or null if it finished normally; forgets it. */
export function settledFailure(id: u32): string | null {
  if (!jobs.has(id)) return null;
  let job = jobs.get(id);
  jobs.delete(id);
  let failure = job.fiber!.failure;
  return failure !== null ? failure.toString() : null;
}
