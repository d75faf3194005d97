// Spawn storm: a million fibers, spawned in waves of 1000; each runs and exits.
//
//   weft build examples/spawnstorm.ts -o spawnstorm.wasm && weft run spawnstorm.wasm
import { spawnWith, yieldNow } from "weft";

const TOTAL = 1_000_000;
const WAVE = 1000;
let ran = 0;
let checksum: i64 = 0;

function tiny(n: i32): void {
  ran++;
  checksum += n;
}

export function main(): void {
  for (let i = 0; i < TOTAL; i++) {
    spawnWith(tiny, i);
    // let the wave run: main goes to the back of the run queue, behind its 1000 fibers
    if (i % WAVE == WAVE - 1) yieldNow();
  }
  yieldNow();
  console.log("fibers run: " + ran.toString() + ", checksum " + checksum.toString());
}
