// loadProgram: one call for a URL (streaming compile when served as application/wasm, a
// whole-body fallback otherwise), a Response or its promise, bytes, and a compiled module;
// clear LoadErrors for everything else. Runs in Node, whose fetch, Response and
// WebAssembly.compileStreaming are the web-standard ones; the page tests load the same way.

import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadProgram, compileProgram, LoadError, WeftProgram } from "../../host/index.js";
import { serveStatic } from "../../examples/browser/serve.js";
import { buildProgram } from "../helpers.js";

let bytes: Uint8Array<ArrayBuffer>;
let server: Server;
let url: string;

beforeAll(async () => {
  bytes = new Uint8Array((await buildProgram("examples/roundrobin.ts")).binary);
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-load-"));
  writeFileSync(path.join(dir, "roundrobin.wasm"), bytes);
  writeFileSync(path.join(dir, "roundrobin.bin"), bytes); // served as application/octet-stream
  writeFileSync(path.join(dir, "garbage.wasm"), new TextEncoder().encode("not wasm at all"));
  // a valid module that is not a weft program: (module (func (export "f")))
  writeFileSync(path.join(dir, "plain.wasm"), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11]));
  ({ server, url } = await serveStatic(dir));
});
afterAll(() => server?.close());

/** Runs a loaded round-robin program and returns its output lines. */
function runIt(program: WeftProgram, lines: string[]): string[] {
  expect(program.run().exitCode).toBe(0);
  return lines;
}

const EXPECTED_LAST = "all done";

describe("loadProgram", () => {
  test("from a URL served as application/wasm: compiled while streaming", async () => {
    const streaming = vi.spyOn(WebAssembly, "compileStreaming");
    const lines: string[] = [];
    const program = await loadProgram(`${url}roundrobin.wasm`, { stdout: (l) => lines.push(l) });
    expect(streaming).toHaveBeenCalledTimes(1);
    streaming.mockRestore();
    const out = runIt(program, lines);
    expect(out).toHaveLength(31);
    expect(out[0]).toBe("fiber 0 round 0");
    expect(out.at(-1)).toBe(EXPECTED_LAST);
  });

  test("from a URL object and from a fetch Response (or its promise)", async () => {
    for (const source of [new URL("roundrobin.wasm", url), await fetch(`${url}roundrobin.wasm`), fetch(`${url}roundrobin.wasm`)]) {
      const lines: string[] = [];
      expect(runIt(await loadProgram(source, { stdout: (l) => lines.push(l) }), lines).at(-1)).toBe(EXPECTED_LAST);
    }
  });

  test("another content type falls back to reading the whole body", async () => {
    const streaming = vi.spyOn(WebAssembly, "compileStreaming");
    const response = await fetch(`${url}roundrobin.bin`);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const lines: string[] = [];
    const program = await loadProgram(response, { stdout: (l) => lines.push(l) });
    expect(streaming).not.toHaveBeenCalled();
    streaming.mockRestore();
    expect(runIt(program, lines).at(-1)).toBe(EXPECTED_LAST);
  });

  test("from bytes and from a compiled module (as an edge platform hands it over)", async () => {
    const module = await compileProgram(bytes);
    expect(module).toBeInstanceOf(WebAssembly.Module);
    for (const source of [bytes, bytes.buffer, module]) {
      const lines: string[] = [];
      expect(runIt(await loadProgram(source, { stdout: (l) => lines.push(l) }), lines).at(-1)).toBe(EXPECTED_LAST);
    }
  });

  test("names what went wrong", async () => {
    await expect(loadProgram(`${url}missing.wasm`)).rejects.toThrow(new LoadError("cannot load missing.wasm: the server answered 404 Not Found"));
    await expect(loadProgram(`${url}garbage.wasm`)).rejects.toThrow(/^garbage\.wasm is not a valid WebAssembly module: /);
    await expect(loadProgram(`${url}plain.wasm`)).rejects.toThrow(/^plain\.wasm is not a weft program: it lacks the exports memory, _start, __new, .* \(build it with `weft build/);
    await expect(loadProgram(new Uint8Array([1, 2, 3]), { name: "three bytes" })).rejects.toThrow(/^three bytes is not a valid WebAssembly module: /);
    await expect(loadProgram("http://127.0.0.1:1/nothing-listens.wasm")).rejects.toThrow(/^cannot fetch nothing-listens\.wasm: /);
    await expect(loadProgram(Promise.resolve(42 as unknown as Response))).rejects.toThrow(new LoadError("cannot load the module: expected a Response, got number"));
    const error = await loadProgram(`${url}missing.wasm`).catch((e) => e);
    expect(error).toBeInstanceOf(LoadError);
  });
});
