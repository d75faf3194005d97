// select with a timeout: fires when nothing else is ready, and not otherwise.
import { spawnWith, sleep, now, Channel, Select, SELECT_TIMED_OUT, after, schedulerStats } from "weft";

function sendLater(ch: Channel<i32>): void {
  sleep(5);
  ch.send(7);
}

export function main(): void {
  const ch = new Channel<i32>();
  // nothing ready: times out, and not early
  let t0 = now();
  let sel = new Select();
  sel.recv(ch);
  let r = sel.wait(20);
  console.log("idle: " + (r == SELECT_TIMED_OUT ? "timed out" : r.toString()) + ", waited >= 20 ms: " + (now() - t0 >= 20 ? "yes" : "no"));
  // a case ready at once: no timeout
  const buffered = new Channel<i32>(1);
  buffered.send(1);
  sel = new Select();
  sel.recv(buffered);
  r = sel.wait(20);
  console.log("ready: case " + r.toString());
  // a case that becomes ready within the timeout: it wins, and its timer is gone
  spawnWith(sendLater, ch);
  sel = new Select();
  const c = sel.recv(ch);
  r = sel.wait(10000);
  console.log("later: case " + r.toString() + " value " + c.value.toString() + ", timers left " + schedulerStats().timers.toString());
  // the timer-channel form: recv(after(ms)) as one more case
  sel = new Select();
  sel.recv(ch);
  sel.recv(after(5));
  console.log("after: case " + sel.wait().toString());
  // wait(0) is a poll that answers timed out
  sel = new Select();
  sel.recv(ch);
  console.log("zero: " + (sel.wait(0) == SELECT_TIMED_OUT ? "timed out" : "?"));
}
