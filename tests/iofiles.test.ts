// Files from fibers: 100 fibers reading and writing at once get exactly their bytes.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { start } from "./iohelpers.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "weft-files-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("files", () => {
  it("100 fibers write and read their own files and one shared file concurrently, byte for byte", async () => {
    const run = await start("iofiles", { args: [dir] });
    const result = await run.done;
    expect(run.stderr).toEqual([]);
    const total = Array.from({ length: 100 }, (_, i) => 1000 + i * 137).reduce((a, b) => a + b);
    expect(run.stdout).toEqual([`fibers 100, failures 0, bytes ${total}`, "peak operations in flight 100"]);
    expect(result.exitCode).toBe(0);
    // the bytes on disk, as the program wrote them
    for (let i = 0; i < 100; i++) {
      const size = 1000 + i * 137;
      const expected = Buffer.alloc(size);
      for (let k = 0; k < size; k++) expected[k] = (i * 31 + k * 7 + (k >> 8)) & 0xff;
      expect(readFileSync(path.join(dir, `f${i}.bin`)).equals(expected), `f${i}.bin`).toBe(true);
    }
    const shared = Buffer.alloc(100 * 512);
    for (let i = 0; i < 100; i++) for (let k = 0; k < 512; k++) shared[i * 512 + k] = i ^ (k & 0xff);
    expect(readFileSync(path.join(dir, "shared.bin")).equals(shared)).toBe(true);
  });
});
