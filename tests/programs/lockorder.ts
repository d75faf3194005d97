// Two fibers take two mutexes in opposite orders: a deadlock.
import { Mutex, spawnWith, yieldNow } from "weft";

class Pair {
  constructor(public first: Mutex, public second: Mutex) {}
}

function take(pair: Pair): void {
  pair.first.lock();
  yieldNow();
  pair.second.lock();
  console.log("never");
}

export function main(): void {
  const a = new Mutex();
  const b = new Mutex();
  const x = spawnWith(take, new Pair(a, b), "ab");
  const y = spawnWith(take, new Pair(b, a), "ba");
  x.join();
  y.join();
}
