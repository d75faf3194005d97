// What tests/trace.test.ts traces: every way a fiber blocks and wakes, once each (or a
// few times), with exact counts the test checks against the trace.
//
// The host's `app.scenario()` chooses (one build for all): 0 everything below; 1 the program starts and stops
// tracing itself around one part; 2 a spawn storm of 5,000 fibers in one slice (overflows
// a small ring); 3 a long run of yields (bounded by the host's record limit); 4 two
// fibers that allocate while they yield (the collector's steps), then one full collection.
import { Channel, Select, Mutex, WaitGroup, HostCall, Outcome, outcome, spawn, spawnWith, sleep, yieldNow, traceStart, traceStop, traceMark } from "weft";

// @ts-ignore: decorator
@external("app", "scenario")
declare function scenario(): i32;

// @ts-ignore: decorator
@external("app", "lookup")
declare function lookup(token: u32, key: i32): void;

function producer(ch: Channel<i32>): void {
  for (let i = 0; i < 3; i++) ch.send(i);
  ch.close();
}

function selector(chs: Array<Channel<i32>>): void {
  const sel = new Select();
  const a = sel.recv(chs[0]);
  const b = sel.recv(chs[1]);
  const fired = sel.wait();
  console.log("select fired " + (fired == a.index ? "a" : fired == b.index ? "b" : "?"));
}

const mutex = new Mutex();
let counter = 0;
function locker(wg: WaitGroup): void {
  mutex.lock();
  counter++;
  yieldNow(); // holding the lock: the other locker blocks on it
  mutex.unlock();
  wg.done();
}

function sleeper(): void {
  sleep(2);
}

function failing(): void {
  yieldNow();
  abort("this fiber fails on purpose");
}

function asker(): void {
  const call = new HostCall("lookup");
  lookup(call.token, 21);
  if (call.wait() != Outcome.Ok) abort("wait ended early");
  console.log("lookup " + call.result.toString());
}

function nothing(): void {}

let kept: Array<Uint8Array> = [];
function allocator(rounds: i32): void {
  for (let i = 0; i < rounds; i++) {
    const a = new Uint8Array(1024);
    a[0] = <u8>i;
    if (i % 16 == 0) kept.push(a);
    if (kept.length > 64) kept = [];
    yieldNow();
  }
}

function yielder(n: i32): void {
  for (let i = 0; i < n; i++) yieldNow();
}

function everything(): void {
  traceMark("begin");
  // channel: main receives, the producer blocks on send (unbuffered)
  const ch = new Channel<i32>(0);
  const p = spawnWith(producer, ch, "producer");
  let sum = 0;
  while (true) {
    const v = ch.recv();
    if (outcome() != Outcome.Ok) break;
    sum += v;
  }
  console.log("sum " + sum.toString());
  // select: the selector blocks on two channels, main sends on the second
  const chs = [new Channel<i32>(0), new Channel<i32>(0)];
  const s = spawnWith(selector, chs, "selector");
  yieldNow();
  chs[1].send(7);
  // mutex: two lockers, one waits for the other
  const wg = new WaitGroup();
  wg.add(2);
  spawnWith(locker, wg, "locker");
  spawnWith(locker, wg, "locker");
  wg.wait();
  // sleep, join
  const z = spawn(sleeper, "sleeper");
  z.join();
  // a failing fiber, joined
  const f = spawn(failing, "failing");
  const failure = f.join();
  console.log(failure !== null ? "failed as expected" : "did not fail");
  // a host call
  spawn(asker, "asker").join();
  p.join();
  s.join();
  console.log("counter " + counter.toString());
  traceMark("end");
}

export function main(): void {
  const WHICH = scenario();
  if (WHICH == 0) {
    everything();
  } else if (WHICH == 1) {
    yielder(3); // not traced
    traceStart();
    const w = spawnWith(yielder, 2, "traced");
    w.join();
    traceStop();
    yielder(3); // not traced
    console.log("done");
  } else if (WHICH == 2) {
    for (let i = 0; i < 5000; i++) spawn(nothing);
    yieldNow();
    console.log("stormed");
  } else if (WHICH == 4) {
    const a = spawnWith(allocator, 20000, "alloc a");
    const b = spawnWith(allocator, 20000, "alloc b");
    a.join();
    b.join();
    __collect(); // one full collection
    console.log("allocated");
  } else {
    const a = spawnWith(yielder, 20000, "a");
    const b = spawnWith(yielder, 20000, "b");
    a.join();
    b.join();
    console.log("yielded");
  }
}
