// Stack overflows in single fibers: each is reported for that fiber, and the others finish.
import { Fiber, spawn, spawnWith, yieldNow } from "weft";

let finished = 0;
const DEPTHS: i32[] = isDefined(ONE_DEPTH) ? [ONE_DEPTH] : [1, 10, 100, 400, 1000, 5000];

function worker(id: i32): void {
  let sum = 0;
  for (let i = 0; i < 5; i++) {
    sum += i * id;
    yieldNow();
  }
  finished++;
}

// Plain recursion with no managed locals: exhausts the host's wasm call stack.
function descendForever(n: i32): i32 {
  return n == -1 ? 0 : descendForever(n + 1) + 1;
}
function callStack(): void {
  console.log("callStack result " + descendForever(0).toString());
}

// Recursion that keeps a managed reference alive across each call: exhausts the shadow stack.
function nest(label: string, n: i32): string {
  const inner = n == -1 ? "" : nest(label, n + 1);
  return label + inner;
}
function shadowStack(): void {
  console.log("shadowStack result " + nest("x", 0));
}

// Recursion to a given depth, then a yield: the unwind saves one frame per level.
function dive(depth: i32, acc: i32): i32 {
  if (depth == 0) {
    yieldNow();
    return acc;
  }
  return dive(depth - 1, acc + depth) + 1;
}
function deepYield(depth: i32): void {
  const r = dive(depth, 0);
  console.log("dive " + depth.toString() + " ok " + r.toString());
}

export function main(): void {
  const fibers = new Array<Fiber>();
  for (let i = 0; i < 5; i++) fibers.push(spawnWith(worker, i, "worker"));
  if (!isDefined(SKIP_CALLSTACK)) fibers.push(spawn(callStack, "callStack"));
  for (let i = 0; i < 5; i++) fibers.push(spawnWith(worker, i, "worker"));
  if (!isDefined(SKIP_SHADOW)) fibers.push(spawn(shadowStack, "shadowStack"));
  const depths: i32[] = DEPTHS;
  for (let i = 0; i < depths.length; i++) fibers.push(spawnWith(deepYield, depths[i], "dive" + depths[i].toString()));
  for (let i = 0; i < fibers.length; i++) {
    const failure = fibers[i].join();
    if (failure !== null) console.log(failure.toString());
  }
  console.log("workers finished: " + finished.toString());
}

// Spawned by the host on the same instance after main (tests/overflow.test.ts): after the
// overflows above, the same recursions succeed and fail exactly as they did the first time.
export function diveAgain(depth: i32): i32 {
  return dive(depth, 0);
}
export function nestAgain(): i32 {
  return nest("x", 0).length;
}
export function descendAgain(): i32 {
  return descendForever(0);
}
