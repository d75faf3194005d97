// A fiber that sends in a loop without ever blocking: its loop has no safepoint (a send is
// a checkpoint that counts work itself), and the send preempts it when its slice is over,
// so a ticker still ticks.
import { Channel, Ticker, spawnWith } from "weft";

let sent: i64 = 0;

function flood(ch: Channel<i32>): void {
  while (true) {
    ch.send(1);
    sent++;
    // take one back now and then, so that the buffer never fills and the send never blocks
    if (ch.len >= 1000) ch.tryRecv();
  }
}

export function main(): void {
  spawnWith(flood, new Channel<i32>(2000), "flood");
  const ticker = new Ticker(10);
  for (let i = 0; i < 3; i++) ticker.channel.recv();
  ticker.stop();
  console.log("ticks 3, flooded: " + (sent > 0 ? "yes" : "no"));
}
