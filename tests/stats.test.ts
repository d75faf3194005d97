// The stats block's run-queue length and block/wake counters, read at known points of a
// program (from an import, while main runs) and at its end.
import { expect, test } from "vitest";
import { WeftProgram, type Stats } from "../host/index.js";
import { buildProgram } from "./helpers.js";

test("ready, blocked, blocks and wakes count exactly", async () => {
  const { binary } = await buildProgram("counters");
  const probes: Record<number, Pick<Stats, "ready" | "blocked" | "blocks" | "wakes" | "alive">> = {};
  const lines: string[] = [];
  let program: WeftProgram | null = null;
  program = await WeftProgram.load(binary as Uint8Array<ArrayBuffer>, {
    stdout: (l) => lines.push(l),
    imports: {
      test: {
        probe: (at: number) => {
          const { ready, blocked, blocks, wakes, alive } = program!.stats();
          probes[at] = { ready, blocked, blocks, wakes, alive };
        },
      },
    },
  });
  const result = program.run();
  expect(result.exitCode).toBe(0);
  expect(lines).toEqual(["sum=150"]);
  // main runs while it probes: it is neither ready nor blocked
  expect(probes[1]).toEqual({ ready: 5, blocked: 0, blocks: 0, wakes: 0, alive: 6 });
  expect(probes[2]).toEqual({ ready: 0, blocked: 5, blocks: 5, wakes: 0, alive: 6 });
  expect(probes[3]).toEqual({ ready: 5, blocked: 0, blocks: 5, wakes: 5, alive: 6 });
  expect(result.stats).toMatchObject({ ready: 0, blocked: 0, blocks: 6, wakes: 6, alive: 0, spawned: 6 });
});
