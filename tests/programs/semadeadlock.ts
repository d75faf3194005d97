// Fibers blocked forever on a semaphore, a Once and a Cond: the deadlock report names each.
import { Cond, Mutex, Once, Semaphore, spawn, yieldNow } from "weft";

const sema = new Semaphore(2);
const once = new Once();
const m = new Mutex();
const cond = new Cond(m);

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
  sema.acquire(2);
  const a = spawn(taker, "taker");
  spawn(initializer, "initializer");
  spawn(user, "user");
  spawn(waiter, "waiter");
  yieldNow();
  a.join();
}
