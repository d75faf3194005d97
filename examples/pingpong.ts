// Ping-pong: two fibers hand control back and forth 2,000,000 times each.
//
//   weft build examples/pingpong.ts -o pingpong.wasm && weft run pingpong.wasm
import { spawn, yieldNow } from "weft";

const ROUNDS = 2_000_000;
let counter = 0;

function player(): void {
  for (let i = 0; i < ROUNDS; i++) {
    counter++;
    yieldNow();
  }
}

export function main(): void {
  const ping = spawn(player, "ping");
  const pong = spawn(player, "pong");
  ping.join();
  pong.join();
  console.log("switches: " + counter.toString());
}
