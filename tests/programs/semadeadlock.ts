// Fibers blocked forever on a semaphore, a Once and a Cond: the deadlock report names each.
import { Cond, Mutex, Once, Semaphore, spawn, yieldNow } from "weft";

let sema: Semaphore = changetype<Semaphore>(0); // made by setup()
let once: Once = changetype<Once>(0); // made by setup()
let m: Mutex = changetype<Mutex>(0); // made by setup()
let cond: Cond = changetype<Cond>(0); // made by setup()

function taker(): void {
  sema.acquire(); // main holds both permits and never releases them
}
function init(): void {
  sema.acquire(2);
}
function initializer(): void {
  once.do(init); // runs init, which waits for the semaphore
}
function user(): void {
  once.do(init); // waits for the initializer
}
function waiter(): void {
  m.lock();
  cond.wait(); // nobody signals
}

export function main(): void {
  setup();
  sema.acquire(2);
  const a = spawn(taker, "taker");
  spawn(initializer, "initializer");
  spawn(user, "user");
  spawn(waiter, "waiter");
  yieldNow();
  a.join();
}

/**
 * Makes the module-level objects, in the order of their declarations: in main, not at the
 * top level, so that tests/programs/sync2suite.ts can run this program beside others
 * without shifting their object ids (dumps and messages name objects by id).
 */
function setup(): void {
  sema = new Semaphore(2);
  once = new Once();
  m = new Mutex();
  cond = new Cond(m);
}
