// Scopes: the parent waits for its members; a failing member cancels its siblings; cancel()
// reaches a member blocked in each kind of blocking operation.
import { Scope, Channel, Mutex, WaitGroup, Select, SELECT_CANCELLED, Fiber, spawn, spawnWith, yieldNow, park, outcome, outcomeName, currentFiber } from "weft";

let finished = 0;
function steps(n: i32): void {
  for (let i = 0; i < n; i++) yieldNow();
  finished++;
}

function failsSoon(): void {
  yieldNow();
  throw new Error("member gives up");
}

const quiet = new Channel<i32>();
const full = new Channel<i32>(1);
const held = new Mutex();
const neverDone = new WaitGroup();
let lonely: Fiber | null = null;

function inRecv(): void { quiet.recv(); console.log("recv: " + outcomeName(outcome())); }
function inSend(): void { console.log("send: " + outcomeName(full.send(2))); }
function inLock(): void { console.log("lock: " + outcomeName(held.lock())); }
function inWaitGroup(): void { console.log("waitgroup: " + outcomeName(neverDone.wait())); }
function inSelect(): void {
  const sel = new Select();
  sel.recv(quiet);
  sel.send(full, 3);
  console.log("select: " + (sel.wait() == SELECT_CANCELLED ? "cancelled" : "fired"));
}
function inJoin(): void {
  const r = lonely!.join();
  console.log("join: " + outcomeName(outcome()) + (r === null ? ", no failure" : ""));
}
function inPark(): void { park(); console.log("park: " + outcomeName(outcome())); }
function sleeper(): void { park(); }
function nested(): void {
  const inner = new Scope();
  inner.spawn(inRecv, "inner recv");
  inner.wait();
  console.log("nested scope done");
}
function afterCancel(): void {
  yieldNow();
  // already cancelled: blocking operations return at once
  quiet.recv();
  console.log("late recv: " + outcomeName(outcome()) + ", cancelled flag " + (currentFiber().cancelled ? "set" : "clear"));
}

export function main(): void {
  // 1. the parent waits for every member, grandchildren included
  const s1 = new Scope();
  s1.spawnWith(steps, 3);
  s1.spawnWith(steps, 5);
  console.log("1: wait -> " + (s1.wait() === null ? "no failure" : "failure") + ", finished " + finished.toString() + ", alive " + s1.alive.toString());

  // 2. a failing member cancels its siblings; wait reports the first failure
  const s2 = new Scope();
  s2.spawn(failsSoon, "failing");
  s2.spawn(inRecv, "sibling");
  const f2 = s2.wait();
  console.log("2: " + (f2 === null ? "none" : f2.reason) + ", cancelled " + (s2.cancelled ? "yes" : "no"));

  // 3. cancel() reaches a member blocked in each blocking operation
  full.send(1); // full: a send blocks
  held.lock(); // held by main: lock blocks
  neverDone.add(1);
  const s3 = new Scope();
  lonely = spawn(sleeper, "lonely"); // not a member: parked for good
  s3.spawn(inRecv, "recv");
  s3.spawn(inSend, "send");
  s3.spawn(inLock, "lock");
  s3.spawn(inWaitGroup, "waitgroup");
  s3.spawn(inSelect, "select");
  s3.spawn(inJoin, "join");
  s3.spawn(inPark, "park");
  s3.spawn(nested, "nested");
  s3.spawn(afterCancel, "late");
  yieldNow();
  yieldNow();
  console.log("3: cancelling");
  s3.cancel();
  const f3 = s3.wait();
  console.log("3: done, failure " + (f3 === null ? "none" : f3.reason) + ", alive " + s3.alive.toString());
  held.unlock();
  console.log("lock still free: " + (held.locked ? "no" : "yes") + ", full len " + full.len.toString());
}
