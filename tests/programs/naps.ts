// Timers on the host's event loop: five fibers sleep 50, 40, 30, 20 and 10 ms and wake in
// the opposite order of their spawning, while a ticker ticks three times every 15 ms.
import { spawnWith, sleep, now, Ticker, WaitGroup } from "weft";

const woke = new Array<i32>();
const group = new WaitGroup();

function sleeper(i: i32): void {
  sleep(<f64>(50 - 10 * i));
  woke.push(i);
  group.done();
}

export function main(): void {
  const start = now();
  group.add(5);
  for (let i = 0; i < 5; i++) spawnWith(sleeper, i, "sleeper");
  const ticker = new Ticker(15);
  let ticks = 0;
  for (; ticks < 3; ticks++) ticker.channel.recv();
  ticker.stop();
  group.wait();
  console.log("woke=" + woke.join(",") + " ticks=" + ticks.toString() + " atLeast50ms=" + (now() - start >= 50).toString());
}
