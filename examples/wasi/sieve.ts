// Go's concurrent prime sieve: a generator fiber and one filter fiber per prime found,
// chained by unbuffered channels. Prints the first N primes (default 20), then cancels
// the chain's scope: every fiber sees Cancelled at its next channel operation and returns.
//
//   node bin/weft.js wasi examples/.out/wasi/sieve.wasm 20
import { Channel, Outcome, Scope, outcome } from "weft";

class Filter {
  constructor(public input: Channel<i32>, public output: Channel<i32>, public prime: i32) {}
}

function generate(ch: Channel<i32>): void {
  for (let i = 2; ; i++) {
    ch.send(i);
    if (outcome() == Outcome.Cancelled) return;
  }
}

function filter(f: Filter): void {
  while (true) {
    const n = f.input.recv();
    if (outcome() == Outcome.Cancelled) return;
    if (n % f.prime != 0) f.output.send(n);
  }
}

export function main(): void {
  const count = process.argv.length > 1 ? I32.parseInt(process.argv[1]) : 20;
  if (count <= 0) {
    console.error("sieve: expected a positive number of primes, got " + process.argv[1]);
    process.exit(2);
  }
  const chain = new Scope();
  let ch = new Channel<i32>();
  chain.spawnWith(generate, ch, "generate");
  const primes = new Array<string>();
  for (let i = 0; i < count; i++) {
    const prime = ch.recv();
    primes.push(prime.toString());
    const next = new Channel<i32>();
    chain.spawnWith(filter, new Filter(ch, next, prime), "filter " + prime.toString());
    ch = next;
  }
  console.log(primes.join(" "));
  chain.cancel();
  chain.wait();
}
