// select: readiness, blocking on several channels, default, closed channels, fairness.
import { Channel, Select, SELECT_DEFAULT, spawnWith, yieldNow } from "weft";

function feed(ch: Channel<string>): void {
  yieldNow();
  ch.send("late hello");
}

function collect(ch: Channel<i32>): void {
  const v = ch.recv();
  console.log("collector got " + v.toString());
}

export function main(): void {
  // select's random choices come from Math.random: seeded, the fairness count of part 6
  // is the same in every run
  Math.seedRandom(20261206);
  // 1. a ready receive among empty ones
  const a = new Channel<i32>(1);
  const b = new Channel<string>(1);
  b.send("ready");
  const sel = new Select();
  const ra = sel.recv(a);
  const rb = sel.recv(b);
  let i = sel.wait();
  console.log("1: case " + i.toString() + " (" + (i == rb.index ? rb.value : "?") + ")");

  // 2. poll with nothing ready: default
  console.log("2: poll -> " + (sel.poll() == SELECT_DEFAULT ? "default" : "case"));

  // 3. block until a fiber sends on one of the channels
  const c = new Channel<string>();
  const sel2 = new Select();
  const rNever = sel2.recv(new Channel<string>());
  const rc = sel2.recv(c);
  spawnWith(feed, c);
  i = sel2.wait();
  console.log("3: case " + i.toString() + " got " + rc.value + " ok " + (rc.ok ? "true" : "false"));

  // 4. a blocked send case handed to a receiver
  const d = new Channel<i32>();
  spawnWith(collect, d);
  const sel3 = new Select();
  const sd = sel3.send(d, 77);
  sel3.recv(new Channel<i32>());
  i = sel3.wait();
  console.log("4: case " + i.toString() + " sent");
  yieldNow();

  // 5. a closed channel is ready: value zero, ok false
  const closed = new Channel<i32>();
  closed.close();
  const sel4 = new Select();
  const rClosed = sel4.recv(closed);
  i = sel4.wait();
  console.log("5: case " + i.toString() + " value " + rClosed.value.toString() + " ok " + (rClosed.ok ? "true" : "false"));

  // 6. fairness: two always-ready cases over 100,000 rounds
  const x = new Channel<i32>(1);
  const y = new Channel<i32>(1);
  const fair = new Select();
  const rx = fair.recv(x);
  const ry = fair.recv(y);
  let xs = 0;
  let ys = 0;
  for (let round = 0; round < 100_000; round++) {
    x.trySend(1);
    y.trySend(2);
    const k = fair.wait();
    if (k == rx.index) xs++;
    else if (k == ry.index) ys++;
  }
  console.log("6: " + (xs + ys).toString() + " rounds");
  console.log("x share " + (xs >= 45_000 && xs <= 55_000 ? "within 45-55%" : "OFF: " + xs.toString()));
  console.log("y share " + (ys >= 45_000 && ys <= 55_000 ? "within 45-55%" : "OFF: " + ys.toString()));
}
