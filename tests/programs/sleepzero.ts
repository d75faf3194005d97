// sleep(0) yields: two fibers that sleep(0) in a loop alternate.
import { spawnWith, sleep, Fiber } from "weft";

function worker(id: i32): void {
  for (let i = 0; i < 3; i++) {
    console.log(String.fromCharCode(97 + id) + i.toString());
    sleep(0);
  }
}

export function main(): void {
  const a = spawnWith(worker, 0);
  const b = spawnWith(worker, 1);
  a.join();
  b.join();
}
