// Fibers that only sleep: 200 of them, 50 distinct deadlines up to 400 ms.
import { spawnWith, sleep, WaitGroup } from "weft";

const wg = new WaitGroup();

function sleeper(i: i32): void {
  sleep(<f64>(8 * (i % 50) + 8));
  wg.done();
}

export function main(): void {
  wg.add(200);
  for (let i = 0; i < 200; i++) spawnWith(sleeper, i);
  wg.wait();
  console.log("all 200 woke");
}
