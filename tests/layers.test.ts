// The core's shape: the layer table in docs/ARCHITECTURE.md is the rule. Every file of
// assembly/ is in exactly one layer, imports only from its own layer or below, the
// imports form no cycle, no file is over 600 lines, and each opens with its model. The
// checker is tested on small made-up trees first, so that it is known to be able to fail.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./helpers.js";

type Layers = { layer: number; pattern: string }[];

/** The rows of the table under "## Layers" in ARCHITECTURE.md: `| n | a.ts sync/*.ts | ... |`. */
function parseLayers(markdown: string): Layers {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Layers"));
  if (!section) throw new Error("docs/ARCHITECTURE.md has no \"## Layers\" section");
  const layers: Layers = [];
  for (const line of section.split("\n")) {
    const m = /^\|\s*(\d+)\s*\|\s*([^|]+)\|/.exec(line);
    if (!m) continue;
    for (const pattern of m[2].trim().split(/\s+/)) layers.push({ layer: Number(m[1]), pattern: pattern.replace(/`/g, "") });
  }
  if (layers.length === 0) throw new Error("the \"## Layers\" table has no rows");
  return layers;
}

/** The layer of a file: an exact entry wins over a `dir/*.ts` one. */
function layerOf(file: string, layers: Layers): number | undefined {
  const exact = layers.filter((l) => l.pattern === file);
  if (exact.length > 0) return exact[0].layer;
  const dir = path.posix.dirname(file);
  const glob = layers.filter((l) => l.pattern === `${dir === "." ? "" : dir + "/"}*.ts`);
  return glob[0]?.layer;
}

/** Relative imports (and re-exports) of a source text, resolved to paths like `sched/run.ts`. */
function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\b[^;]*?["'](\.{1,2}\/[^"']+)["']/gms;
  for (const m of text.matchAll(re)) out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])) + ".ts");
  return out;
}

interface Tree {
  files: Map<string, string>;
  layers: Layers;
}

/** Every broken rule, one line each. */
function check({ files, layers }: Tree): string[] {
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const own = layerOf(file, layers);
    if (own === undefined) problems.push(`${file} is in no layer of docs/ARCHITECTURE.md`);
    const lines = text.split("\n").length;
    if (lines > 600) problems.push(`${file} has ${lines} lines (at most 600)`);
    // an entry file may open with the package it is (`// weft/io: ...`)
    const opening = path.posix.basename(file) === "index.ts" ? /^\/\/ (index\.ts|weft[\w/]*): / : new RegExp(`^// ${path.posix.basename(file).replace(".", "\\.")}: `);
    if (!opening.test(text)) problems.push(`${file} does not open with "// ${path.posix.basename(file)}: <its model>"`);
    const deps = importsOf(file, text).filter((d) => files.has(d));
    graph.set(file, deps);
    for (const dep of deps) {
      const theirs = layerOf(dep, layers);
      if (own !== undefined && theirs !== undefined && theirs > own) {
        problems.push(`${file} (layer ${own}) imports ${dep} (layer ${theirs}), a layer above it`);
      }
    }
  }
  // cycles: depth-first search, reporting each cycle once by its path
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === "open") problems.push(`import cycle: ${[...stack.slice(stack.indexOf(d)), d].join(" → ")}`);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return problems;
}

function readTree(): Tree {
  const dir = path.join(root, "assembly");
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) files.set(p, readFileSync(path.join(dir, p), "utf8"));
    }
  };
  walk("");
  return { files, layers: parseLayers(readFileSync(path.join(root, "docs", "ARCHITECTURE.md"), "utf8")) };
}

describe("the layer checker", () => {
  const layers = parseLayers("## Layers\n| layer | files |\n|---|---|\n| 0 | a.ts |\n| 1 | b.ts lib/*.ts |\n| 2 | c.ts |\n");
  const file = (name: string, ...imports: string[]) => [name, `// ${path.posix.basename(name)}: x\n${imports.map((i) => `import { x } from "${i}";`).join("\n")}\n`] as const;

  it("accepts imports of the same layer and below", () => {
    const files = new Map([file("a.ts"), file("b.ts", "./a", "./lib/d"), file("lib/d.ts", "../a"), file("c.ts", "./b", "./a")]);
    expect(check({ files, layers })).toEqual([]);
  });

  it("reports an import of a layer above, a cycle, a file in no layer, a long file and a missing header", () => {
    const files = new Map<string, string>([
      file("a.ts", "./c"),
      file("b.ts", "./lib/d"),
      file("lib/d.ts", "../b"),
      file("c.ts"),
      file("e.ts"),
      ["lib/f.ts", "export const x = 1;\n" + "\n".repeat(600)],
    ]);
    expect(check({ files, layers })).toEqual([
      "a.ts (layer 0) imports c.ts (layer 2), a layer above it",
      "e.ts is in no layer of docs/ARCHITECTURE.md",
      "lib/f.ts has 602 lines (at most 600)",
      'lib/f.ts does not open with "// f.ts: <its model>"',
      "import cycle: b.ts → lib/d.ts → b.ts",
    ]);
  });
});

describe("assembly/", () => {
  it("follows the layer table of docs/ARCHITECTURE.md, has no import cycle, no file over 600 lines", () => {
    expect(check(readTree())).toEqual([]);
  });

  it("names the layouts it shares with the host in one place (assembly/layout.ts)", () => {
    // the host reads the stats and failure blocks only through layout.ts's names
    const abi = readFileSync(path.join(root, "host", "abi.ts"), "utf8");
    expect(abi.match(/\bat \+ \d+/g) ?? []).toEqual([]);
    const core = ["sched/diag.ts", "sched/fail.ts", "wasi/report.ts"].map((f) => readFileSync(path.join(root, "assembly", f), "utf8"));
    for (const text of core) expect(text.match(/store<\w+>\((?:at|FAILURE_INFO|STATS), [^)]*, \d+\)|load<\w+>\(at, \d+\)/g) ?? []).toEqual([]);
  });
});
