// The code in README.md and docs/*.md: every TypeScript block is either a complete program
// (it exports `main`), which is built and run here (and, when a plain block follows it,
// must print exactly that), or says on its first line what it is instead: `// fragment`
// (part of a program, or host code) or `// not run: <why>` (a complete program that only
// ends when stopped: it is built, not run).
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "../build/build.js";
import { loadBytes, closeIo } from "../host/node/run.js";
import { buildAndRun, root } from "./helpers.js";

interface Block {
  where: string;
  code: string;
  output: string | null;
}

/** The TypeScript blocks of a Markdown file, each with the plain block right after it, if any. */
function blocks(file: string): Block[] {
  const lines = readFileSync(path.join(root, file), "utf8").split("\n");
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript|js|javascript)\s*$/.test(lines[i])) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    let output: string | null = null;
    let next = end + 1;
    while (next < lines.length && lines[next].trim() === "") next++;
    if (lines[next] === "```") {
      let close = next + 1;
      while (close < lines.length && !lines[close].startsWith("```")) close++;
      output = lines.slice(next + 1, close).join("\n") + "\n";
    }
    found.push({ where: `${file}:${start + 1}`, code: lines.slice(start + 1, end).join("\n") + "\n", output });
    i = end;
  }
  return found;
}

const files = ["README.md", ...readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const all = files.flatMap(blocks);
const kind = (b: Block) =>
  b.code.startsWith("// fragment") ? "fragment" : b.code.startsWith("// not run:") ? "not run" : /export function main\(/.test(b.code) ? "program" : "unmarked";

describe("code blocks in the docs", () => {
  it("are complete programs or marked as fragments", () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((b) => kind(b) === "unmarked").map((b) => `${b.where}: neither a program (export function main) nor marked \`// fragment\``)).toEqual([]);
  });

  const outDir = path.join(root, "tests/.out/docs");
  for (const block of all.filter((b) => kind(b) !== "fragment")) {
    it(`${block.where} ${kind(block) === "program" ? "builds and runs" : "builds"}`, async () => {
      await mkdir(outDir, { recursive: true });
      const entry = path.join(outDir, `${block.where.replace(/[/:.]/g, "_")}.ts`);
      await writeFile(entry, block.code);
      const { binary } = await build({ entry });
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
