// run.ts: the Node wing of the host. Loads a built program from a file and runs it with
// the process's stdout and stderr. Everything environment-neutral is in host/runtime.ts.

import { readFile } from "node:fs/promises";
import { WeftProgram, LoadError, type RunResult, type RuntimeOptions } from "../runtime.js";

export { WeftProgram, LoadError, type RunResult, type RuntimeOptions };

/** Reads `file` and loads it as a weft program; LoadError names what is wrong. */
export async function loadFile(file: string, options: RuntimeOptions = {}): Promise<WeftProgram> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LoadError(code === "ENOENT" ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  return WeftProgram.load(bytes, {
    name: file,
    stdout: (line) => process.stdout.write(line + "\n"),
    stderr: (line) => process.stderr.write(line + "\n"),
    ...options,
  });
}

/** Loads and runs `file`; returns the program's exit status (or 1 if it cannot load). */
export async function runFile(file: string, options: RuntimeOptions = {}): Promise<number> {
  let program: WeftProgram;
  try {
    program = await loadFile(file, options);
  } catch (e) {
    if (e instanceof LoadError) {
      process.stderr.write(`weft: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const result = program.run();
  if (result.mainFailure) process.stderr.write(`weft: ${result.mainFailure}\n`);
  return result.exitCode;
}
