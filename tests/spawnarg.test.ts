import { describe, it, expect } from "vitest";
import { buildProgram, BUILD_MODES } from "./helpers.js";
import { asyncImport } from "../host/runtime.js";
import { loadBytes, closeIo } from "../host/node/run.js";

async function runSpawnArg(gcStress: boolean, debug: boolean) {
  const { binary } = await buildProgram("spawnarg", { gcStress, debug });
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

describe.each(BUILD_MODES)("a fiber's spawn argument ($mode)", ({ gcStress, debug }) => {
  it("survives collections after each kind of blocking operation", async () => {
    const { result, stdout, stderr } = await runSpawnArg(gcStress, debug);
    // 12 kinds of operation (the last one file I/O), 3 rounds each
    expect(stdout).toEqual(["checked 36, corrupted 0"]);
    expect(stderr).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});
