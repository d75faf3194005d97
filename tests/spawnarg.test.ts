import { describe, it, expect } from "vitest";
import { buildProgram } from "./helpers.js";
import { asyncImport } from "../host/runtime.js";
import { loadBytes, closeIo } from "../host/node/run.js";

/** The incremental collector steps every 64 bytes allocated and never idles. */
const GC_STRESS = ["ASC_GC_GRANULARITY=64", "ASC_GC_SWEEPFACTOR=100", "ASC_GC_IDLEFACTOR=100"];

async function runSpawnArg(use: string[]) {
  const { binary } = await buildProgram("spawnarg", { use });
  const stdout: string[] = [];
  const stderr: string[] = [];
  // the host completes each call on a later turn of the event loop
  const poke = asyncImport(() => new Promise((resolve) => setTimeout(() => resolve(1), 1)));
  const program = await loadBytes(binary as Uint8Array<ArrayBuffer>, {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
    imports: { app: { poke } },
  });
  const result = await program.runAsync();
  closeIo(program);
  return { result, stdout, stderr };
}

describe("a fiber's spawn argument", () => {
  for (const [mode, use] of [["default collector", []], ["collector stepping every 64 bytes", GC_STRESS]] as const) {
    it(`survives collections after each kind of blocking operation (${mode})`, async () => {
      const { result, stdout, stderr } = await runSpawnArg([...use]);
      // 12 kinds of operation (the last one file I/O), 3 rounds each
      expect(stdout).toEqual(["checked 36, corrupted 0"]);
      expect(stderr).toEqual([]);
      expect(result.exitCode).toBe(0);
    });
  }
});
