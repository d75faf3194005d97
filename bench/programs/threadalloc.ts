// threadalloc.ts: the threads benchmark's program (bench/threads.ts): `churn` allocates and
// drops small objects, keeping a short chain alive at a time, and returns a checksum the
// benchmark checks. Built with the threads build (BuildOptions.threads); run on 1 and 2 threads at once.

export function main(): void {}

class Box {
  constructor(public a: i32, public b: i32, public next: Box | null) {}
}

/** Allocates `count` boxes; every 16th starts a new chain, the others link to it. */
export function churn(count: i32): i32 {
  let chain: Box | null = null;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    let box = new Box(i, i ^ 0x55, (i & 15) == 0 ? null : chain);
    chain = box;
    sum += box.b - box.a;
  }
  return sum;
}
