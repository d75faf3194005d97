// A program that serves: `main` returns at once and the host spawns `serve` fibers, as an
// edge handler does per request. Each waits, with a fiber of its own still running.
import { sleep, spawnWith } from "weft";

export function main(): void {}

function helper(ms: i32): void {
  sleep(<f64>ms * 2);
}

export function serve(ms: i32): i32 {
  spawnWith(helper, ms, "helper");
  sleep(<f64>ms);
  return ms;
}
