// wasi.ts: runs a WASI program (`weft build --target wasi`) under Node's own WASI
// implementation (`node:wasi`, preview1). `weft wasi app.wasm args...` is this.
//
// The program runs itself: its `_start` holds the scheduler loop, sleeps in poll_oneoff
// and exits through proc_exit (assembly/wasi/runner.ts). This file only gives it what any
// WASI runtime gives a command: arguments, environment, preopened directories, the
// process's stdio. It exists because Node is what this project tests with; wasmtime or any
// other preview1 runtime runs the same file (docs/WASI.md).
//
// What it adds: a clear message for modules that are not WASI commands, and for a trap,
// which wasm cannot catch (docs/WASI.md, "Failures"): `weft: fatal: wasm trap: ...`, status 3.

import { stat } from "node:fs/promises";
import path from "node:path";
import { EXIT_LOAD_ERROR, LoadError, readModule } from "./run.js";

/** What the program may see. */
export interface WasiRunOptions {
  /** Directories to preopen: `HOST` or `HOST::GUEST` (the guest path defaults to HOST). */
  dirs?: string[];
  /** Environment variables, `NAME=value`. */
  env?: string[];
  /** Name of the program in its argv[0] (default: the file's base name). */
  argv0?: string;
}

/** Exit status for a trap: the program cannot go on, as a fault outside any fiber. */
export const EXIT_TRAP = 3;

/**
 * Runs the WASI command in `file` with `args`; returns its exit status, EXIT_LOAD_ERROR
 * if it cannot be loaded, or EXIT_TRAP after a trap.
 */
export async function runWasiFile(file: string, args: string[], options: WasiRunOptions = {}): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`weft: ${message}\n`);
    return EXIT_LOAD_ERROR;
  };
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await readModule(file);
  } catch (e) {
    if (e instanceof LoadError) return fail(e.message);
    throw e;
  }
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    return fail(`${file} is not a valid WebAssembly module: ${(e as Error).message}`);
  }
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const foreign = WebAssembly.Module.imports(module).filter((i) => i.module !== "wasi_snapshot_preview1");
  if (exported.has("__weft_run")) {
    return fail(`${file} was built for the JavaScript host: run it with \`weft run\`, or build it with \`weft build --target wasi\``);
  }
  if (!exported.has("_start") || !exported.has("memory")) {
    return fail(`${file} is not a WASI command: it lacks ${exported.has("_start") ? "a memory export" : "a _start export"}`);
  }
  if (foreign.length) {
    return fail(`${file} needs imports a WASI runtime does not provide: ${foreign.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  }
  const preopens: Record<string, string> = {};
  for (const spec of options.dirs ?? []) {
    const [host, guest] = spec.includes("::") ? spec.split("::", 2) : [spec, spec];
    // checked here: the runtime's own error for a missing directory is a bare errno
    const kind = await stat(host).then(
      (s) => (s.isDirectory() ? null : "is not a directory"),
      (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "does not exist" : `cannot be opened (${e.code ?? e.message})`),
    );
    if (kind) return fail(`--dir ${spec}: ${host} ${kind}`);
    preopens[guest] = path.resolve(host);
  }
  const env: Record<string, string> = {};
  for (const pair of options.env ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return fail(`--env expects NAME=value, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let wasi: InstanceType<typeof import("node:wasi").WASI>;
  try {
    wasi = await withoutWasiWarning(async () => {
      const { WASI } = await import("node:wasi");
      return new WASI({
        version: "preview1",
        args: [options.argv0 ?? path.basename(file), ...args],
        env,
        preopens,
        returnOnExit: true,
      });
    });
  } catch (e) {
    return fail(`cannot set up WASI for ${file}: ${(e as Error).message}`);
  }
  // `wasiImport`, not `getImportObject()`: Bun's node:wasi has only the former
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport } as WebAssembly.Imports);
  try {
    return wasi.start(instance);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      const where = /at (\S+) \(wasm:\/\/wasm\/[^)]*\)/.exec(e.stack ?? "")?.[1];
      process.stderr.write(
        `weft: fatal: wasm trap: ${e.message}${where ? ` in ${where}` : ""} (a trap cannot be caught under WASI: the program ends)\n`,
      );
      return EXIT_TRAP;
    }
    throw e;
  }
}

/**
 * Runs `f` (which loads node:wasi and makes a WASI) without the "WASI is an experimental
 * feature" warning on stderr: Node 20 emits it when the module is loaded, Deno when the
 * first WASI is made. Other warnings pass.
 */
async function withoutWasiWarning<T>(f: () => Promise<T>): Promise<T> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/WASI/.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await f();
  } finally {
    process.emitWarning = emit;
  }
}
