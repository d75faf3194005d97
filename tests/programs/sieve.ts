// Go's concurrent prime sieve: a generator fiber and one filter fiber per prime found,
// chained by unbuffered channels.
import { Channel, spawnWith } from "weft";

const COUNT: i32 = isDefined(PRIMES) ? PRIMES : 1000;

class Filter {
  constructor(public input: Channel<i32>, public output: Channel<i32>, public prime: i32) {}
}

function generate(ch: Channel<i32>): void {
  for (let i = 2; ; i++) ch.send(i);
}

function filter(f: Filter): void {
  while (true) {
    const n = f.input.recv();
    if (n % f.prime != 0) f.output.send(n);
  }
}

export function main(): void {
  let ch = new Channel<i32>();
  spawnWith(generate, ch, "generate");
  let last = 0;
  let sum: i64 = 0;
  for (let i = 0; i < COUNT; i++) {
    const prime = ch.recv();
    last = prime;
    sum += prime;
    if (i < 10) console.log(prime.toString());
    const next = new Channel<i32>();
    spawnWith(filter, new Filter(ch, next, prime), "filter");
    ch = next;
  }
  console.log("prime #" + COUNT.toString() + " = " + last.toString() + ", sum " + sum.toString());
}
