// Fibers that only sleep: 200 of them, 50 distinct deadlines up to 1 s.
import { spawnWith, sleep, WaitGroup } from "weft";

const wg = new WaitGroup();

function sleeper(i: i32): void {
  sleep(<f64>(20 * (i % 50) + 20));
  wg.done();
}

export function main(): void {
  wg.add(200);
  for (let i = 0; i < 200; i++) spawnWith(sleeper, i);
  wg.wait();
  console.log("all 200 woke");
}
