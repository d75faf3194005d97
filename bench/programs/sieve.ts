// Go's concurrent prime sieve for the first PRIMES primes.
import { Channel, spawnWith } from "weft";

const COUNT: i32 = isDefined(PRIMES) ? PRIMES : 5000;

class Filter {
  constructor(public input: Channel<i32>, public output: Channel<i32>, public prime: i32) {}
}

let received: i64 = 0;

function generate(ch: Channel<i32>): void {
  for (let i = 2; ; i++) ch.send(i);
}

function filter(f: Filter): void {
  while (true) {
    const n = f.input.recv();
    received++;
    if (n % f.prime != 0) f.output.send(n);
  }
}

export function main(): void {
  let ch = new Channel<i32>();
  spawnWith(generate, ch);
  let last = 0;
  let sum: i64 = 0;
  for (let i = 0; i < COUNT; i++) {
    const prime = ch.recv();
    received++;
    last = prime;
    sum += prime;
    const next = new Channel<i32>();
    spawnWith(filter, new Filter(ch, next, prime));
    ch = next;
  }
  console.log("last=" + last.toString() + " sum=" + sum.toString() + " received=" + received.toString());
}
