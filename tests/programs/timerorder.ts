// 10,000 fibers sleep random whole-ms durations from one common start: they must wake in
// deadline order, ties in spawn order, and none before its deadline. The common start is
// 500 ms ahead, so that every fiber is asleep before the first deadline (a fiber that has
// not gone to sleep yet cannot wake in order); the program checks that too.
import { spawnWith, sleepUntil, now, WaitGroup } from "weft";
import { TimerHeap } from "weft/timer";

const N = 10000;
let seed: u32 = 12345;
function nextRandom(): u32 {
  seed = seed * 1103515245 + 12345;
  return (seed >>> 16) & 0x7fff;
}

const durations = new StaticArray<i32>(N);
const woke = new Array<i32>();
let start: f64 = 0;
let early = 0;
let lastAsleep: f64 = 0;
let timersOk = false;
const wg = new WaitGroup();

function sleeper(i: i32): void {
  const deadline = start + <f64>durations[i];
  lastAsleep = now();
  // the last one checks the timers' invariants with every other fiber asleep
  if (i == N - 1) timersOk = TimerHeap.check() && TimerHeap.size() == <u32>(N - 1);
  sleepUntil(deadline);
  if (now() < deadline) early++;
  woke.push(i);
  wg.done();
}

export function main(): void {
  for (let i = 0; i < N; i++) durations[i] = <i32>(nextRandom() % 60);
  start = now() + 500;
  wg.add(N);
  for (let i = 0; i < N; i++) spawnWith(sleeper, i);
  wg.wait();
  let inOrder = 0;
  let ties = 0;
  for (let k = 1; k < woke.length; k++) {
    const a = woke[k - 1];
    const b = woke[k];
    const da = durations[a];
    const db = durations[b];
    if (da < db || (da == db && a < b)) inOrder++;
    if (da == db) ties++;
  }
  console.log("woke " + woke.length.toString() + ", in order " + (inOrder + 1).toString() + ", early " + early.toString());
  console.log("all asleep before the first deadline: " + (lastAsleep < start ? "yes" : "no") + ", ties " + (ties > 5000 ? "many" : ties.toString()));
  console.log("timer invariants: " + (timersOk ? "ok" : "broken") + ", left " + TimerHeap.size().toString());
}
