// The code in README.md and docs/*.md: every TypeScript block is either a complete program
// (it exports `main`), which is built and run here (and, when a plain block follows it,
// must print exactly that), or says on its first line what it is instead: `// fragment`
// (part of a program, or host code) or `// not run: <why>` (a complete program that only
// ends when stopped: it is built, not run).
import { describe, it, expect } from "vitest";
import { loadBytes, closeIo } from "../host/node/run.js";
import { docBlocks, kind, writeDocEntry } from "./docblocks.js";
import { buildAndRun, buildProgram } from "./helpers.js";

const all = docBlocks();

describe("code blocks in the docs", () => {
  it("are complete programs or marked as fragments", () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((b) => kind(b) === "unmarked").map((b) => `${b.where}: neither a program (export function main) nor marked \`// fragment\``)).toEqual([]);
  });

  for (const block of all.filter((b) => kind(b) !== "fragment")) {
    it(`${block.where} ${kind(block) === "program" ? "builds and runs" : "builds"}`, async () => {
      const { binary } = await buildProgram(await writeDocEntry(block));
      if (kind(block) !== "program") return;
      const stdout: string[] = [];
      const stderr: string[] = [];
      // weft/io programs get Node's I/O, as under `weft run`
      const program = await loadBytes(binary, { name: block.where, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
      try {
        const result = await program.runAsync();
        expect({ exitCode: result.exitCode, stderr }).toEqual({ exitCode: 0, stderr: [] });
      } finally {
        closeIo(program);
      }
      if (block.output !== null) expect(stdout.join("\n") + "\n").toBe(block.output);
    });
  }
});

describe("examples", () => {
  it("sleepers (npm start) ends with no fiber alive", async () => {
    const r = await buildAndRun("examples/sleepers.ts");
    expect(r.aliveAtEnd).toBe(0);
    expect(r.stderr).toEqual([]);
    // (how many wake out of order depends on the machine: a sleeper spawned after its
    // deadline does not sleep)
    expect(r.stdout.at(-1)).toMatch(/^woke 100000 fibers, \d+ out of deadline order, the last at \d+ ms$/);
    // the reporter's last line, just before main's, counts everyone
    expect(r.stdout.at(-2)).toMatch(/^ {2}at \d+ ms: 100000 awake$/);
  });
});
