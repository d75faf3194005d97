// Timers under churn: 500 fibers arm and cancel timers in random order (sleeps, receives
// with timeouts that a sender often beats, deadlines), so entries land in both the sorted
// queue and the heap and are cancelled from both. The timers' invariants are checked
// throughout, and every receive either got its value or timed out, never both.
import { spawnWith, sleep, now, Channel, WaitGroup, outcome, Outcome, setDeadline } from "weft";
import { TimerHeap } from "weft/timer";

const FIBERS = 500;
const ROUNDS = 40;
let seed: u32 = 7;
function random(n: u32): u32 {
  seed = seed * 1103515245 + 12345;
  return ((seed >>> 16) & 0x7fff) % n;
}

const wg = new WaitGroup();
const channels = new Array<Channel<i32>>();
let received = 0;
let timedOut = 0;
let checks = 0;
let broken = 0;

function worker(i: i32): void {
  const mine = channels[i];
  for (let r = 0; r < ROUNDS; r++) {
    const op = random(4);
    if (op == 0) {
      sleep(<f64>random(3));
    } else if (op == 1) {
      // a peer sends to us now or never: the receive wins or times out
      const peer = channels[random(FIBERS)];
      if (peer.waitingReceivers > 0) peer.trySend(1);
      const v = mine.recvTimeout(<f64>(1 + random(4)));
      if (outcome() == Outcome.Ok && v == 1) received++;
      else if (outcome() == Outcome.TimedOut && v == 0) timedOut++;
      else broken++;
    } else if (op == 2) {
      const previous = setDeadline(now() + <f64>random(3));
      sleep(10);
      setDeadline(previous);
    } else {
      sleep(0);
    }
    if (random(20) == 0) {
      checks++;
      if (!TimerHeap.check()) broken++;
    }
  }
  wg.done();
}

export function main(): void {
  for (let i = 0; i < FIBERS; i++) channels.push(new Channel<i32>());
  wg.add(FIBERS);
  for (let i = 0; i < FIBERS; i++) spawnWith(worker, i);
  wg.wait();
  console.log("broken " + broken.toString() + ", checks " + (checks > 100 ? "many" : checks.toString()) + ", receives " + (received + timedOut > 1000 ? "many" : (received + timedOut).toString()) + ", both outcomes " + (received > 0 && timedOut > 0 ? "yes" : "no"));
  console.log("timers left " + TimerHeap.size().toString() + ", invariants " + (TimerHeap.check() ? "ok" : "broken"));
}
