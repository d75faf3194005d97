// A fiber that never yields, beside fibers that need time: with preemption (the default)
// the ticker ticks, a sleeper wakes and main ends while `hog` still spins; built with
// --no-preempt, nothing but `hog` would ever run again.
import { Ticker, spawn, sleep, now } from "weft";

let spins: u64 = 0;

function hog(): void {
  // no call, no yield: only a safepoint at the top of the loop can stop it
  while (true) spins++;
}

let slept = false;

function sleeper(): void {
  sleep(20);
  slept = true;
}

export function main(): void {
  spawn(hog, "hog");
  const s = spawn(sleeper, "sleeper");
  const ticker = new Ticker(10);
  const t0 = now();
  for (let i = 1; i <= 5; i++) {
    ticker.channel.recv();
    console.log("tick " + i.toString());
  }
  ticker.stop();
  s.join();
  console.log("sleeper woke: " + (slept ? "yes" : "no"));
  console.log("hog ran: " + (spins > 0 ? "yes" : "no") + ", ticks not early: " + (now() - t0 >= 50 ? "yes" : "no"));
}
