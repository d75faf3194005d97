// Sleep sort: one fiber per number sleeps that many milliseconds, then prints it. The
// numbers come out sorted because timers fire in deadline order; the scheduler sleeps in
// poll_oneoff between them, so the program uses no CPU while it waits.
//
//   node bin/weft.js wasi examples/.out/wasi/sleepsort.wasm 30 10 50 20 40
//   (no arguments: a built-in list)
import { spawnWith, sleep, WaitGroup } from "weft";

const done = new WaitGroup();

function sleeper(n: i32): void {
  sleep(<f64>n);
  console.log(n.toString());
  done.done();
}

export function main(): void {
  const args = process.argv.slice(1);
  const numbers = args.length > 0 ? args : "40 10 70 30 20 60 50".split(" ");
  for (let i = 0; i < numbers.length; i++) {
    const n = I32.parseInt(numbers[i]);
    if (isNaN(<f64>F64.parseFloat(numbers[i])) || n < 0) {
      console.error("sleepsort: not a number of milliseconds: " + numbers[i]);
      process.exit(2);
    }
    done.add(1);
    spawnWith(sleeper, n, "sleep " + n.toString());
  }
  done.wait();
}
