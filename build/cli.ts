// cli.ts: the `weft` command. `weft build` compiles a fiber program; `weft run` runs one.

import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import pc from "picocolors";
import { Command, Option, InvalidArgumentError } from "commander";
import { DEFAULT_SCRATCH_SIZE, DEFAULT_STACK_SIZE } from "./defaults.js";
import { runFile } from "../host/node/run.js";
import { runWasiFile } from "../host/node/wasi.js";
import { readTraceFile, formatSummary } from "../host/node/trace.js";

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

const program = new Command("weft").description("fibers for WebAssembly").showHelpAfterError().enablePositionalOptions();

program
  .command("build")
  .description("build an AssemblyScript fiber program into a runnable module")
  .argument("<entry>", "the program's entry file; it exports main()")
  .requiredOption("-o, --out <file>", "where to write the module (.wasm)")
  .option("--stack-size <bytes>", `shadow stack shared by all fibers (default ${DEFAULT_STACK_SIZE})`, bytes)
  .option("--scratch-size <bytes>", `asyncify frames one suspend may save (default ${DEFAULT_SCRATCH_SIZE})`, bytes)
  .option("--no-optimize", "skip optimization (faster builds, slower programs)")
  .option("--ignore-indirect", "assume indirect calls never suspend (smaller and faster; wrong if a callback yields)")
  .option("--shrink", "favor module size: keep the switch primitives out of line (up to 14% smaller, slower switches)")
  .option("--rtrace", "include allocation tracing hooks (for leak checks)")
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
    const { build, BuildError } = await import("./build.js");
    try {
      const result = await build({
        entry,
        stackSize: opts.stackSize,
        scratchSize: opts.scratchSize,
        optimize: opts.optimize,
        ignoreIndirect: opts.ignoreIndirect,
        shrink: opts.shrink,
        rtrace: opts.rtrace,
        use: opts.use,
        target: opts.target,
        exceptions: opts.exceptions,
        log: opts.verbose ? (line) => console.error(pc.dim(line)) : undefined,
      });
      await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
      await writeFile(opts.out, result.binary);
      if (opts.verbose) {
        console.log(`instrumented (${result.instrumented.length}):`);
        for (const name of result.instrumented) console.log(`  ${name}`);
        console.log(`left uninstrumented in the program (${result.uninstrumented.length}):`);
        for (const name of result.uninstrumented) console.log(`  ${name}`);
        console.log(`largest asyncify frame: ${result.largestFrame} bytes (each level of recursion above a yield costs up to this much scratch)`);
      }
      console.error(`${pc.green("built")} ${opts.out} (${result.size} bytes)`);
    } catch (e) {
      if (e instanceof BuildError) {
        console.error(`${pc.red("weft build:")} ${e.message}`);
        process.exitCode = 1;
        return;
      }
      throw e;
    }
  });

program
  .command("run")
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
  .description("run a WASI program (weft build --target wasi) under Node's WASI")
  .argument("<module>", "a module made by weft build --target wasi")
  .argument("[args...]", "the program's arguments")
  .option("--dir <dir>", "give the program a directory: HOST[::GUEST] (GUEST defaults to HOST); repeatable", collect, [])
  .option("--env <NAME=value>", "set an environment variable for the program; repeatable", collect, [])
  .passThroughOptions()
  .action(async (file: string, args: string[], opts: { dir: string[]; env: string[] }) => {
    process.exitCode = await runWasiFile(file, args, { dirs: opts.dir, env: opts.env });
  });

await program.parseAsync(process.argv);
