// Runs until killed (or for SPINS yields of main): two fibers yield, a third waits on a
// channel nobody writes to.
import { Channel, spawn, spawnWith, yieldNow } from "weft";

const SPINS: i32 = isDefined(SPIN_LIMIT) ? SPIN_LIMIT : i32.MAX_VALUE;

function spin(): void {
  for (let i = 0; i < SPINS; i++) yieldNow();
}
function wait(ch: Channel<i32>): void {
  ch.recv();
}

export function main(): void {
  spawnWith(wait, new Channel<i32>(), "waiter");
  spawn(spin, "spinner");
  console.log("running");
  spin();
}
