// run.ts: the Node wing of the host. Loads a built program from a file and runs it with
// the process's stdout and stderr, and with weft/io's imports (./io/): files, TCP, the
// standard streams and the program's arguments. Everything environment-neutral is in
// host/runtime.ts.

import { readFile } from "node:fs/promises";
import { WeftProgram, LoadError, type RunResult, type RuntimeOptions, type Stats, type FiberFailure } from "../runtime.js";
import { NodeIo, type NodeIoOptions } from "./io/index.js";
import { writeTraceFile } from "./trace.js";

export { WeftProgram, LoadError, NodeIo, type RunResult, type RuntimeOptions, type Stats, type FiberFailure, type NodeIoOptions };

/** Options of `loadFile` and `runFile`: the runtime's, plus the program's I/O. */
export interface NodeRunOptions extends RuntimeOptions {
  /** The program's arguments, its standard streams, ... (weft/io). */
  io?: NodeIoOptions;
  /**
   * `runFile` writes the trace to this file when the program ends (Chrome Trace Event
   * JSON, docs/TRACING.md). Tracing starts with the program unless `trace` is false:
   * then only what the program traces itself (`traceStart`) is written.
   */
  traceFile?: string;
}

/** Each loaded program's I/O, for `closeIo`. */
const programIo = new WeakMap<WeftProgram, NodeIo>();

/** Loads `bytes` as a weft program with Node's I/O; LoadError names what is wrong. */
export async function loadBytes(bytes: Uint8Array<ArrayBuffer>, options: NodeRunOptions = {}): Promise<WeftProgram> {
  const io = new NodeIo(options.io);
  const { io: _, ...runtimeOptions } = options;
  const program = await WeftProgram.load(bytes, {
    stdout: (line) => process.stdout.write(line + "\n"),
    stderr: (line) => process.stderr.write(line + "\n"),
    ...runtimeOptions,
    imports: { ...io.imports, ...options.imports },
  });
  io.attach(program);
  programIo.set(program, io);
  return program;
}

/** Reads `file` and loads it as a weft program (see `loadBytes`); LoadError names what is wrong. */
export async function loadFile(file: string, options: NodeRunOptions = {}): Promise<WeftProgram> {
  const bytes = await readModule(file);
  if (/\.[cm]?ts$/.test(file) && !isWasm(bytes)) {
    throw new LoadError(`${file} is a program source: build it first (\`weft build ${file} -o app.wasm\`), then run the module`);
  }
  return loadBytes(bytes, { name: file, ...options });
}

/** The bytes of the module in `file`; LoadError says why they cannot be read. */
export async function readModule(file: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new LoadError(`no such file: ${file}`);
    if (code === "EISDIR") throw new LoadError(`${file} is a directory, not a module`);
    throw new LoadError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** True when `bytes` start as a WebAssembly binary does. */
export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

/**
 * Closes the servers, connections and files `program` left open and stops reading stdin,
 * so that the process can exit (`runFile` does it when `main` ends, as Go's exit does).
 */
export function closeIo(program: WeftProgram): void {
  programIo.get(program)?.closeAll();
}

/** Exit status when the module cannot be loaded (the program's own statuses are 0-3). */
export const EXIT_LOAD_ERROR = 4;

/**
 * Loads and runs `file`; returns the program's exit status (RunResult.exitCode), or
 * EXIT_LOAD_ERROR if it cannot be loaded. Failures are reported on stderr as they happen.
 * When `main` ends, whatever I/O the program left open is closed.
 */
export async function runFile(file: string, options: NodeRunOptions = {}): Promise<number> {
  let program: WeftProgram;
  const { traceFile, ...loadOptions } = options;
  if (traceFile !== undefined && loadOptions.trace === undefined) loadOptions.trace = true;
  try {
    program = await loadFile(file, loadOptions);
  } catch (e) {
    if (e instanceof LoadError) {
      process.stderr.write(`weft: ${e.message}\n`);
      return EXIT_LOAD_ERROR;
    }
    throw e;
  }
  // As Go does on SIGQUIT: dump every fiber to stderr and exit with status 2. The
  // scheduler runs in slices so that the signal is seen while fibers run.
  const onQuit = () => {
    const stats = program.stats();
    process.stderr.write(`SIGQUIT: ${stats.alive} fibers alive, ${stats.blocked} blocked, ${stats.switches} switches, ${stats.spawned} spawned, peak ${stats.peakAlive}\n`);
    for (const line of program.dump(Number.MAX_SAFE_INTEGER)) {
      // ages are counted in switches; the host's clock samples give them in time too
      const timed = line.replace(/for (\d+) switch(?:es)?$/, (age, n) => `${age} (~${Math.round(program.msAgo(Number(n)))} ms)`);
      process.stderr.write(`  ${timed}\n`);
    }
    process.exit(2);
  };
  process.on("SIGQUIT", onQuit);
  try {
    return (await program.runAsync()).exitCode;
  } finally {
    process.off("SIGQUIT", onQuit);
    closeIo(program);
    if (traceFile !== undefined) {
      const events = await writeTraceFile(program, traceFile);
      process.stderr.write(events ? `weft: trace written to ${traceFile} (${events} events)\n` : `weft: nothing was traced; ${traceFile} not written\n`);
    }
  }
}
