// JavaScript interop: fibers awaiting a Promise-returning import, and fibers spawned from
// the host settling Promises.
import { describe, it, expect } from "vitest";
import { WeftProgram, asyncImport, FiberError } from "../host/runtime.js";
import { binaryOf } from "./iohelpers.js";

describe("interop", () => {
  it("1,000 fibers await one async JS function at once; program.spawn resolves with results", async () => {
    let inFlight = 0;
    let peak = 0;
    let open!: () => void;
    // the function's promises stay pending until all 1,000 calls are in flight together
    const gate = new Promise<void>((resolve) => (open = resolve));
    const double = async (x: number): Promise<number> => {
      peak = Math.max(peak, ++inFlight);
      if (inFlight === 1000) open();
      await gate;
      inFlight--;
      if (x < 0) throw Object.assign(new Error(`cannot double ${x}`), { code: "ERANGE" });
      return x * 2;
    };
    const stdout: string[] = [];
    const stderr: string[] = [];
    const program = await WeftProgram.load((await binaryOf("interop")) as Uint8Array<ArrayBuffer>, {
      imports: { app: { double: asyncImport(double) } },
      stdout: (l) => stdout.push(l),
      stderr: (l) => stderr.push(l),
    });
    const main = program.runAsync();
    const spawned = [program.spawn("lookup", 21), program.spawn("lookup", 1e6), program.spawn("rejected", -5)];
    const [a, b, c] = await Promise.allSettled(spawned);
    const result = await main;
    expect(peak).toBe(1003); // 1,000 fibers of main and 3 spawned by the host, all waiting at once
    expect(stdout).toEqual([`fibers 1000, total ${999 * 1000}, failed 0`]);
    expect(a).toEqual({ status: "fulfilled", value: 42 });
    expect(b).toEqual({ status: "fulfilled", value: 2e6 });
    expect(c.status).toBe("rejected");
    const error = (c as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(FiberError);
    expect(error.message).toMatch(/failed: ERANGE: cannot double -5/);
    expect(result.exitCode).toBe(0);
    expect(result.aliveAtEnd).toBe(0);
  });
});
