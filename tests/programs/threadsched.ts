// threadsched.ts: the M:N scheduler's test program (tests/threadsched.test.ts), run on 2
// scheduler threads. `main` runs three parts in order and prints one line per result:
//   - migrate: fibers that yield in a loop with locals of every kind, recording the thread
//     each step ran on; fibers of staggered lengths make threads run out and steal, so
//     fibers move; every fiber's locals-dependent checksum must match the one computed
//     without yields;
//   - spawn: waves of fibers spawned and joined (some spawning and joining their own
//     children) on both threads, with exact sums and ids unique across threads;
//   - fail: one fiber fails, its joiner gets its failure, the others finish;
//   - storm: rounds of fibers that end at once, each counted exactly once;
//   - deadlock: `main` joins a fiber parked for good (not in the default parts);
//   - channel: a channel, refused on more than one thread so far (not in the default parts).
// Module variables are one for all threads: each fiber writes only its own slots, and
// `main` reads them after joining the writers (a join orders the two).
import { spawn, spawnWith, yieldNow, park, currentFiber, Fiber, Channel } from "weft";
import { T } from "weft/state";

// ─── migrate ─────────────────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline const MIGRANTS: i32 = 16;
/** Per fiber: its checksum, the threads it ran on (bit i: thread i), how often it moved. */
let sums = new StaticArray<i64>(MIGRANTS);
let seen = new StaticArray<i32>(MIGRANTS);
let moves = new StaticArray<i32>(MIGRANTS);
let done = new StaticArray<i32>(MIGRANTS);
/** Set (to 1, by any fiber) once some fiber moved: the others keep yielding until then. */
let anyMovedBox = new StaticArray<i32>(1);
// @ts-ignore: decorator
@inline const CAP: i32 = 2_000_000;

function rounds(k: i32): i32 {
  return 40 + k * 25;
}

/** What `migrant(k)` computes in `n` rounds, without yielding. */
function expected(k: i32, n: i32): i64 {
  let a: i32 = k * 7 + 1;
  let b: i64 = <i64>k * 1_000_000_007;
  let c: f64 = <f64>k + 0.5;
  let label = "fiber-" + k.toString();
  let acc: i64 = 0;
  for (let r = 0; r < n; r++) {
    a = a * 31 + r;
    b = b ^ (<i64>a << 7);
    c = c * 1.0001 + <f64>r;
    acc += <i64>a + b + <i64>c + label.length;
  }
  return acc;
}

function migrant(k: i32): void {
  let a: i32 = k * 7 + 1;
  let b: i64 = <i64>k * 1_000_000_007;
  let c: f64 = <f64>k + 0.5;
  let label = "fiber-" + k.toString();
  let acc: i64 = 0;
  let last = T.index();
  let mask = 1 << last;
  let moved = 0;
  let r = 0;
  // at least rounds(k), and on until some fiber was seen on a second thread (a thread
  // that runs out of fibers steals half of another's: the stolen ones move)
  for (; r < rounds(k) || (atomic.load<i32>(changetype<usize>(anyMovedBox)) == 0 && r < CAP); r++) {
    a = a * 31 + r;
    b = b ^ (<i64>a << 7);
    c = c * 1.0001 + <f64>r;
    acc += <i64>a + b + <i64>c + label.length;
    yieldNow();
    let now = T.index();
    if (now != last) {
      moved++;
      atomic.store<i32>(changetype<usize>(anyMovedBox), 1);
    }
    last = now;
    mask |= 1 << now;
  }
  sums[k] = acc;
  seen[k] = mask;
  moves[k] = moved;
  done[k] = r;
}

function migrate(): void {
  let fibers = new Array<Fiber>();
  for (let k = 0; k < MIGRANTS; k++) fibers.push(spawnWith(migrant, k));
  for (let k = 0; k < MIGRANTS; k++) fibers[k].join();
  let ok = 0;
  let movers = 0;
  let totalMoves = 0;
  let threads = 0;
  for (let k = 0; k < MIGRANTS; k++) {
    if (sums[k] == expected(k, done[k])) ok++;
    if (moves[k] > 0) movers++;
    totalMoves += moves[k];
    threads |= seen[k];
  }
  console.log("migrate: checksums " + ok.toString() + "/" + MIGRANTS.toString());
  console.log("migrate: threads " + threads.toString());
  console.log("migrate: moved " + movers.toString() + " fibers " + totalMoves.toString() + " times");
}

// ─── spawn ───────────────────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline const WAVES: i32 = 20;
// @ts-ignore: decorator
@inline const PER_WAVE: i32 = 100;
let results = new StaticArray<i64>(WAVES * PER_WAVE);
let ids = new StaticArray<u32>(WAVES * PER_WAVE);

function child(n: i32): void {
  yieldNow();
  results[n] += <i64>n * 3;
}

function worker(n: i32): void {
  ids[n] = currentFiber().id;
  let x: i64 = 0;
  for (let i = 0; i < n % 7; i++) {
    x += <i64>(n ^ i);
    yieldNow();
  }
  results[n] = x + <i64>n * <i64>n;
  // every fifth also spawns a child and joins it
  if (n % 5 == 0) spawnWith(child, n).join();
}

function spawnWaves(): void {
  let total: i64 = 0;
  for (let w = 0; w < WAVES; w++) {
    let fibers = new Array<Fiber>();
    for (let i = 0; i < PER_WAVE; i++) fibers.push(spawnWith(worker, w * PER_WAVE + i));
    for (let i = 0; i < PER_WAVE; i++) fibers[i].join();
  }
  let wrong = 0;
  for (let n = 0; n < WAVES * PER_WAVE; n++) {
    total += results[n];
    let x: i64 = 0;
    for (let i = 0; i < n % 7; i++) x += <i64>(n ^ i);
    let want = x + <i64>n * <i64>n + (n % 5 == 0 ? <i64>n * 3 : 0);
    if (results[n] != want && wrong++ < 3) console.log("spawn: wrong result for " + n.toString() + ": " + results[n].toString() + " instead of " + want.toString());
  }
  // ids: distinct
  let sorted = new StaticArray<u32>(WAVES * PER_WAVE);
  for (let n = 0; n < WAVES * PER_WAVE; n++) sorted[n] = ids[n];
  sorted.sort();
  let distinct = 1;
  for (let n = 1; n < WAVES * PER_WAVE; n++) if (sorted[n] != sorted[n - 1]) distinct++;
  console.log("spawn: sum " + total.toString());
  console.log("spawn: distinct ids " + distinct.toString() + "/" + (WAVES * PER_WAVE).toString());
}

// ─── fail ────────────────────────────────────────────────────────────────────────────────

/** One slot per fiber: a module variable is one for all threads, so fibers on two threads must not share a counter unsynchronised. */
let finished = new StaticArray<i32>(6);

function failing(n: i32): void {
  yieldNow();
  if (n == 3) throw new Error("fiber three gives up");
  yieldNow();
  finished[n] = 1;
}

function failOne(): void {
  let fibers = new Array<Fiber>();
  for (let i = 0; i < 6; i++) fibers.push(spawnWith(failing, i));
  let failures = 0;
  for (let i = 0; i < 6; i++) {
    let failure = fibers[i].join();
    if (failure !== null) {
      failures++;
      console.log("fail: " + failure.toString());
    }
  }
  let ended = 0;
  for (let i = 0; i < 6; i++) ended += finished[i];
  console.log("fail: " + failures.toString() + " failed, " + ended.toString() + " finished");
}

// ─── storm ───────────────────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline const STORM: i32 = 200;
let hits = new StaticArray<i32>(STORM);

function tiny(i: i32): void {
  hits[i] += 1;
}

/**
 * Rounds of STORM fibers that end at once: the other thread's ring runs dry at every
 * round and it steals from the spawner's while the spawner's thread takes from it.
 * Prints how many fibers did not run exactly once (0).
 */
function storm(): void {
  let wrong = 0;
  for (let round = 0; round < 50; round++) {
    let fibers = new Array<Fiber>();
    for (let i = 0; i < STORM; i++) fibers.push(spawnWith(tiny, i));
    for (let i = 0; i < STORM; i++) fibers[i].join();
    for (let i = 0; i < STORM; i++) {
      if (hits[i] != round + 1) wrong++;
    }
  }
  console.log("storm: " + wrong.toString() + " wrong");
}

// ─── deadlock ────────────────────────────────────────────────────────────────────────────

function forever(): void {
  park(); // no waker: blocked for good
}

/** `main` joins a fiber that never ends: every thread goes idle, a deadlock. */
function deadlock(): void {
  spawn(forever, "forever").join();
}

// ─── not yet on threads ──────────────────────────────────────────────────────────────────

/** A channel: refused on more than one thread so far (docs/THREADS.md). */
function channel(): void {
  let ch = new Channel<i32>(1);
  ch.send(1);
  console.log("channel: " + ch.recv().toString());
}

// Which parts run (bits: 1 migrate, 2 spawn, 4 fail, 8 storm, 16 deadlock, 32 channel): `--use THREADSCHED_PARTS=n`, all by default.
// @ts-ignore: THREADSCHED_PARTS is defined by the test's build (asc --use), unknown to TypeScript
// @ts-ignore: decorator
@inline const PARTS: i32 = isDefined(THREADSCHED_PARTS) ? <i32>THREADSCHED_PARTS : 15;

export function main(): void {
  if (PARTS & 1) migrate();
  if (PARTS & 2) spawnWaves();
  if (PARTS & 4) failOne();
  if (PARTS & 8) storm();
  if (PARTS & 16) deadlock();
  if (PARTS & 32) channel();
}
