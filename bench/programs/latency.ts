// How late 10 ms sleeps wake while other fibers compute. BUSY: 4 fibers compute and yield
// every ~50 µs (the time slices at work); SPIN: one fiber computes and never yields (the
// preemption at work). Prints the lateness of every sleep, in µs, on one line.
import { spawn, sleep, now, yieldNow } from "weft";

const SLEEPS: i32 = isDefined(LATENCY_SLEEPS) ? LATENCY_SLEEPS : 200;
const SPIN: bool = isDefined(LATENCY_SPIN);

let stop = false;
let spins: u64 = 0;

function busy(): void {
  while (!stop) {
    const until = now() + 0.05;
    while (now() < until) spins++;
    yieldNow();
  }
}

function hog(): void {
  while (!stop) spins++;
}

export function main(): void {
  if (SPIN) spawn(hog, "hog");
  else for (let i = 0; i < 4; i++) spawn(busy, "busy");
  const late = new Array<string>();
  for (let i = 0; i < SLEEPS; i++) {
    const t0 = now();
    sleep(10);
    late.push((<i64>((now() - t0 - 10) * 1000)).toString());
  }
  stop = true;
  console.log("late_us " + late.join(" ") + " spins " + (spins > 0 ? "yes" : "no"));
}
