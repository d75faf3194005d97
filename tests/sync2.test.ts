// Semaphore, Once, Cond: each program run twice, built as users build it and under GC
// stress (tests/helpers.ts), where it must behave the same. The programs share one module
// per build mode (tests/programs/sync2suite.ts, tests/suites.ts).
import { describe, it, expect } from "vitest";
import { BUILD_MODES, dumpLine } from "./helpers.js";
import { runInSuite, SYNC2_PROGRAMS } from "./suites.js";

describe.each(BUILD_MODES)("$mode build", ({ gcStress, debug }) => {
  const buildAndRun = (name: string) => runInSuite("sync2suite", SYNC2_PROGRAMS, name, { gcStress, debug });

  describe("Semaphore", () => {
    it("bounds concurrency exactly and serves weighted requests first come, first served", async () => {
      const r = await buildAndRun("semaphore");
      expect(r.stdout).toEqual([
        // 20 fibers, 3 permits: never more than 3 holders, served in arrival order
        "max holders 3, free 3 of 3, waiting 0",
        "service order 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19",
        // 10 permits: big (8) queues first; small1 (2) and small2 (3) would fit in the 4
        // free permits but queue behind it
        "holder wants 6 (free 10)",
        "holder got 6 (free 4)",
        "big wants 8 (free 4)",
        "small1 wants 2 (free 4)",
        "small2 wants 3 (free 4)",
        "main: waiting 3, free 4, tryAcquire(1): would block",
        // holder's release serves big, then small1 (both granted before either runs);
        // small2 does not fit in the 0 left and waits for big
        "holder released 6",
        "big got 8 (free 0)",
        "small1 got 2 (free 0)",
        "small1 released 2",
        "big released 8",
        "small2 got 3 (free 7)",
        "small2 released 3",
        "main: free 10, tryAcquire(10): ok, tryAcquire(1): would block",
        "main: free 10",
      ]);
      expect(r.exitCode).toBe(0);
      expect(r.aliveAtEnd).toBe(0);
      expect(r.failures).toEqual([]);
    });
  });

  describe("Once", () => {
    it("runs its function once for 10 concurrent callers, who all proceed after it returned", async () => {
      const r = await buildAndRun("once");
      expect(r.stdout).toEqual([
        "while init runs: done false, waiting 9",
        "caller 0 calls",
        "init start",
        ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `caller ${i} calls`),
        "init end",
        ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `caller ${i} proceeds: ok, initialized`),
        "late call: ok, calls 1, done true, waiting 0",
      ]);
      expect(r.exitCode).toBe(0);
      expect(r.failures).toEqual([]);
    });
  });

  describe("Cond", () => {
    it("runs a bounded buffer with signal and a start gate with broadcast, in FIFO order", async () => {
      const r = await buildAndRun("cond");
      expect(r.stdout).toEqual([
        "c1 waits (empty)",
        "c2 waits (empty)",
        "produced 1",
        "c1 consumed 1",
        "produced 2",
        "c2 consumed 2",
        "produced 3",
        "produced 4",
        "producer waits (full)",
        "c1 consumed 3",
        "produced 5",
        "producer waits (full)",
        "c2 consumed 4",
        "produced 6",
        "c1 consumed 5",
        "c2 consumed 6",
        "buffer left 0, waiting 0/0",
        "gate: 4 waiting",
        // broadcast moves the waiters to the mutex's queue: they wake holding it, one by one
        "after broadcast: cond waiting 0, mutex waiting 4",
        "runner 0 starts",
        "runner 1 starts",
        "runner 2 starts",
        "runner 3 starts",
        // signal with the mutex free: the waiter is its owner before it runs
        "signal without the lock: mutex locked true, cond waiting 0",
        "runner 9 starts",
        "end: locked false",
      ]);
      expect(r.exitCode).toBe(0);
      expect(r.aliveAtEnd).toBe(0);
      expect(r.failures).toEqual([]);
    });
  });

  describe("misuse", () => {
    it("fails the fiber that misuses a Semaphore, Cond or Once, and poisons a Once whose function failed", async () => {
      const r = await buildAndRun("sync2misuse");
      const poisoned = 'once #3 is poisoned: its function failed in fiber #12 "initFails"';
      expect(r.stdout).toEqual([
        "overCapacity: acquire(4) on sema #4 can never succeed: its capacity is 3",
        "zeroAcquire: acquire(0) on sema #5: the count must be positive",
        "negativeTry: tryAcquire(-2) on sema #6: the count must be positive",
        "overRelease: release(2) on sema #7, which has only 1 of its 3 permits acquired",
        "zeroRelease: release(0) on sema #8: the count must be positive",
        "badCapacity: semaphore capacity must be positive, got 0",
        "waitUnlocked: wait on cond #9 without holding mutex #1",
        "holder: ok",
        "waitOthersLock: wait on cond #10 without holding mutex #1",
        "onceRecursive: do() on once #2 called from its own function: it would wait for itself forever",
        "initFails: init gave up",
        // the failure is noticed lazily: the early waiter stays blocked until the next call
        "earlyWaiter after the failure: blocked, waiting 1",
        `lateCaller: ${poisoned}`,
        `earlyWaiter: ${poisoned}`,
        `laterStill: ${poisoned}`,
        "done false",
      ]);
      expect(r.failures.map((f) => f.fiberName)).toEqual([
        "overCapacity", "zeroAcquire", "negativeTry", "overRelease", "zeroRelease", "badCapacity",
        "waitUnlocked", "waitOthersLock", "onceRecursive", "initFails", "lateCaller", "earlyWaiter", "laterStill",
      ]);
      expect(r.exitCode).toBe(0);
    });
  });

  describe("deadlock", () => {
    it("names the semaphore, once and cond each fiber waits for", async () => {
      const r = await buildAndRun("semadeadlock");
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toEqual([
        "deadlock: all 5 fibers are asleep",
        dumpLine('  #1 "main" blocked (join #2 "taker")'),
        dumpLine('  #2 "taker" blocked (sema #1)'),
        dumpLine('  #3 "initializer" blocked (sema #1)'),
        dumpLine('  #4 "user" blocked (once #2)'),
        dumpLine('  #5 "waiter" blocked (cond #4)'),
      ]);
    });
  });

  describe("cancellation (Scope)", () => {
    it("returns Cancelled holding nothing; Cond.wait relocks first", async () => {
      const r = await buildAndRun("sync2cancel");
      expect(r.stdout).toEqual([
        "before cancel: waiting 2, free 4",
        // big (8) was the head; cancelled, it hands the 4 free permits on to small (3)
        "big: cancelled, free 1",
        "big: acquire(1) ok, free 0",
        "big: acquire(5) cancelled, free 1",
        "small: ok, free 1",
        "after: free 10, waiting 0",
        "signalled: cond waiting 1, mutex waiting 1",
        // cw1 left the mutex queue, cw2 the cond's: both queue again to relock
        "cancelled: cond waiting 0, mutex waiting 2",
        "cw2: cancelled, mutex locked true",
        "cw2 again: cancelled, mutex locked true, cond waiting 0",
        "cw1: cancelled, mutex locked true",
        "cw1 again: cancelled, mutex locked true, cond waiting 0",
        "mutex locked false",
        "once waiter: cancelled, done false",
        "init done",
        "runner: ok",
        "once done true",
      ]);
      expect(r.exitCode).toBe(0);
      expect(r.failures).toEqual([]);
    });
  });
});
