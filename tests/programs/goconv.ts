// What Go programmers reach for: a select with no cases but a timeout, disabled select
// cases (Go's nil channels), a receive with ok, Timer.stop()/reset() reporting whether the
// timer was pending, and a Failure whose message reads alone.
import {
  Channel, Select, Scope, Timer, Ticker, Received, Outcome, outcomeName,
  SELECT_TIMED_OUT, SELECT_CANCELLED, spawn, spawnWith, sleep, now, yieldNow, setDeadline,
} from "weft";

function yesNo(b: bool): string {
  return b ? "yes" : "no";
}

function merge(inputs: Array<Channel<i32>>): void {
  // a demand-driven merge: a case is switched off once its channel is closed
  const sel = new Select();
  const a = sel.recv(inputs[0]);
  const b = sel.recv(inputs[1]);
  let sum = 0;
  let order = "";
  while (a.enabled || b.enabled) {
    const i = sel.wait();
    if (i == a.index) {
      if (!a.ok) a.enabled = false;
      else { sum += a.value; order += "a"; }
    } else if (i == b.index) {
      if (!b.ok) b.enabled = false;
      else { sum += b.value; order += "b"; }
    }
  }
  console.log("merge: sum " + sum.toString() + ", received " + order.length.toString() + ", both closed");
}

function produce(ch: Channel<i32>): void {
  for (let i = 1; i <= 3; i++) ch.send(i);
  ch.close();
}

function blockedOnEmpty(): void {
  const sel = new Select();
  console.log("cancelled empty select: " + (sel.wait(100000) == SELECT_CANCELLED ? "SELECT_CANCELLED" : "?"));
}

function allDisabledForever(): void {
  const ch = new Channel<i32>();
  const sel = new Select();
  const c = sel.recv(ch);
  c.enabled = false;
  sel.wait();
}

function noCasesForever(): void {
  new Select().wait();
}

export function main(): void {
  // 1. select with no cases and a timeout: returns SELECT_TIMED_OUT after it, not before
  let t0 = now();
  const r = new Select().wait(15);
  console.log("no cases, wait(15): " + (r == SELECT_TIMED_OUT ? "SELECT_TIMED_OUT" : r.toString()) + ", after >= 15 ms: " + yesNo(now() - t0 >= 15));
  console.log("no cases, wait(0): " + (new Select().wait(0) == SELECT_TIMED_OUT ? "SELECT_TIMED_OUT" : "?"));
  // ... and a cancellation ends it too
  const scope = new Scope();
  scope.spawn(blockedOnEmpty);
  yieldNow();
  scope.cancel();
  scope.wait();

  // 2. disabled cases
  const x = new Channel<i32>(1);
  const y = new Channel<i32>(1);
  x.send(10);
  y.send(20);
  const sel = new Select();
  const cx = sel.recv(x);
  const cy = sel.recv(y);
  cx.enabled = false;
  let i = sel.poll();
  console.log("x disabled: case " + (i == cy.index ? "y" : i.toString()) + " value " + cy.value.toString() + ", x still holds " + x.len.toString());
  i = sel.poll();
  console.log("x disabled, y empty: poll " + (i < 0 ? "default" : i.toString()));
  cx.enabled = true;
  i = sel.poll();
  console.log("x enabled again: case " + (i == cx.index ? "x" : i.toString()) + " value " + cx.value.toString());
  cy.enabled = false;
  cx.enabled = false;
  t0 = now();
  i = sel.wait(10);
  console.log("all disabled, wait(10): " + (i == SELECT_TIMED_OUT ? "SELECT_TIMED_OUT" : i.toString()) + ", after >= 10 ms: " + yesNo(now() - t0 >= 10));
  const inputs = [new Channel<i32>(), new Channel<i32>()];
  spawnWith(produce, inputs[0]);
  spawnWith(produce, inputs[1]);
  merge(inputs);

  // 3. receive with ok
  const ch = new Channel<string | null>(2);
  ch.send("one");
  ch.close();
  const got = ch.recvOk();
  console.log("recvOk: ok " + yesNo(got.ok) + ", value " + got.value! + ", outcome " + outcomeName(got.outcome));
  const reused = new Received<string | null>();
  const again = ch.recvOk(reused);
  console.log("recvOk closed: ok " + yesNo(again.ok) + ", value " + (again.value === null ? "null" : "?") + ", outcome " + outcomeName(again.outcome) + ", same object " + yesNo(again === reused));
  const quiet = new Channel<i32>();
  const timed = new Received<i32>();
  const previous = setDeadline(now() + 5);
  quiet.recvOk(timed);
  setDeadline(previous);
  console.log("recvOk past a deadline: ok " + yesNo(timed.ok) + ", value " + timed.value.toString() + ", outcome " + outcomeName(timed.outcome));

  // 4. Timer.stop() and reset() say whether the timer was pending
  const t1 = new Timer(50);
  const first = t1.stop();
  console.log("stop pending: " + yesNo(first) + ", stop again: " + yesNo(t1.stop()));
  const t2 = new Timer(1);
  sleep(5);
  console.log("stop after it fired: " + yesNo(t2.stop()) + ", value waiting " + t2.channel.len.toString());
  t2.channel.recv();
  console.log("reset after it fired: " + yesNo(t2.reset(1)) + ", fires again: " + yesNo(t2.channel.recv() > 0));
  const t3 = new Timer(100000);
  console.log("reset while pending: " + yesNo(t3.reset(1)) + ", fires at the new time: " + yesNo(t3.channel.recv() > 0));
  const ticker = new Ticker(5);
  const wasRunning = ticker.reset(3);
  const stopped = ticker.stop();
  console.log("ticker reset while running: " + yesNo(wasRunning) + ", stop: " + yesNo(stopped) + ", reset after stop: " + yesNo(ticker.reset(3)));
  ticker.channel.recv();
  ticker.stop();

  // 5. misuse: a select that could only block forever fails its fiber, and the failure's
  // message names the fiber on its own
  const a = spawn(noCasesForever, "empty");
  const b = spawn(allDisabledForever, "disabled");
  const fa = a.join();
  const fb = b.join();
  console.log(fa!.message);
  console.log(fb!.reason);
}
