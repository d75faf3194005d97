// init.ts: `weft init [dir]` writes a new project that builds, runs, tests and type-checks
// as it is, as `npm create vite` or `cargo new` do:
//
//   package.json            scripts: build, start (runs it), test (Vitest), typecheck
//   assembly/main.ts        the program (AssemblyScript): fibers over channels
//   assembly/tsconfig.json  makes editors (and `tsc`) check assembly/ as AssemblyScript,
//                           with "weft" resolved to weft's own assembly/ sources
//   tests/main.test.ts      builds the program with weft/build and runs it with the host
//   tsconfig.json           the host side (tests): Node and Vitest
//   .gitignore
//
// Why two tsconfigs: an AssemblyScript program and the host's TypeScript see different
// worlds under the same module name. In assembly/, `import { Channel } from "weft"` is the
// AssemblyScript API (what `weft build` compiles in); in tests/ `import { WeftProgram }
// from "weft"` is the host's. Editors use the nearest tsconfig.json, so assembly/'s maps
// "weft" to node_modules/weft/assembly with AssemblyScript's types (i32, usize, ...) and
// the runtime's built-ins that weft's core uses; the root one leaves "weft" to the package's
// exports (its host typings). `@external` on a declared function is AssemblyScript syntax
// that TypeScript reports (TS1206); docs/API.md ("Editors") says so.
//
// Invariants: nothing is overwritten (init refuses a directory that already holds any of
// the files, naming it); the versions written are the ones this weft was tested with
// (tests/package.test.ts checks them against the repository's package.json).

import { mkdir, writeFile, stat } from "node:fs/promises";
import path from "node:path";

/** The development dependencies a new project gets: those weft itself is tested with. */
export const PROJECT_DEV_DEPENDENCIES = { typescript: "^5.9.3", vitest: "~4.1.12" };

/** A file of the new project. */
interface ProjectFile {
  path: string;
  text: string;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** The files of a new project named `name` depending on weft `version`. */
export function projectFiles(name: string, version: string): ProjectFile[] {
  return [
    {
      path: "package.json",
      text: json({
        name,
        version: "0.1.0",
        private: true,
        type: "module",
        scripts: {
          build: "weft build assembly/main.ts -o build/main.wasm",
          start: "weft run build/main.wasm",
          test: "vitest run",
          typecheck: "tsc -p assembly && tsc -p .",
        },
        dependencies: { weft: `^${version}` },
        devDependencies: PROJECT_DEV_DEPENDENCIES,
      }),
    },
    {
      path: "assembly/main.ts",
      text: `// main.ts: a weft program. \`npm run build\` compiles it to build/main.wasm, \`npm start\`
// runs it. Three worker fibers square the numbers a feeder fiber sends them; main adds up
// the squares. Each fiber blocks only itself when a channel is empty or full.
import { Channel, Scope, outcome, Outcome, spawnWith } from "weft";

/** The two channels the fibers share. */
class Work {
  jobs: Channel<i32> = new Channel<i32>(4);
  results: Channel<i32> = new Channel<i32>(4);
}

/** Sends 1..10, then closes the channel: the workers see the close after the last job. */
function feed(work: Work): void {
  for (let n = 1; n <= 10; n++) work.jobs.send(n);
  work.jobs.close();
}

/** Squares jobs until the channel is closed. */
function square(work: Work): void {
  while (true) {
    const n = work.jobs.recv();
    if (outcome() != Outcome.Ok) return; // closed and drained
    work.results.send(n * n);
  }
}

export function main(): void {
  const work = new Work();
  const workers = new Scope();
  for (let i = 0; i < 3; i++) workers.spawnWith(square, work, "square");
  spawnWith(feed, work, "feed");
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += work.results.recv();
  const failure = workers.wait(); // every worker has ended; the first failure, or null
  if (failure !== null) console.log("a worker failed: " + failure.toString());
  console.log("sum of the squares of 1..10: " + sum.toString());
}
`,
    },
    {
      path: "assembly/tsconfig.json",
      text: `{
  // AssemblyScript's types (i32, usize, @inline, ...) instead of the DOM's and Node's
  "extends": "assemblyscript/std/assembly.json",
  "compilerOptions": {
    "noEmit": true,
    // AssemblyScript's own rule for fields applies (asc checks it), not TypeScript's
    "strictPropertyInitialization": false,
    "baseUrl": ".",
    // "weft" here is the AssemblyScript API that weft build compiles into the program
    "paths": {
      "weft": ["../node_modules/weft/assembly/index.ts"],
      "weft/*": ["../node_modules/weft/assembly/*"]
    }
  },
  // the runtime's built-ins (__new, __link, ...) that weft's core calls
  "include": ["./**/*.ts", "../node_modules/assemblyscript/std/assembly/rt/index.d.ts"]
}
`,
    },
    {
      path: "tests/main.test.ts",
      text: `// Builds assembly/main.ts with weft's pipeline and runs it with weft's host.
import { describe, it, expect } from "vitest";
import { build } from "weft/build";
import { WeftProgram } from "weft";

describe("main", () => {
  it("adds up the squares", async () => {
    const { binary } = await build({ entry: "assembly/main.ts" });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const program = await WeftProgram.load(binary, { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) });
    const result = await program.runAsync();
    expect(result.exitCode).toBe(0);
    expect(stdout).toEqual(["sum of the squares of 1..10: 385"]);
    expect(stderr).toEqual([]);
  }, 120_000); // a build takes seconds (asc and Binaryen)
});
`,
    },
    {
      path: "tsconfig.json",
      text: json({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        // assembly/ has its own tsconfig: it is AssemblyScript
        include: ["tests/**/*.ts"],
      }),
    },
    { path: ".gitignore", text: "node_modules/\nbuild/\n" },
  ];
}

/** Why `weft init` cannot write the project; the message is meant for the user. */
export class InitError extends Error {}

/**
 * Writes a new project into `dir` (created if missing) and returns the paths written,
 * relative to it. Throws InitError, writing nothing, if any of the files exists already.
 */
export async function init(dir: string, version: string): Promise<string[]> {
  const root = path.resolve(dir);
  const kind = await stat(root).then(
    (s) => (s.isDirectory() ? "directory" : "file"),
    () => "none",
  );
  if (kind === "file") throw new InitError(`${dir} is a file: give a directory for the new project`);
  const name = path
    .basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "") || "weft-program";
  const files = projectFiles(name, version);
  for (const file of files) {
    const exists = await stat(path.join(root, file.path)).then(
      () => true,
      () => false,
    );
    if (exists) throw new InitError(`${path.join(dir, file.path)} exists already: weft init writes a new project and overwrites nothing`);
  }
  for (const file of files) {
    const target = path.join(root, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.text);
  }
  return files.map((f) => f.path);
}
