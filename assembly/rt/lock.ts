// lock.ts: a mutex on one word of shared memory, for the threads build's heap.
//
// Model: Drepper's three-state futex mutex ("Futexes Are Tricky", mutex 2): 0 free, 1
// locked, 2 locked and someone may be waiting. Taking a free lock is one compare-and-swap;
// releasing a lock nobody waits for is one atomic subtract; only contention reaches
// `memory.atomic.wait32`/`notify`. A short spin before sleeping catches the common case of
// a holder that is about to release (the heap's critical sections are short): a sleep and
// a wake-up cost tens of microseconds (THREADS.md).
//
// Invariants: wasm atomics are sequentially consistent, so everything written under the
// lock is visible to the next holder; the waiter re-marks the word 2 whenever it wakes, so
// no release is ever missed.
//
// Every futex wait of the threads build's heap goes through `futexWait`, and no function
// keeps a wasm local that it still needs across `memory.atomic.wait32` itself: on Node
// 20.20, code from V8's baseline compiler (Liftoff) can read 0 from a local that was live
// across a wait that blocked (docs/THREADS.md has a 12-line reproduction; the collector's
// `park` read its saved mode as 1 before its wait loop and 0 after, in the same call).
// `futexWait` waits once and returns, and the build keeps it out of line
// (build/threads.ts THREADS_OUT_OF_LINE), so a caller's values cross a call, not a wait,
// and every loop re-reads what it needs after the call returns.

// @ts-ignore: decorator
@inline const SPINS: i32 = 64;

/**
 * Sleeps while the word at `addr` holds `expected` (or until woken). The only place the
 * heap waits: see the top of this file for why it waits once, returns, and stays a call.
 */
export function futexWait(addr: usize, expected: i32): void {
  atomic.wait<i32>(addr, expected, -1);
}

/** Takes the mutex at `addr`. */
export function lockWord(addr: usize): void {
  let c = atomic.cmpxchg<i32>(addr, 0, 1);
  if (c == 0) return;
  for (let i = 0; i < SPINS; i++) {
    if (atomic.load<i32>(addr) == 0 && atomic.cmpxchg<i32>(addr, 0, 1) == 0) return;
  }
  if (c != 2) c = atomic.xchg<i32>(addr, 2);
  while (c != 0) {
    futexWait(addr, 2);
    c = atomic.xchg<i32>(addr, 2);
  }
}

/** Releases the mutex at `addr`, waking one waiter if there may be one. */
export function unlockWord(addr: usize): void {
  if (atomic.sub<i32>(addr, 1) != 1) {
    atomic.store<i32>(addr, 0);
    atomic.notify(addr, 1);
  }
}
