// Round robin: ten fibers each print their id and yield, three rounds.
//
//   weft build examples/roundrobin.ts -o roundrobin.wasm && weft run roundrobin.wasm
import { Fiber, spawnWith, yieldNow } from "weft";

function worker(id: i32): void {
  for (let round = 0; round < 3; round++) {
    console.log("fiber " + id.toString() + " round " + round.toString());
    yieldNow();
  }
}

export function main(): void {
  const fibers = new Array<Fiber>();
  for (let i = 0; i < 10; i++) fibers.push(spawnWith(worker, i, "worker"));
  for (let i = 0; i < fibers.length; i++) fibers[i].join();
  console.log("all done");
}
