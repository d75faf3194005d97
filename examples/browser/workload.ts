// workload.ts: the fiber program behind the live view (examples/browser/). AssemblyScript,
// built with weft's pipeline by examples/browser/build.ts.
//
// It runs one topology in rounds until the page asks it to stop, so the view always has
// something moving:
//   sieve   Go's concurrent prime sieve: a generator and one filter fiber per prime, N
//           primes per round (N + 1 fibers in a chain of unbuffered channels);
//   ring    N fibers in a ring of unbuffered channels pass a token 20·N + N/2 times;
//   fan     fan-out/fan-in: N workers each compute the Collatz length of their job,
//           yielding every 8 steps, and send it to one collector (main).
// Each round runs in a Scope: at its end the scope is cancelled and waited for, so every
// fiber of the round ends before the next begins. Each round's result goes to the page,
// which checks it against its own computation.
//
// The page talks to the program through host imports (`demo.*`, given by the page at
// load time) and reads it through exports: `snapshot()` fills a byte per fiber of the
// current round with its state, once per animation frame; the scheduler's own counters
// come from the core's stats block. Nothing calls into JavaScript on a switch.

import { Channel, Fiber, Outcome, Scope, outcome, yieldNow, currentFiber } from "weft";

// @ts-ignore: decorator
@external("demo", "topology")
declare function topology(): i32;
// @ts-ignore: decorator
@external("demo", "fibers")
declare function fiberCount(): i32;
/** True once the page asked the program to end; checked by whichever fibers run. */
// @ts-ignore: decorator
@external("demo", "stopping")
declare function stopping(): bool;
/** One finished round: its number, fibers and result (sum of primes, holder id, sum of lengths). */
// @ts-ignore: decorator
@external("demo", "roundEnded")
declare function roundEnded(round: i32, fibers: i32, result: f64): void;

const SIEVE = 0;
const RING = 1;
const FAN = 2;
/** Hops per ring member and round. */
const HOPS_PER_MEMBER = 20;

/** The fibers of the current round, in spawn order, for `snapshot`. */
let roster = new Array<Fiber>();
let states = new StaticArray<u8>(0);

/** Fills one byte per fiber of the round with its FiberState; returns the bytes' address. */
export function snapshot(): usize {
  let n = roster.length;
  if (states.length < n) states = new StaticArray<u8>(n + (n >> 1));
  for (let i = 0; i < n; i++) unchecked((states[i] = <u8>roster[i].state));
  return changetype<usize>(states);
}

/** Fibers in the current round (the length of `snapshot`'s bytes). */
export function snapshotLength(): i32 {
  return roster.length;
}

// ─── sieve ──────────────────────────────────────────────────────────────────────────────

class Stage {
  constructor(public input: Channel<i32>, public output: Channel<i32>, public prime: i32) {}
}

function generate(out: Channel<i32>): void {
  for (let i = 2; ; i++) {
    // stopping: closing the chain's head lets every filter close its output in turn
    if ((i & 255) == 0 && stopping()) {
      out.close();
      return;
    }
    if (out.send(i) != Outcome.Ok) return;
  }
}

function filter(stage: Stage): void {
  while (true) {
    const n = stage.input.recv();
    const how = outcome();
    if (how == Outcome.Closed) {
      stage.output.close();
      return;
    }
    if (how != Outcome.Ok) return;
    if (n % stage.prime != 0 && stage.output.send(n) != Outcome.Ok) return;
  }
}

/** N primes; returns their sum, or -1 if the page stopped the round. */
function sieveRound(scope: Scope, n: i32): f64 {
  let ch = new Channel<i32>();
  roster.push(scope.spawnWith(generate, ch, "generate"));
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const prime = ch.recv();
    if (outcome() != Outcome.Ok) return -1;
    sum += prime;
    const next = new Channel<i32>();
    roster.push(scope.spawnWith(filter, new Stage(ch, next, prime), "filter"));
    ch = next;
  }
  return sum;
}

// ─── ring ───────────────────────────────────────────────────────────────────────────────

class Link {
  constructor(public id: i32, public input: Channel<i32>, public output: Channel<i32>, public done: Channel<i32>) {}
}

function member(link: Link): void {
  while (true) {
    const token = link.input.recv();
    if (outcome() != Outcome.Ok) return;
    if (token == 0) {
      link.done.send(link.id);
      return;
    }
    if ((token & 1023) == 0 && stopping()) {
      link.done.send(-1);
      return;
    }
    if (link.output.send(token - 1) != Outcome.Ok) return;
  }
}

/** N members pass a token 20·N + N/2 times; returns the id of the member holding it at the end. */
function ringRound(scope: Scope, n: i32): f64 {
  const channels = new Array<Channel<i32>>(n);
  for (let i = 0; i < n; i++) channels[i] = new Channel<i32>();
  const done = new Channel<i32>();
  for (let i = 0; i < n; i++) roster.push(scope.spawnWith(member, new Link(i + 1, channels[i], channels[(i + 1) % n], done), "member"));
  channels[0].send(HOPS_PER_MEMBER * n + (n >> 1));
  return <f64>done.recv();
}

// ─── fan-out / fan-in ───────────────────────────────────────────────────────────────────

let results = new Channel<i32>();

function worker(job: i32): void {
  let x: i64 = job;
  let steps: i32 = 0;
  while (x != 1) {
    x = x & 1 ? 3 * x + 1 : x >> 1;
    steps++;
    if ((steps & 7) == 0) {
      yieldNow();
      if (currentFiber().cancelled) return;
    }
  }
  results.send(steps);
}

/** N workers, jobs 1..N; returns the sum of their Collatz lengths. */
function fanRound(scope: Scope, n: i32): f64 {
  results = new Channel<i32>();
  for (let i = 1; i <= n; i++) roster.push(scope.spawnWith(worker, i, "worker"));
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 255) == 0 && stopping()) return -1;
    sum += results.recv();
  }
  return sum;
}

// ─── main ───────────────────────────────────────────────────────────────────────────────

export function main(): void {
  const kind = topology();
  const n = fiberCount();
  if (kind < SIEVE || kind > FAN) abort("unknown topology " + kind.toString());
  if (n < 2 || n > 1_000_000) abort("fibers must be between 2 and 1000000, got " + n.toString());
  let round = 0;
  while (!stopping()) {
    round++;
    roster = new Array<Fiber>();
    const scope = new Scope();
    const result = kind == SIEVE ? sieveRound(scope, n) : kind == RING ? ringRound(scope, n) : fanRound(scope, n);
    // the round's fibers end here: blocked ones return Cancelled from what they wait on
    scope.cancel();
    scope.wait();
    if (result < 0) break;
    roundEnded(round, roster.length, result);
  }
}
