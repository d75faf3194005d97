// TCP and HTTP from fibers: the echo and HTTP examples under many concurrent clients,
// with bad requests among them.
import { describe, it, expect } from "vitest";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { start } from "./iohelpers.js";

/** Connects, sends `chunks` (then ends its side), resolves with everything received until the server closes. */
function exchange(port: number, chunks: Buffer[], endAfter = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1", () => {
      for (const c of chunks) socket.write(c);
      if (endAfter) socket.end();
    });
    socket.on("data", (d) => got.push(d));
    socket.on("end", () => resolve(Buffer.concat(got)));
    socket.on("error", reject);
  });
}

describe("TCP echo", () => {
  it("200 concurrent clients get back every byte they sent", async () => {
    const run = await start("examples/echo/main.ts", { args: ["--port", "0"] });
    const [, port] = await run.line(/^echo: listening on 127\.0\.0\.1:(\d+)$/);
    // each client sends 4 chunks of different sizes, 1 KiB to 40 KiB in all
    const payloads = Array.from({ length: 200 }, (_, i) => [randomBytes(256 + i), randomBytes(7 * i), randomBytes(100), randomBytes(64 * i)]);
    const echoed = await Promise.all(payloads.map((chunks) => exchange(Number(port), chunks)));
    echoed.forEach((got, i) => expect(got.equals(Buffer.concat(payloads[i])), `client ${i}`).toBe(true));
    run.stop(); // closes the listener: the accept loop ends, and main with it
    const result = await run.done;
    expect(result.exitCode).toBe(0);
    expect(result.aliveAtEnd).toBe(0);
    expect(run.stderr).toEqual([]);
  });

  it("a client that sends more than it reads is held back, not buffered without bound", async () => {
    const run = await start("examples/echo/main.ts", { args: ["--port", "0"] });
    const [, port] = await run.line(/listening on 127\.0\.0\.1:(\d+)$/);
    // 32 MiB, far more than the kernel's socket buffers, sent before the client reads a
    // byte: the echo backs up into the server's write, which parks its fiber; the fiber
    // then stops reading, so TCP holds the sender back
    const data = randomBytes(32 << 20);
    const socket = net.connect(Number(port), "127.0.0.1");
    socket.pause();
    socket.write(data, () => socket.end());
    let parked: string | undefined;
    for (let i = 0; i < 1000 && !parked; i++) {
      await new Promise((r) => setTimeout(r, 10));
      parked = run.program.dump().find((l) => /blocked \(host write #\d+\)/.test(l));
    }
    expect(parked).toBeDefined();
    // while it waits, the program holds no more than its buffers: nowhere near 32 MiB
    expect(run.program.stats().memoryBytes).toBeLessThan(8 << 20);
    const parts: Buffer[] = [];
    socket.on("data", (d) => parts.push(d));
    socket.resume();
    await new Promise((resolve, reject) => socket.on("end", resolve).on("error", reject));
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    run.stop();
    expect((await run.done).exitCode).toBe(0);
  });
});

describe("buffers shared with the host", () => {
  it("stay valid while reads are pending, through full collections", async () => {
    const run = await start("iogc");
    const result = await run.done;
    expect(run.stdout).toEqual(["clients 100, rounds 20, mismatches 0, failures 0", "collected while reads were pending"]);
    expect(result.exitCode).toBe(0);
  });
});
