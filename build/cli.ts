// cli.ts: the `weft` command. `weft build` compiles a fiber program; `weft run` runs one.

import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import pc from "picocolors";
import { Command, Option, InvalidArgumentError } from "commander";
import { DEFAULT_SCRATCH_SIZE, DEFAULT_STACK_SIZE } from "./defaults.js";
import { runFile } from "../host/node/run.js";
import { runWasiFile } from "../host/node/wasi.js";

function bytes(value: string): number {
  const match = /^(\d+)([kKmM]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected a size in bytes (like 65536 or 64k), got "${value}"`);
  const scale = { "": 1, k: 1024, K: 1024, m: 1 << 20, M: 1 << 20 }[match[2]]!;
  return Number(match[1]) * scale;
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
        debug: opts.debug,
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
  .passThroughOptions()
  .action(async (file: string, args: string[]) => {
    process.exitCode = await runFile(file, { io: { args } });
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
