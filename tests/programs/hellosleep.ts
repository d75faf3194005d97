// Sleeps, then prints one line: the smallest program that needs a timer from its host
// (hosts.test.ts runs it under Bun and Deno, as a JS-host module and as a WASI command).
import { sleep } from "weft";

export function main(): void {
  sleep(5);
  console.log("hello after a sleep");
}
