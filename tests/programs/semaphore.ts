// Semaphore: bounds concurrency exactly, serves weighted requests first come first served.
import { Semaphore, Outcome, spawnWith, yieldNow, Fiber } from "weft";

// ─── 20 fibers, 3 permits ───────────────────────────────────────────────────────────────

let slots: Semaphore = changetype<Semaphore>(0); // made by setup()
let holders = 0;
let maxHolders = 0;
let order = new Array<string>();

function worker(i: i32): void {
  slots.acquire();
  holders++;
  if (holders > maxHolders) maxHolders = holders;
  order.push(i.toString());
  // hold the permit across switches, a different time each
  for (let k = 0; k < i % 4 + 1; k++) yieldNow();
  holders--;
  slots.release();
}

// ─── weighted requests on 10 permits ────────────────────────────────────────────────────

let pool: Semaphore = changetype<Semaphore>(0); // made by setup()

class Request {
  constructor(public name: string, public n: i64, public hold: i32) {}
}

function user(r: Request): void {
  console.log(r.name + " wants " + r.n.toString() + " (free " + pool.available.toString() + ")");
  const o = pool.acquire(r.n);
  console.log(r.name + " got " + r.n.toString() + (o == Outcome.Ok ? "" : " ??") + " (free " + pool.available.toString() + ")");
  for (let k = 0; k < r.hold; k++) yieldNow();
  pool.release(r.n);
  console.log(r.name + " released " + r.n.toString());
}

function tryName(o: Outcome): string {
  return o == Outcome.Ok ? "ok" : o == Outcome.WouldBlock ? "would block" : "other";
}

export function main(): void {
  setup();
  const workers = new Array<Fiber>();
  for (let i = 0; i < 20; i++) workers.push(spawnWith(worker, i, "w" + i.toString()));
  for (let i = 0; i < workers.length; i++) workers[i].join();
  console.log("max holders " + maxHolders.toString() + ", free " + slots.available.toString() + " of " + slots.capacity.toString() + ", waiting " + slots.waiting.toString());
  console.log("service order " + order.join(" "));

  const users = new Array<Fiber>();
  users.push(spawnWith(user, new Request("holder", 6, 3), "holder"));
  yieldNow(); // holder takes 6: 4 free
  users.push(spawnWith(user, new Request("big", 8, 2), "big"));
  yieldNow(); // big queues: 8 do not fit
  users.push(spawnWith(user, new Request("small1", 2, 1), "small1"));
  users.push(spawnWith(user, new Request("small2", 3, 1), "small2"));
  yieldNow(); // both queue behind big although they would fit
  console.log("main: waiting " + pool.waiting.toString() + ", free " + pool.available.toString() +
    ", tryAcquire(1): " + tryName(pool.tryAcquire(1)));
  for (let i = 0; i < users.length; i++) users[i].join();
  console.log("main: free " + pool.available.toString() + ", tryAcquire(10): " + tryName(pool.tryAcquire(10)) +
    ", tryAcquire(1): " + tryName(pool.tryAcquire(1)));
  pool.release(10);
  console.log("main: free " + pool.available.toString());
}

/**
 * Makes the module-level objects, in the order of their declarations: in main, not at the
 * top level, so that tests/programs/sync2suite.ts can run this program beside others
 * without shifting their object ids (dumps and messages name objects by id).
 */
function setup(): void {
  slots = new Semaphore(3);
  pool = new Semaphore(10);
}
