import { describe, it, expect, vi } from "vitest";
import { buildAndRun, buildProgram, dumpLine, quitWhen } from "./helpers.js";
import { WeftProgram } from "../host/runtime.js";

describe("leak detection", () => {
  it("reports the classic leak: a fiber blocked on a channel nobody writes to", async () => {
    const r = await buildAndRun("examples/leak.ts");
    expect(r.stdout).toEqual(["main gives up waiting and returns"]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toEqual(["weft: main ended with 1 fiber still alive:", dumpLine('  #2 "lookup" blocked (chan #1 recv)')]);
  });

  it("frees it when the waiter runs in a scope that is cancelled", async () => {
    const r = await buildAndRun("examples/leakfix.ts");
    expect(r.stdout).toEqual(["main gives up waiting", "lookup cancelled: nobody needs the answer any more", "no fiber left behind"]);
    expect(r.stderr).toEqual([]);
    expect(r.aliveAtEnd).toBe(0);
  });

  it("reports fibers blocked longer than a threshold while the program runs", async () => {
    // main spins 1,000,000 yields; the waiter stays blocked all along. The host's clock is
    // a virtual one that moves 1 ms at every read, so the run lasts well over the 20 ms
    // threshold on any machine, fast or loaded, and the report is the same every time.
    const { binary } = await buildProgram("spinner", { use: ["SPIN_LIMIT=1000000"] });
    let ms = 0;
    const clock = vi.spyOn(performance, "now").mockImplementation(() => ++ms);
    const leaks: string[] = [];
    const stderr: string[] = [];
    let result;
    try {
      const program = await WeftProgram.load(binary, {
        stdout: () => {},
        stderr: (l) => stderr.push(l),
        leakAfterMs: 20,
        onLeak: (line) => leaks.push(line),
      });
      result = await program.runAsync();
    } finally {
      clock.mockRestore();
    }
    expect(result.exitCode).toBe(0);
    // reported once while running (then once more by the end-of-program report)
    expect(leaks).toEqual([expect.stringMatching(/^#2 "waiter" blocked \(chan #1 recv\) for \d+ switches$/)]);
    expect(stderr[0]).toBe("weft: main ended with 2 fibers still alive:");
  });
});

describe("SIGQUIT", () => {
  it("makes `weft run` dump every fiber and exit with status 2, as Go does", async () => {
    const { code, stderr: lines } = await quitWhen((await buildProgram("spinner")).binary, "running");
    expect(code).toBe(2);
    expect(lines[0]).toMatch(/^SIGQUIT: 3 fibers alive, 1 blocked, \d+ switches, 3 spawned, peak 3$/);
    expect(lines[1]).toMatch(/^  #1 "main" (ready|running)$/);
    expect(lines[2]).toMatch(/^  #2 "waiter" blocked \(chan #1 recv\) for \d+ switch(es)? \(~\d+ ms\)$/);
    // a loop that yields on every round has no safepoint: the spinner is never preempted
    expect(lines[3]).toMatch(/^  #3 "spinner" (ready|running)$/);
  });
});
