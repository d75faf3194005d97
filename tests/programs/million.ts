// 1,000,000 yields between two fibers: each increments a shared counter, then yields.
import { spawn, yieldNow, currentFiber } from "weft";

let counter = 0;
let lastA = -1;
let alternations = 0;
let last: u32 = 0;

function player(): void {
  const me = currentFiber().id;
  for (let i = 0; i < 500_000; i++) {
    counter++;
    if (me != last) alternations++;
    last = me;
    yieldNow();
  }
}

export function main(): void {
  const a = spawn(player, "a");
  const b = spawn(player, "b");
  a.join();
  b.join();
  console.log("counter " + counter.toString());
  console.log("alternations " + alternations.toString());
}
