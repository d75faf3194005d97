// Misuse of the sync primitives: each fails the fiber that made the mistake, clearly.
import { Channel, Mutex, WaitGroup, spawn, spawnWith, yieldNow } from "weft";

function doubleClose(): void {
  const ch = new Channel<i32>();
  ch.close();
  ch.close();
}

function sendOnClosed(): void {
  const ch = new Channel<i32>(1);
  ch.close();
  ch.send(1);
}

let shared: Mutex = changetype<Mutex>(0); // made by setup()
function holder(): void {
  shared.lock();
  yieldNow();
  yieldNow();
  shared.unlock();
}
function thief(): void {
  shared.unlock();
}
function unlockFree(): void {
  new Mutex().unlock();
}

function negative(): void {
  const wg = new WaitGroup();
  wg.add(1);
  wg.done();
  wg.done();
}

function blockedSender(ch: Channel<i32>): void {
  ch.send(42); // no receiver: blocks until the channel is closed under it
}

export function main(): void {
  setup();
  const cases = [spawn(doubleClose, "doubleClose"), spawn(sendOnClosed, "sendOnClosed"), spawn(holder, "holder"), spawn(thief, "thief"), spawn(unlockFree, "unlockFree"), spawn(negative, "negative")];
  const ch = new Channel<i32>();
  const sender = spawnWith(blockedSender, ch, "blockedSender");
  yieldNow();
  ch.close();
  cases.push(sender);
  for (let i = 0; i < cases.length; i++) {
    const failure = cases[i].join();
    console.log(cases[i].name! + ": " + (failure === null ? "ok" : failure.reason));
  }
}

/**
 * Makes the module-level objects: in main, not at the top level, so that
 * tests/programs/syncsuite.ts can run this program beside others without shifting their
 * object ids (dumps and messages name objects by id).
 */
function setup(): void {
  shared = new Mutex();
}
