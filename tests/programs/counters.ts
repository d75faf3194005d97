// Five workers block once each in a receive; main probes the counters at known points.
import { Channel, Fiber, spawnWith, yieldNow } from "weft";

// @ts-ignore: decorator
@external("test", "probe")
declare function probe(at: i32): void;

const ch = new Channel<i32>();
let sum = 0;

function worker(id: i32): void {
  const value = ch.recv(); // not `sum += ch.recv() * id`: that reads `sum` before blocking
  sum += value * id;
}

export function main(): void {
  const fibers = new Array<Fiber>();
  for (let i = 1; i <= 5; i++) fibers.push(spawnWith(worker, i));
  probe(1); // five spawned, none has run
  yieldNow();
  probe(2); // each ran and blocked in recv
  for (let i = 1; i <= 5; i++) ch.send(10);
  probe(3); // each was handed a value and woken
  for (let i = 0; i < 5; i++) fibers[i].join(); // the first join blocks once
  console.log("sum=" + sum.toString());
}
