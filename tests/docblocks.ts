// docblocks.ts: the TypeScript code blocks of README.md and docs/*.md, as docs.test.ts
// checks them, and the entry file each complete program is built from. Shared with the
// build-ahead processes (tests/buildahead.ts), which build the same entries before
// docs.test.ts asks; so it must not import vitest.
//
// Invariant: a block's entry file (tests/.out/docs/<file>_<line>.ts) holds exactly the
// block's code. It is written only when absent or different, and then whole (a temporary
// file renamed into place), so that a build reading it in another process never sees a
// partly written file.
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { root } from "./testbuild.js";

export interface Block {
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

/** Every block of README.md and docs/*.md, in file order. */
export function docBlocks(): Block[] {
  const files = ["README.md", ...readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  return files.flatMap(blocks);
}

/** What a block says it is: a program (built and run), "not run" (built), a fragment, or unmarked. */
export const kind = (b: Block) =>
  b.code.startsWith("// fragment") ? "fragment" : b.code.startsWith("// not run:") ? "not run" : /export function main\(/.test(b.code) ? "program" : "unmarked";

const outDir = path.join(root, "tests/.out/docs");

/** Writes the block's entry file (see the invariant above) and returns its path. */
export async function writeDocEntry(block: Block): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const entry = path.join(outDir, `${block.where.replace(/[/:.]/g, "_")}.ts`);
  if ((await readFile(entry, "utf8").catch(() => null)) === block.code) return entry;
  const temp = `${entry}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, block.code);
  await rename(temp, entry);
  return entry;
}
