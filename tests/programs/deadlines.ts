// Every blocking operation has a deadline variant: each times out when nothing happens,
// completes when its event comes first, and leaves no timer behind either way.
import {
  spawn, spawnWith, sleep, now, setDeadline, deadline, outcome, Outcome, outcomeName, Channel, Mutex, Semaphore,
  WaitGroup, Cond, Select, SELECT_TIMED_OUT, Scope, Fiber, schedulerStats,
} from "weft";

function holdMutex(m: Mutex): void {
  m.lock();
  sleep(30);
  m.unlock();
}

function forever(ch: Channel<i32>): void {
  ch.recv();
}

function late(ch: Channel<i32>): void {
  sleep(5);
  ch.send(42);
}

function sleepy(ms: i32): void {
  sleep(<f64>ms);
}

export function main(): void {
  const ch = new Channel<i32>();
  let t0 = now();
  let v = ch.recvTimeout(10);
  console.log("recv: " + outcomeName(outcome()) + " value " + v.toString() + " after >= 10 ms: " + (now() - t0 >= 10 ? "yes" : "no"));
  console.log("send: " + outcomeName(ch.sendTimeout(1, 10)) + ", receivers waiting " + ch.waitingReceivers.toString() + ", senders waiting " + ch.waitingSenders.toString());

  const m = new Mutex();
  spawnWith(holdMutex, m);
  sleep(0);
  console.log("lock: " + outcomeName(m.lockTimeout(5)) + ", held by me: " + (m.tryLock() == Outcome.WouldBlock ? "no" : "yes"));
  console.log("lock later: " + outcomeName(m.lockTimeout(1000)));
  m.unlock();

  const sem = new Semaphore(2);
  sem.acquire(2);
  console.log("acquire: " + outcomeName(sem.acquireTimeout(1, 5)) + ", available " + sem.available.toString());
  sem.release(2);

  const wg = new WaitGroup();
  wg.add(1);
  console.log("waitgroup: " + outcomeName(wg.waitTimeout(5)));
  wg.done();

  const cm = new Mutex();
  const cond = new Cond(cm);
  cm.lock();
  console.log("cond: " + outcomeName(cond.waitTimeout(5)) + ", mutex held again: " + (cm.tryLock() == Outcome.WouldBlock ? "yes" : "no"));
  cm.unlock();

  const blocked = spawnWith(forever, new Channel<i32>());
  const failure = blocked.joinTimeout(5);
  console.log("join: " + outcomeName(outcome()) + ", failure null: " + (failure === null ? "yes" : "no"));

  // one deadline for several operations, including a select
  const previous = setDeadline(now() + 10);
  const sel = new Select();
  sel.recv(ch);
  console.log("select under deadline: " + (sel.wait() == SELECT_TIMED_OUT ? "timed out" : "?"));
  console.log("sleep under deadline: " + outcomeName(sleep(1000)));
  console.log("deadline passed: recv " + (ch.recv() == 0 ? outcomeName(outcome()) : "?"));
  setDeadline(previous);
  console.log("deadline cleared: " + (deadline() == Infinity ? "yes" : "no"));

  // the event first: the operation completes and its timer goes
  spawnWith(late, ch);
  v = ch.recvTimeout(10000);
  console.log("recv in time: " + outcomeName(outcome()) + " value " + v.toString());

  // a scope waited on with a deadline cancels its members and still waits for them
  const scope = new Scope();
  scope.spawnWith(forever, new Channel<i32>());
  scope.spawnWith(sleepy, 100000);
  setDeadline(now() + 5);
  scope.wait();
  setDeadline(Infinity);
  console.log("scope: cancelled " + (scope.cancelled ? "yes" : "no") + ", members left " + scope.alive.toString());

  // `blocked` still waits on its channel: the one fiber left at the end
  console.log("timers left " + schedulerStats().timers.toString());
}
