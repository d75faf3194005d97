// Talks to its host through imports: reads a factor the page chose, reports a product,
// loses one fiber to an assertion, and yields until the page says stop.
import { spawn, yieldNow } from "weft";

// @ts-ignore: decorator
@external("app", "factor")
declare function factor(): i32;
// @ts-ignore: decorator
@external("app", "report")
declare function report(value: i32): void;
// @ts-ignore: decorator
@external("app", "stopped")
declare function stopped(): bool;

function failing(): void {
  yieldNow();
  assert(false, "this fiber fails on purpose");
}

export function main(): void {
  console.log("hello from the worker");
  spawn(failing, "failing");
  report(factor() * 6);
  let spins = 0;
  while (!stopped()) {
    yieldNow();
    spins++;
  }
  console.log("stopped after spinning");
}
