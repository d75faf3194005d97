// Every fiber waits on a channel nobody will write to.
import { Channel, spawnWith } from "weft";

function wait(ch: Channel<string>): void {
  ch.recv();
}

export function main(): void {
  const quiet = new Channel<string>();
  const full = new Channel<i32>(1);
  spawnWith(wait, quiet, "listener");
  full.send(1);
  full.send(2);
}
