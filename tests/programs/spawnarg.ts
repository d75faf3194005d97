// A fiber's spawn argument survives collections whatever the fiber blocks on. Each worker
// gets one Args object that nothing else references, blocks once in one kind of operation,
// then forces full collections while allocating fresh temporaries (which reuse freed
// memory), and checks every field of its argument. Before the argument had a root of its
// own, the operations that reuse the fiber record's slot (receive, send, select, semaphore)
// let the collector free it.
import {
  Channel, Select, Mutex, Cond, WaitGroup, Semaphore, HostCall, Outcome, Fiber,
  spawn, spawnWith, yieldNow, sleep, park, ready, currentFiber,
} from "weft";
import { readTextFile } from "weft/io";

// @ts-ignore: decorator
@external("app", "poke")
declare function poke(token: u32): void;

class Args {
  constructor(public id: i32, public label: string, public items: Array<i32>) {}
}

const KINDS = ["recv", "send", "select", "semaphore", "mutex", "cond", "waitgroup", "join", "sleep", "park", "hostcall", "io"];
const ROUNDS = 3;

const toWorker = new Channel<i32>();
const fromWorker = new Channel<i32>();
const toSelect = new Channel<i32>();
const sem = new Semaphore(1); // main takes the one permit first
const mu = new Mutex();
const cond = new Cond(mu);
let condReady = false;
const wg = new WaitGroup();
const parked = new Array<Fiber>();
let sleeper: Fiber | null = null;
let bad = 0;
let checked = 0;

function argsFor(id: i32): Args {
  const items = new Array<i32>();
  for (let i = 0; i < 8; i++) items.push(id * 100 + i);
  return new Args(id, "arg-" + id.toString(), items);
}

/** Takes a temporary: a call whose argument is a fresh object, as in the reported programs. */
function consume(junk: Args): i32 {
  return junk.items.length;
}

function check(a: Args, kind: string, round: i32): void {
  let ok = a.label == "arg-" + a.id.toString() && a.items.length == 8;
  if (ok) for (let i = 0; i < 8; i++) if (a.items[i] != a.id * 100 + i) ok = false;
  if (!ok) {
    bad++;
    console.log(kind + " round " + round.toString() + ": argument corrupted");
  }
  checked++;
}

function blockOnce(kind: i32): void {
  switch (kind) {
    case 0: { toWorker.recv(); break; }
    case 1: { fromWorker.send(7); break; }
    case 2: { const sel = new Select(); sel.recv(toSelect); sel.wait(); break; }
    case 3: { sem.acquire(); break; }
    case 4: { mu.lock(); mu.unlock(); break; }
    case 5: { mu.lock(); while (!condReady) cond.wait(); mu.unlock(); break; }
    case 6: { wg.wait(); break; }
    case 7: { spawn(() => { yieldNow(); yieldNow(); }).join(); break; }
    case 8: { sleep(1); break; }
    case 9: { parked.push(currentFiber()); park(); break; }
    case 10: {
      const call = new HostCall("poke");
      poke(call.token);
      if (call.wait() != Outcome.Ok || call.result != 1) console.log("host call failed");
      break;
    }
    default: {
      const text = readTextFile("package.json");
      if (text === null || !text.includes("\"name\"")) console.log("read failed");
    }
  }
}

// The worker is written so that its own frame does not keep `a`: AssemblyScript roots a
// parameter in the caller's frame and reuses this frame's slots for the temporaries below.
// The fiber's caller is the scheduler's trampoline, so only weft can root it.
function worker(a: Args): void {
  blockOnce(a.id % 100);
  __collect();
  let sum = 0;
  for (let i = 0; i < 64; i++) sum += consume(new Args(-1, "junk-" + i.toString(), [i, i, i, i, i, i, i, i]));
  __collect();
  check(a, KINDS[a.id % 100], a.id / 100 - 1);
}

/** A worker of `kind` for `round`; its argument lives in no frame of main's. */
function start(kind: i32, round: i32): Fiber {
  return spawnWith(worker, argsFor((round + 1) * 100 + kind), KINDS[kind]);
}

export function main(): void {
  const n = KINDS.length;
  sem.acquire();
  const fibers = new Array<Fiber>();
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < n; k++) fibers.push(start(k, round));
    wg.add(1);
    mu.lock();
    condReady = false;
    for (let i = 0; i < 5; i++) yieldNow(); // everyone blocks
    toWorker.send(1); // the receiver
    fromWorker.recv(); // the sender
    toSelect.send(2); // the select
    sem.release();
    mu.unlock(); // the mutex and the cond waiter take turns
    for (let i = 0; i < 5; i++) yieldNow();
    mu.lock();
    condReady = true;
    cond.broadcast();
    mu.unlock();
    wg.done();
    sleep(5); // the sleeper, the host call, the reader and the joiner finish their block
    while (parked.length > 0) ready(parked.pop());
    for (let i = 0; i < 5; i++) yieldNow();
  }
  for (let i = 0; i < fibers.length; i++) {
    const failure = fibers[i].join();
    if (failure !== null) console.log(failure.toString());
  }
  console.log("checked " + checked.toString() + ", corrupted " + bad.toString());
}
