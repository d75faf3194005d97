// Timers are not a deadlock: main waits on a channel that a sleeping fiber fills later.
// Once nothing sleeps any more and main still waits, it is one.
import { spawnWith, sleep, Channel } from "weft";

function later(ch: Channel<i32>): void {
  sleep(20);
  ch.send(1);
}

export function main(): void {
  const ch = new Channel<i32>();
  spawnWith(later, ch, "later");
  console.log("got " + ch.recv().toString());
  ch.recv(); // nobody sends again
}
