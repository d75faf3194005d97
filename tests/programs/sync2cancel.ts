// Cancellation of fibers blocked on a Semaphore, a Cond and a Once: each returns Cancelled
// without having acquired anything; Cond.wait holds the mutex again before it returns.
import { Cond, Mutex, Once, outcomeName, Scope, Semaphore, spawn, yieldNow } from "weft";

// ─── semaphore: the cancelled head no longer holds back the request behind it ───────────

let pool: Semaphore = changetype<Semaphore>(0); // made by setup()
function big(): void {
  const o = pool.acquire(8);
  console.log("big: " + outcomeName(o) + ", free " + pool.available.toString());
  // cancelled: what needs no waiting still succeeds, what would wait returns at once
  const one = pool.acquire(1);
  console.log("big: acquire(1) " + outcomeName(one) + ", free " + pool.available.toString());
  pool.release(1);
  console.log("big: acquire(5) " + outcomeName(pool.acquire(5)) + ", free " + pool.available.toString());
}
function small(): void {
  const o = pool.acquire(3);
  console.log("small: " + outcomeName(o) + ", free " + pool.available.toString());
  pool.release(3);
}

// ─── cond: relocks before returning Cancelled ───────────────────────────────────────────

let m: Mutex = changetype<Mutex>(0); // made by setup()
let cond: Cond = changetype<Cond>(0); // made by setup()
function condWaiter(label: string): void {
  m.lock();
  const o = cond.wait();
  console.log(label + ": " + outcomeName(o) + ", mutex locked " + m.locked.toString());
  // cancelled already: returns at once, the mutex never released
  const again = cond.wait();
  console.log(label + " again: " + outcomeName(again) + ", mutex locked " + m.locked.toString() + ", cond waiting " + cond.waiting.toString());
  m.unlock();
}

// ─── once: a waiter leaves, the runner finishes ─────────────────────────────────────────

let once: Once = changetype<Once>(0); // made by setup()
function init(): void {
  for (let i = 0; i < 3; i++) yieldNow();
  console.log("init done");
}
function onceRunner(): void {
  console.log("runner: " + outcomeName(once.do(init)));
}
function onceWaiter(): void {
  console.log("once waiter: " + outcomeName(once.do(init)) + ", done " + once.done.toString());
}

export function main(): void {
  setup();
  pool.acquire(6); // 4 free
  const scope = new Scope();
  scope.spawn(big, "big");
  yieldNow();
  const s = spawn(small, "small");
  yieldNow();
  console.log("before cancel: waiting " + pool.waiting.toString() + ", free " + pool.available.toString());
  scope.cancel();
  s.join();
  scope.wait();
  pool.release(6);
  console.log("after: free " + pool.available.toString() + ", waiting " + pool.waiting.toString());

  // cw1 is cancelled while waiting for a signal, cw2 after a signal moved it to the mutex
  const condScope = new Scope();
  condScope.spawnWith(condWaiter, "cw1", "cw1");
  condScope.spawnWith(condWaiter, "cw2", "cw2");
  yieldNow();
  m.lock();
  cond.signal(); // cw1 moves to the mutex's lockers
  console.log("signalled: cond waiting " + cond.waiting.toString() + ", mutex waiting " + m.waiting.toString());
  condScope.cancel(); // cw1 leaves the mutex queue, cw2 the cond's: both must relock
  yieldNow();
  console.log("cancelled: cond waiting " + cond.waiting.toString() + ", mutex waiting " + m.waiting.toString());
  m.unlock();
  condScope.wait();
  console.log("mutex locked " + m.locked.toString());

  const r = spawn(onceRunner, "runner");
  const onceScope = new Scope();
  onceScope.spawn(onceWaiter, "onceWaiter");
  yieldNow();
  onceScope.cancel();
  onceScope.wait();
  r.join();
  console.log("once done " + once.done.toString());
}

/**
 * Makes the module-level objects, in the order of their declarations: in main, not at the
 * top level, so that tests/programs/sync2suite.ts can run this program beside others
 * without shifting their object ids (dumps and messages name objects by id).
 */
function setup(): void {
  pool = new Semaphore(10);
  m = new Mutex();
  cond = new Cond(m);
  once = new Once();
}
