// threads.ts: the threads build's test program (tests/threads.test.ts). Its exports run
// directly on each thread (no scheduler yet): module variables, static data, and an
// allocation torture that links, drops and checks objects while other threads do the same,
// with or without collections asked for in the middle of it.

export function main(): void {}

/** A module variable: one for all threads. */
let shared: i32 = 7;
/** Static data (a data segment): initialised once, not reset by a later instance. */
const table: StaticArray<i32> = [10, 20, 30];
/** Objects reachable only from a module variable, one slot range per thread. */
let slots = new StaticArray<Item | null>(64);

export function setShared(v: i32): void {
  shared = v;
}

export function getShared(): i32 {
  return shared;
}

export function bumpStatic(): i32 {
  table[0] += 1;
  return table[0];
}

export function readStatic(): i32 {
  return table[0];
}

class Item {
  sum: i32;
  constructor(public a: i32, public b: i32, public next: Item | null, public label: string) {
    this.sum = a ^ (b * 31) ^ label.length;
  }
}

function makeChain(seed: i32, len: i32): Item | null {
  let head: Item | null = null;
  for (let i = 0; i < len; i++) head = new Item(seed + i, seed * 7 + i, head, (seed + i).toString());
  return head;
}

/** Objects in a chain that do not hold what `makeChain(seed, len)` wrote. */
function checkChain(head: Item | null, seed: i32, len: i32): i32 {
  let bad = 0;
  let i = len - 1;
  let n = 0;
  while (head) {
    let a = seed + i;
    if (head.a != a || head.b != seed * 7 + i || head.sum != (a ^ ((seed * 7 + i) * 31) ^ head.label.length) || head.label != a.toString()) bad++;
    head = head.next;
    i--;
    // a corrupted chain may loop: stop past its length
    if (++n > len) break;
  }
  return bad + abs(n - len);
}

// @ts-ignore: decorator
@inline const WINDOW: i32 = 16;
// @ts-ignore: decorator
@inline const CHAIN: i32 = 24;

/**
 * Allocates `rounds` chains, keeping the last WINDOW in a local array and four in this
 * thread's slots of the shared array, checking each chain before it is dropped and all
 * of them every 32 rounds. Returns the number of corrupted objects found.
 */
export function torture(thread: i32, rounds: i32): i32 {
  return tortureCollecting(thread, rounds, 0);
}

/**
 * `torture`, and every `collectEvery` rounds (0: never) this thread asks for a full
 * collection while the others allocate: each one stops them at their next allocation
 * safepoint, scans their stacks and frees what none of them holds. A collector that
 * misses a thread's stack, or runs while a thread still runs, frees part of this thread's
 * or another's live chains, which the checks then count (or the heap traps).
 */
export function tortureCollecting(thread: i32, rounds: i32, collectEvery: i32): i32 {
  let window = new StaticArray<Item | null>(WINDOW);
  let seeds = new StaticArray<i32>(WINDOW);
  let bad = 0;
  let base = thread * 1_000_003;
  for (let r = 0; r < rounds; r++) {
    let k = r % WINDOW;
    if (r >= WINDOW) bad += checkChain(window[k], seeds[k], CHAIN);
    let seed = base + r * 37;
    seeds[k] = seed;
    window[k] = makeChain(seed, CHAIN);
    let s = thread * 4 + (r & 3);
    if (r >= 4) bad += checkChain(slots[s], base + (r - 4) * 37, CHAIN);
    slots[s] = makeChain(seed, CHAIN);
    if (r % 32 == 31) {
      for (let j = 0; j < WINDOW; j++) bad += checkChain(window[j], seeds[j], CHAIN);
    }
    if (collectEvery > 0 && r % collectEvery == collectEvery - 1) __collect();
  }
  return bad;
}

/** Allocates and drops `count` small objects (the benchmark's unit of work); returns a checksum. */
export function churn(count: i32): i32 {
  let keep: Item | null = null;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    let item = new Item(i, i + 1, null, "x");
    if ((i & 63) == 0) keep = item;
    sum += item.sum;
  }
  return sum + (keep ? keep.a : 0);
}
