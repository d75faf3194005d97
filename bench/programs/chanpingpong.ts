// Two fibers hand a value back and forth over two unbuffered channels: `ping` sends a
// value and receives it back incremented, `pong` increments what it receives. `main` only
// starts them and waits. Each fiber blocks in a small function of its own, which is what
// a hand-off costs: asyncify saves and reloads every local of each frame on the way out
// and in, so a blocking loop inside a big function (a `main` that also formats output)
// pays for all of that function's locals on every switch (docs/PERFORMANCE.md).
//
// Constants (asc `--use NAME=value`): PINGPONG_ROUNDS.
//
// Output, checked by the harness:  value=<ROUNDS> sum=<1 + 2 + ... + ROUNDS>
import { Channel, spawnWith } from "weft";

const ROUNDS: i32 = isDefined(PINGPONG_ROUNDS) ? PINGPONG_ROUNDS : 1_000_000;

class Pair {
  constructor(public input: Channel<i32>, public output: Channel<i32>) {}
}

let sum: i64 = 0;
let last: i32 = 0;

function ping(p: Pair): void {
  let v = 0;
  for (let i = 0; i < ROUNDS; i++) {
    p.output.send(v);
    v = p.input.recv();
    sum += v;
  }
  last = v;
}

function pong(p: Pair): void {
  for (let i = 0; i < ROUNDS; i++) p.output.send(p.input.recv() + 1);
}

export function main(): void {
  const there = new Channel<i32>();
  const back = new Channel<i32>();
  const a = spawnWith(ping, new Pair(back, there));
  const b = spawnWith(pong, new Pair(there, back));
  a.join();
  b.join();
  console.log("value=" + last.toString() + " sum=" + sum.toString());
}
