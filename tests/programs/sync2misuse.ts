// Misuse of Semaphore, Cond and Once: each fails the fiber that made the mistake, clearly;
// a Once whose function failed is poisoned.
import { Cond, Mutex, Once, Semaphore, Fiber, FiberState, spawn, yieldNow } from "weft";

function overCapacity(): void {
  new Semaphore(3).acquire(4);
}
function zeroAcquire(): void {
  new Semaphore(3).acquire(0);
}
function negativeTry(): void {
  new Semaphore(3).tryAcquire(-2);
}
function overRelease(): void {
  const s = new Semaphore(3);
  s.acquire(1);
  s.release(2);
}
function zeroRelease(): void {
  new Semaphore(3).release(0);
}
function badCapacity(): void {
  new Semaphore(0);
}

let m: Mutex = changetype<Mutex>(0); // made by setup()
function waitUnlocked(): void {
  new Cond(m).wait();
}
function holder(): void {
  m.lock();
  yieldNow();
  yieldNow();
  m.unlock();
}
function waitOthersLock(): void {
  new Cond(m).wait(); // m is held, but by holder
}

let selfOnce: Once = changetype<Once>(0); // made by setup()
function reenter(): void {
  selfOnce.do(reenter);
}
function onceRecursive(): void {
  selfOnce.do(reenter);
}

let poisoned: Once = changetype<Once>(0); // made by setup()
function failingInit(): void {
  yieldNow();
  yieldNow();
  abort("init gave up");
}
function nothing(): void {
  console.log("never runs");
}
function initFails(): void {
  poisoned.do(failingInit);
}
function onceCaller(): void {
  poisoned.do(nothing);
  console.log("never proceeds");
}

function report(f: Fiber): void {
  const failure = f.join();
  console.log(f.name! + ": " + (failure === null ? "ok" : failure.reason));
}

export function main(): void {
  setup();
  const cases = [
    spawn(overCapacity, "overCapacity"), spawn(zeroAcquire, "zeroAcquire"), spawn(negativeTry, "negativeTry"),
    spawn(overRelease, "overRelease"), spawn(zeroRelease, "zeroRelease"), spawn(badCapacity, "badCapacity"),
    spawn(waitUnlocked, "waitUnlocked"), spawn(holder, "holder"), spawn(waitOthersLock, "waitOthersLock"),
    spawn(onceRecursive, "onceRecursive"),
  ];
  for (let i = 0; i < cases.length; i++) report(cases[i]);

  // the Once's function fails while a caller waits for it
  const runner = spawn(initFails, "initFails");
  const early = spawn(onceCaller, "earlyWaiter");
  report(runner);
  console.log("earlyWaiter after the failure: " + (early.state == FiberState.Blocked ? "blocked" : "not blocked") + ", waiting " + poisoned.waiting.toString());
  // the next caller notices: it wakes the early waiter, and both fail
  report(spawn(onceCaller, "lateCaller"));
  report(early);
  report(spawn(onceCaller, "laterStill"));
  console.log("done " + poisoned.done.toString());
}

/**
 * Makes the module-level objects, in the order of their declarations: in main, not at the
 * top level, so that tests/programs/sync2suite.ts can run this program beside others
 * without shifting their object ids (dumps and messages name objects by id).
 */
function setup(): void {
  m = new Mutex();
  selfOnce = new Once();
  poisoned = new Once();
}
