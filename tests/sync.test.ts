// Channels, select, deadlock reports and misuse, each program run twice: built as users
// build it, and under GC stress (tests/helpers.ts), where it must behave the same.
// The programs share one module per build mode (tests/programs/syncsuite.ts, tests/suites.ts);
// the thread ring is the benchmark's own program.
import { describe, it, expect } from "vitest";
import { BUILD_MODES, buildAndRun as build, dumpLine, type TestBuildOptions } from "./helpers.js";
import { runInSuite, SYNC_PROGRAMS } from "./suites.js";

describe.each(BUILD_MODES)("$mode build", ({ gcStress, debug }) => {
  const buildAndRun = (name: string, options: TestBuildOptions = {}) =>
    name.includes("/") ? build(name, { ...options, gcStress, debug }) : runInSuite("syncsuite", SYNC_PROGRAMS, name, { ...options, gcStress, debug });

  describe("channels: classic programs", () => {
    it("runs Go's concurrent prime sieve to the 1000th prime", async () => {
      const r = await buildAndRun("sieve");
      expect(r.stdout).toEqual(["2", "3", "5", "7", "11", "13", "17", "19", "23", "29", "prime #1000 = 7919, sum 3682913"]);
      expect(r.exitCode).toBe(0);
      // as in Go, the generator and the filters are still there when main returns
      expect(r.aliveAtEnd).toBe(1001);
      expect(r.failures).toEqual([]);
    });

    it("passes a token 1,000,000 times around a ring of 503 fibers", async () => {
      // the benchmark's program, with fewer hops
      const r = await buildAndRun("bench/programs/threadring.ts", { use: ["RING_HOPS=1000000"] });
      // the token starts at fiber 1 with 1,000,000; fiber (1,000,000 mod 503) + 1 receives 0
      expect(r.stdout).toEqual(["holder=37"]);
      expect(r.stats.switches).toBeGreaterThan(1_000_000);
      expect(r.failures).toEqual([]);
    });

    it("delivers every item of 7 producers to 5 consumers exactly once, in order per pair", async () => {
      const r = await buildAndRun("prodcons");
      expect(r.stdout).toEqual(["received 14000, missing 0, duplicates 0, out of order 0"]);
      expect(r.aliveAtEnd).toBe(0);
    });

    it("lets five dining philosophers finish, forks taken in a global order", async () => {
      const r = await buildAndRun("philosophers");
      expect(r.stdout).toEqual(["meals 500, conflicts 0"]);
      expect(r.exitCode).toBe(0);
    });
  });

  describe("channels: semantics", () => {
    it("drains a closed channel, then reports Closed; try operations never block", async () => {
      const r = await buildAndRun("closing");
      expect(r.stdout).toEqual([
        "len 0 cap 2",
        "trySend a: ok",
        "trySend b: ok",
        "trySend c: would block, len 2",
        "recv a (ok)",
        "tryRecv b (ok)",
        "recv null (closed)",
        "tryRecv on empty: 0 (would block)",
        "waiter got null (closed)",
      ]);
      expect(r.failures).toEqual([]);
    });
  });

  describe("deadlock", () => {
    it("reports a lock-order deadlock with each fiber's wait", async () => {
      const r = await buildAndRun("lockorder");
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toEqual([
        "deadlock: all 3 fibers are asleep",
        dumpLine('  #1 "main" blocked (join #2 "ab")'),
        dumpLine('  #2 "ab" blocked (mutex #2)'),
        dumpLine('  #3 "ba" blocked (mutex #1)'),
      ]);
    });

    it("reports fibers all blocked on channels", async () => {
      const r = await buildAndRun("allblocked");
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toEqual(["deadlock: all 2 fibers are asleep", dumpLine('  #1 "main" blocked (chan #2 send)'), dumpLine('  #2 "listener" blocked (chan #1 recv)')]);
    });
  });

  describe("misuse", () => {
    it("fails the fiber that double-closes, sends on a closed channel, unlocks what it does not hold or drives a WaitGroup negative", async () => {
      const r = await buildAndRun("misuse");
      expect(r.stdout).toEqual([
        "doubleClose: close of closed channel #3",
        "sendOnClosed: send on closed channel #4",
        "holder: ok",
        "thief: unlock of mutex #1 by a fiber that does not hold it",
        "unlockFree: unlock of mutex #5, which is not locked",
        "negative: negative WaitGroup counter: waitgroup #6 went to -1",
        "blockedSender: send on closed channel #2",
      ]);
      expect(r.failures.map((f) => f.fiberName)).toEqual(["doubleClose", "sendOnClosed", "thief", "unlockFree", "negative", "blockedSender"]);
    });
  });

  describe("select", () => {
    it("completes ready cases, blocks on several channels, defaults, and reads closed channels", async () => {
      const r = await buildAndRun("select");
      expect(r.stdout).toEqual([
        "1: case 1 (ready)",
        "2: poll -> default",
        "3: case 1 got late hello ok true",
        "collector got 77",
        "4: case 0 sent",
        "5: case 0 value 0 ok false",
        "6: 100000 rounds",
        "x share within 45-55%",
        "y share within 45-55%",
      ]);
      expect(r.failures).toEqual([]);
      expect(r.aliveAtEnd).toBe(0);
    });

    it("names every case of a select in a deadlock dump", async () => {
      const r = await buildAndRun("selectdeadlock");
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toEqual(["deadlock: all 1 fiber is asleep", dumpLine('  #1 "main" blocked (select: chan #1 recv, chan #2 send)')]);
    });
  });
});
