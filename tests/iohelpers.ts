// Helpers for the I/O tests: build a program, run it on the event loop with Node's I/O,
// and watch its output as it comes.
import { buildProgram } from "./helpers.js";
import { loadBytes, closeIo, type NodeIoOptions } from "../host/node/run.js";
import type { RunResult, WeftProgram } from "../host/runtime.js";

export interface Started {
  program: WeftProgram;
  stdout: string[];
  stderr: string[];
  /** Resolves when `main` ends; the program's I/O is closed then. */
  done: Promise<RunResult>;
  /** Resolves with the first stdout line matching `pattern` (now or later). */
  line(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Closes what the program left open (servers): an accept loop then ends. */
  stop(): void;
}

/** Builds tests/programs/<name>.ts (or a path from the repo root) once per name. */
const built = new Map<string, Promise<Uint8Array>>();
export function binaryOf(name: string): Promise<Uint8Array> {
  if (!built.has(name)) built.set(name, buildProgram(name).then((r) => r.binary));
  return built.get(name)!;
}

/** Starts program `name` with `io` options (arguments, streams). */
export async function start(name: string, io: NodeIoOptions = {}): Promise<Started> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const program = await loadBytes((await binaryOf(name)) as Uint8Array<ArrayBuffer>, {
    io,
    stdout: (l) => {
      stdout.push(l);
      for (let i = watchers.length - 1; i >= 0; i--) {
        const m = l.match(watchers[i].pattern);
        if (m) {
          watchers[i].resolve(m);
          watchers.splice(i, 1);
        }
      }
    },
    stderr: (l) => stderr.push(l),
  });
  const done = program.runAsync().finally(() => closeIo(program));
  return {
    program,
    stdout,
    stderr,
    done,
    line(pattern) {
      for (const l of stdout) {
        const m = l.match(pattern);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve) => watchers.push({ pattern, resolve }));
    },
    stop: () => closeIo(program),
  };
}
