// sleepers: 100,000 fibers each sleep until a random time between 200 and 300 ms from the
// start (all are asleep long before the first one is due); they wake in deadline order,
// ties in spawn order, and a ticker fiber reports progress every 25 ms meanwhile. However
// many fibers sleep, the host keeps one timer armed, for the earliest deadline. main waits
// for the reporter too, so that no fiber is left alive when it returns.
import { spawnWith, sleepUntil, now, Ticker, WaitGroup } from "weft";

const FIBERS = 100_000;
const wg = new WaitGroup();
let start: f64 = 0;
let awake = 0;
let outOfOrder = 0;
let lastDeadline: f64 = 0;

function sleeper(ms: i32): void {
  const deadline = start + <f64>ms;
  sleepUntil(deadline);
  if (deadline < lastDeadline) outOfOrder++;
  lastDeadline = deadline;
  awake++;
  wg.done();
}

function progress(ticker: Ticker): void {
  while (awake < FIBERS) {
    const t = ticker.channel.recv();
    console.log("  at " + (<i32>(t - start + 200)).toString() + " ms: " + awake.toString() + " awake");
  }
  ticker.stop();
}

export function main(): void {
  let seed: u32 = 42;
  // everyone sleeps until `start + ms`
  start = now() + 200;
  wg.add(FIBERS);
  for (let i = 0; i < FIBERS; i++) {
    seed = seed * 1664525 + 1013904223;
    spawnWith(sleeper, <i32>((seed >>> 8) % 100));
  }
  const reporter = spawnWith(progress, new Ticker(25));
  wg.wait();
  const lastAt = now();
  // the reporter ends at its next tick, when it sees everyone awake: main waits for it, or
  // it would still be alive (blocked on its ticker) when main returns and the program ends
  reporter.join();
  console.log("woke " + awake.toString() + " fibers, " + outOfOrder.toString() + " out of deadline order, the last at " + (<i32>(lastAt - start + 200)).toString() + " ms");
}
