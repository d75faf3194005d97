import { spawn, yieldNow } from "weft";

let counter = 0;
const N = 2_000_000;

function pinger(): void {
  for (let i = 0; i < N; i++) { counter++; yieldNow(); }
}

export function main(): void {
  const a = spawn(pinger, "a");
  const b = spawn(pinger, "b");
  a.join();
  b.join();
  console.log(counter.toString());
}
