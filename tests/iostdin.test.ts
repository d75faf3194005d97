// A fiber blocked reading stdin does not stop a ticker fiber: `weft run` in a child
// process, its stdin held open until three ticks have been printed.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { binaryOf } from "./iohelpers.js";
import { root } from "./helpers.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "weft-stdin-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stdin", () => {
  it("a fiber reading stdin parks alone: the ticker fiber prints every 100 ms meanwhile", async () => {
    const wasm = path.join(dir, "stdinticker.wasm");
    writeFileSync(wasm, await binaryOf("examples/stdinticker.ts"));
    const child = spawn(process.execPath, [path.join(root, "bin/weft.js"), "run", wasm], { stdio: ["pipe", "pipe", "pipe"] });
    const lines: string[] = [];
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    let partial = "";
    const waiters: { test: (l: string) => boolean; resolve: () => void }[] = [];
    child.stdout.on("data", (d) => {
      partial += d;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].test(l)) waiters.splice(i, 1)[0].resolve();
      }
    });
    const seen = (test: (l: string) => boolean) =>
      lines.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve }));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));

    // main is parked in its read; stdin stays open until the ticker has printed three times
    await seen((l) => l === "tick 3");
    child.stdin.write("hello\n");
    await seen((l) => l.startsWith("read \"hello\""));
    // and the ticker goes on after the line
    const readAt = lines.findIndex((l) => l.startsWith("read \"hello\""));
    await seen((l) => l === `tick ${Number(/after (\d+) ticks/.exec(lines[readAt])![1]) + 2}`);
    child.stdin.end("quit\n");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");

    const ticks = lines.filter((l) => l.startsWith("tick ")).map((l) => Number(l.slice(5)));
    expect(ticks).toEqual(ticks.map((_, i) => i + 1)); // consecutive, none lost
    const before = Number(/^read "hello" after (\d+) ticks$/.exec(lines[readAt])![1]);
    expect(before).toBeGreaterThanOrEqual(3);
    expect(lines.slice(0, readAt)).toEqual(ticks.slice(0, before).map((n) => `tick ${n}`));
    expect(lines.at(-1)).toBe(`bye after ${ticks.length} ticks`);
  });
});
