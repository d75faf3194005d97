// cli.ts: the `weft` command. `weft build` compiles a fiber program; `weft run` runs one;
// `weft wasi` runs a WASI build; `weft init` writes a new project.
//
// Messages: every expected failure (bad option, missing file, unwritable output, a
// program that does not compile) is one line on stderr, `weft <command>: ...` or
// commander's `error: ...` followed by a one-line hint, and a non-zero exit status; never
// a stack trace. Colour only where colors.ts allows it (a terminal, NO_COLOR, FORCE_COLOR).

import { writeFile, mkdir, stat, access, constants } from "node:fs/promises";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option, InvalidArgumentError } from "commander";
import { DEFAULT_SCRATCH_SIZE, DEFAULT_STACK_SIZE } from "./defaults.js";
import { colorsFor } from "./colors.js";
import { runFile } from "../host/node/run.js";
import { runWasiFile } from "../host/node/wasi.js";
import { readTraceFile, formatSummary } from "../host/node/trace.js";

const pc = colorsFor(process.stderr);

/** This package's version (this file is build/cli.ts or dist/build/cli.js). */
function version(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = [path.join(here, "../package.json"), path.join(here, "../../package.json")].find(existsSync)!;
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

function bytes(value: string): number {
  const match = /^(\d+)([kKmM]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected a size in bytes (like 65536 or 64k), got "${value}"`);
  const scale = { "": 1, k: 1024, K: 1024, m: 1 << 20, M: 1 << 20 }[match[2]]!;
  return Number(match[1]) * scale;
}

function positive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** What a failed write's error code means, in words. */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on device",
    EISDIR: "it is a directory",
    ENOTDIR: "a part of the path is not a directory",
    ENOENT: "no such file or directory",
  };
  return (code && words[code]) ?? (e as Error).message;
}

/**
 * Why the module cannot be written to `out`, or null if it looks writable: checked before
 * the build (which takes seconds) so that a wrong `-o` fails at once.
 */
async function checkOutput(out: string): Promise<string | null> {
  const file = path.resolve(out);
  const itself = await stat(file).catch(() => null);
  if (itself?.isDirectory()) return `${out} is a directory: -o names the module file to write (like ${path.join(out, "app.wasm")})`;
  // the nearest existing ancestor must be a directory we may write in
  let dir = path.dirname(file);
  for (;;) {
    const found = await stat(dir).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" || e.code === "ENOTDIR" ? null : e));
    if (found instanceof Error) return `cannot write ${out}: ${dir}: ${reason(found)}`;
    if (found) {
      if (!found.isDirectory()) return `cannot write ${out}: ${dir} is a file, not a directory`;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return `cannot write ${out}: no such directory`;
    dir = parent;
  }
  try {
    await access(dir, constants.W_OK);
  } catch (e) {
    return `cannot write ${out}: ${dir}: ${reason(e)}`;
  }
  return null;
}

/**
 * Writes the module, creating missing directories one level at a time: Node's recursive
 * mkdir never returns for some unwritable trees (under /proc), so it is not used.
 */
async function writeOutput(out: string, binary: Uint8Array): Promise<string | null> {
  const file = path.resolve(out);
  const missing: string[] = [];
  for (let dir = path.dirname(file); !existsSync(dir); dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return `cannot create the directory ${dir}: ${reason(e)}`;
    }
  }
  try {
    await writeFile(file, binary);
  } catch (e) {
    return `cannot write ${out}: ${reason(e)}`;
  }
  return null;
}

/** An option error's hint: where the full story is. */
const hint = (command: string) => `(see \`weft ${command}--help\`)`;

const program = new Command("weft")
  .description("fibers for WebAssembly")
  .version(version(), "-V, --version", "print weft's version")
  .showHelpAfterError(hint(""))
  .enablePositionalOptions()
  .configureOutput({ outputError: (text, write) => write(pc.red(text)) });

program
  .command("build")
  .showHelpAfterError(hint("build "))
  .description("build an AssemblyScript fiber program into a runnable module")
  .argument("<entry>", "the program's entry file; it exports main()")
  .requiredOption("-o, --out <file>", "where to write the module (.wasm)")
  .option("--stack-size <bytes>", `shadow stack shared by all fibers (default ${DEFAULT_STACK_SIZE})`, bytes)
  .option("--scratch-size <bytes>", `asyncify frames one suspend may save (default ${DEFAULT_SCRATCH_SIZE})`, bytes)
  .option("--no-optimize", "skip optimization (faster builds, slower programs)")
  .option("--ignore-indirect", "assume indirect calls never suspend (smaller and faster; wrong if a callback yields)")
  .option("--shrink", "favor module size: keep the switch primitives out of line (up to 14% smaller, slower switches)")
  .option("--no-preempt", "no safepoints in loops: purely cooperative scheduling (a fiber that never yields stalls the others)")
  .option("--rtrace", "include allocation tracing hooks (for leak checks)")
  .option("--debug", "check the runtime's invariants as it runs (slower; a broken one fails with `internal: ...`)")
  .option("--use <NAME=value...>", "define integer constants for the program (asc --use)")
  .addOption(new Option("--target <target>", "where the program runs: js (the JavaScript host) or wasi (a WASI command)").choices(["js", "wasi"]).default("js"))
  .addOption(
    new Option("--exceptions <mode>", "wasi: isolate failing fibers with wasm exceptions (legacy) or exit on the first failure (none)").choices([
      "legacy",
      "none",
    ]),
  )
  .option("-v, --verbose", "report the functions asyncify instrumented")
  .action(async (entry: string, opts) => {
    // loaded here: the pipeline (Binaryen, asc) is heavy and `weft run` does not need it
    const fail = (message: string) => {
      console.error(`${pc.red("weft build:")} ${message}`);
      process.exitCode = 1;
    };
    const unwritable = await checkOutput(opts.out);
    if (unwritable) return fail(unwritable);
    const { build, BuildError } = await import("./build.js");
    try {
      const result = await build({
        entry,
        stackSize: opts.stackSize,
        scratchSize: opts.scratchSize,
        optimize: opts.optimize,
        ignoreIndirect: opts.ignoreIndirect,
        shrink: opts.shrink,
        preempt: opts.preempt,
        rtrace: opts.rtrace,
        debug: opts.debug,
        use: opts.use,
        target: opts.target,
        exceptions: opts.exceptions,
        log: opts.verbose ? (line) => console.error(pc.dim(line)) : undefined,
      });
      const failed = await writeOutput(opts.out, result.binary);
      if (failed) return fail(failed);
      if (opts.verbose) {
        console.log(`instrumented (${result.instrumented.length}), each with why it can suspend:`);
        for (const name of result.instrumented) console.log(`  ${name}: ${result.why[name]}`);
        console.log(`left uninstrumented in the program (${result.uninstrumented.length}):`);
        for (const name of result.uninstrumented) console.log(`  ${name}`);
        console.log(`largest asyncify frame: ${result.largestFrame} bytes (each level of recursion above a yield costs up to this much scratch)`);
      }
      console.error(`${pc.green("built")} ${opts.out} (${result.size} bytes)`);
    } catch (e) {
      if (e instanceof BuildError) return fail(e.message);
      throw e;
    }
  });

program
  .command("run")
  .showHelpAfterError(hint("run "))
  .description("run a built weft program in Node")
  .argument("<module>", "a module made by weft build")
  .argument("[args...]", "the program's arguments (weft/io `args()`)")
  .option("--trace <file>", "write a trace of what the fibers did (Chrome Trace Event JSON; docs/TRACING.md)")
  .option("--trace-by-program", "with --trace: record only between the program's traceStart() and traceStop()")
  .option("--trace-stamp-every <n>", "with --trace: read the clock every n-th switch (default 8; 1 = exact times, slower)", positive)
  .option("--trace-capacity <records>", "with --trace: the in-memory ring's size (default 65536 records)", positive)
  .passThroughOptions()
  .action(async (file: string, args: string[], opts: { trace?: string; traceByProgram?: boolean; traceStampEvery?: number; traceCapacity?: number }) => {
    if (opts.trace === undefined && (opts.traceByProgram || opts.traceStampEvery || opts.traceCapacity)) {
      console.error(`${pc.red("weft run:")} --trace-by-program, --trace-stamp-every and --trace-capacity need --trace <file>`);
      process.exitCode = 1;
      return;
    }
    const trace = opts.trace === undefined ? undefined : opts.traceByProgram ? false : { stampEvery: opts.traceStampEvery, capacity: opts.traceCapacity };
    process.exitCode = await runFile(file, { io: { args }, traceFile: opts.trace, trace });
  });

const traceCommand = program.command("trace").description("read traces written by weft run --trace");
traceCommand
  .command("summary")
  .description("per fiber: run time, blocked time by reason, longest block, wake-ups; the busiest channels")
  .argument("<file>", "a trace file (weft run --trace)")
  .option("--fibers <n>", "list at most n fibers (default 50)", positive)
  .action(async (file: string, opts: { fibers?: number }) => {
    try {
      console.log(formatSummary(await readTraceFile(file), opts.fibers ?? 50));
    } catch (e) {
      console.error(`${pc.red("weft trace summary:")} ${(e as Error).message}`);
      process.exitCode = 1;
    }
  });

program
  .command("wasi")
  .showHelpAfterError(hint("wasi "))
  .description("run a WASI program (weft build --target wasi) under Node's WASI")
  .argument("<module>", "a module made by weft build --target wasi")
  .argument("[args...]", "the program's arguments")
  .option("--dir <dir>", "give the program a directory: HOST[::GUEST] (GUEST defaults to HOST); repeatable", collect, [])
  .option("--env <NAME=value>", "set an environment variable for the program; repeatable", collect, [])
  .passThroughOptions()
  .action(async (file: string, args: string[], opts: { dir: string[]; env: string[] }) => {
    process.exitCode = await runWasiFile(file, args, { dirs: opts.dir, env: opts.env });
  });

program
  .command("init")
  .showHelpAfterError(hint("init "))
  .description("write a new project: a program, its build, run and test scripts, editor settings")
  .argument("[dir]", "where (created if missing)", ".")
  .action(async (dir: string) => {
    const { init, InitError } = await import("./init.js");
    try {
      const written = await init(dir, version());
      console.error(`${pc.green("created")} ${written.join(", ")}${dir === "." ? "" : ` in ${dir}`}`);
      console.error("next:");
      if (dir !== ".") console.error(`  cd ${dir}`);
      console.error("  npm install");
      console.error("  npm run build && npm start    # build and run assembly/main.ts");
      console.error("  npm test                      # tests/main.test.ts");
    } catch (e) {
      if (!(e instanceof InitError)) throw e;
      console.error(`${pc.red("weft init:")} ${e.message}`);
      process.exitCode = 1;
    }
  });

await program.parseAsync(process.argv);
