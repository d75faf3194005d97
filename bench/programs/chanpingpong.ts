// Two fibers hand a value back and forth over two unbuffered channels.
import { Channel, spawnWith } from "weft";

const ROUNDS: i32 = isDefined(PINGPONG_ROUNDS) ? PINGPONG_ROUNDS : 1_000_000;

class Pair {
  constructor(public input: Channel<i32>, public output: Channel<i32>) {}
}

let sum: i64 = 0;

function pong(p: Pair): void {
  for (let i = 0; i < ROUNDS; i++) p.output.send(p.input.recv() + 1);
}

export function main(): void {
  const ping = new Channel<i32>();
  const back = new Channel<i32>();
  const partner = spawnWith(pong, new Pair(ping, back));
  let v = 0;
  for (let i = 0; i < ROUNDS; i++) {
    ping.send(v);
    v = back.recv();
    sum += v;
  }
  partner.join();
  console.log("value=" + v.toString() + " sum=" + sum.toString());
}
