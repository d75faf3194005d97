// Cond: a bounded buffer with signal, a start gate with broadcast.
import { Cond, Mutex, Outcome, spawn, spawnWith, yieldNow, Fiber } from "weft";

let m: Mutex = changetype<Mutex>(0); // made by setup()
let notEmpty: Cond = changetype<Cond>(0); // made by setup()
let notFull: Cond = changetype<Cond>(0); // made by setup()
const buffer = new Array<i32>();
const CAPACITY = 2;
let inside = 0; // fibers inside the critical section: must never exceed 1

function enter(): void {
  if (++inside != 1) console.log("MUTUAL EXCLUSION BROKEN");
}
function leave(): void {
  inside--;
}

function producer(): void {
  for (let i = 1; i <= 6; i++) {
    m.lock();
    enter();
    while (buffer.length == CAPACITY) {
      console.log("producer waits (full)");
      leave();
      notFull.wait();
      enter();
    }
    buffer.push(i);
    console.log("produced " + i.toString());
    notEmpty.signal();
    leave();
    m.unlock();
  }
}

function consumer(name: string): void {
  for (let k = 0; k < 3; k++) {
    m.lock();
    enter();
    while (buffer.length == 0) {
      console.log(name + " waits (empty)");
      leave();
      const o = notEmpty.wait();
      enter();
      if (o != Outcome.Ok || !m.locked) console.log("?? wait returned without the mutex");
    }
    const item = buffer.shift();
    console.log(name + " consumed " + item.toString());
    notFull.signal();
    leave();
    m.unlock();
    for (let y = 0; y < 4; y++) yieldNow(); // slower than the producer: the buffer fills
  }
}

// ─── broadcast: a start gate ────────────────────────────────────────────────────────────

let gateLock: Mutex = changetype<Mutex>(0); // made by setup()
let gate: Cond = changetype<Cond>(0); // made by setup()
let open = false;

function runner(i: i32): void {
  gateLock.lock();
  while (!open) gate.wait();
  enter();
  console.log("runner " + i.toString() + " starts");
  yieldNow(); // still holds gateLock: the next runner waits for it
  leave();
  gateLock.unlock();
}

export function main(): void {
  setup();
  const c1 = spawnWith(consumer, "c1", "c1");
  const c2 = spawnWith(consumer, "c2", "c2");
  const p = spawn(producer, "producer");
  c1.join();
  c2.join();
  p.join();
  console.log("buffer left " + buffer.length.toString() + ", waiting " + notEmpty.waiting.toString() + "/" + notFull.waiting.toString());

  const runners = new Array<Fiber>();
  for (let i = 0; i < 4; i++) runners.push(spawnWith(runner, i, "r" + i.toString()));
  yieldNow();
  gateLock.lock();
  console.log("gate: " + gate.waiting.toString() + " waiting");
  open = true;
  gate.broadcast();
  // signalled waiters queue for the mutex, still blocked, until it is unlocked
  console.log("after broadcast: cond waiting " + gate.waiting.toString() + ", mutex waiting " + gateLock.waiting.toString());
  gateLock.unlock();
  for (let i = 0; i < runners.length; i++) runners[i].join();

  // signal with the mutex free: the waiter is handed the mutex and woken at once
  open = false;
  const r = spawnWith(runner, 9, "r9");
  yieldNow();
  open = true;
  gate.signal();
  console.log("signal without the lock: mutex locked " + gateLock.locked.toString() + ", cond waiting " + gate.waiting.toString());
  r.join();
  console.log("end: locked " + gateLock.locked.toString());
}

/**
 * Makes the module-level objects, in the order of their declarations: in main, not at the
 * top level, so that tests/programs/sync2suite.ts can run this program beside others
 * without shifting their object ids (dumps and messages name objects by id).
 */
function setup(): void {
  m = new Mutex();
  notEmpty = new Cond(m);
  notFull = new Cond(m);
  gateLock = new Mutex();
  gate = new Cond(gateLock);
}
