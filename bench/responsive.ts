// responsive.ts: the `latency` and `overhead` benchmark groups (bench/run.ts runs them).
//
//   latency   sleep_late_ms_p99_busy  p99 lateness of 10 ms sleeps while 4 fibers compute and
//                                     yield every ~50 µs (time slices)
//             sleep_late_ms_p99_spin  the same while one fiber never yields (preemption)
//   overhead  compute_slowdown        a never-suspending kernel with closures and virtual
//                                     calls (bench/programs/kernel.ts): default `weft build`
//                                     time / plain `asc -O3` time, same runtime (incremental)
//             preempt_slowdown        the same kernel, preemption on / off
//             module_size_ratio       examples/http/main.ts: default build size / the same build
//                                     without the asyncify pass
//
// Latency runs on the event loop (`runAsync`), as a program serving I/O does, with real
// host timers. Kernel times are the best of KERNEL_RUNS calls of the exported `kernel`,
// the three builds interleaved so that a noisy neighbour hurts all of them alike, each
// timed in CPU time of this process (`process.cpuUsage`): on a shared machine the wall
// clock also counts the time the kernel waited for a core, which swamps a 2% difference.

import path from "node:path";
import asc from "assemblyscript/asc";
import { build } from "../build/build.js";
import { WeftProgram } from "../host/runtime.js";

const LATENCY_SLEEPS = 200;
const KERNEL_ROUNDS = 300;
const KERNEL_RUNS = 15;

type Progress = (line: string) => void;
type Check = (ok: boolean, what: string) => void;

/** The 99th percentile of `values` (nearest rank). */
function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

/** p99 lateness (ms) of the latency program's sleeps, spinning or busy. */
async function sleepLateness(root: string, spin: boolean, progress: Progress, check: Check): Promise<number> {
  const use = [`LATENCY_SLEEPS=${LATENCY_SLEEPS}`, ...(spin ? ["LATENCY_SPIN=1"] : [])];
  const { binary } = await build({ entry: path.join(root, "bench", "programs", "latency.ts"), use });
  const stdout: string[] = [];
  const program = await WeftProgram.load(new Uint8Array(binary), { stdout: (l) => stdout.push(l), stderr: () => {} });
  const result = await program.runAsync();
  check(result.exitCode === 0 && result.failures.length === 0, `latency (${spin ? "spin" : "busy"}): exit ${result.exitCode}`);
  const m = /^late_us ([-\d ]+) spins (yes|no)$/.exec(stdout[0] ?? "");
  check(m !== null && stdout.length === 1, `latency: unexpected output ${JSON.stringify(stdout.slice(0, 2))}`);
  check(m![2] === "yes", "latency: the computing fibers never ran");
  const late = m![1].trim().split(" ").map((v) => Number(v) / 1000);
  check(late.length === LATENCY_SLEEPS, `latency: ${late.length} sleeps measured, expected ${LATENCY_SLEEPS}`);
  check(late.every((v) => v >= 0), "latency: a sleep woke early");
  const value = p99(late);
  progress(`latency (${spin ? "one fiber never yields" : "4 fibers yield every ~50 µs"}): p99 ${value.toFixed(2)} ms, max ${Math.max(...late).toFixed(2)} ms`);
  return value;
}

export async function benchLatency(root: string, progress: Progress, check: Check): Promise<{ busy: number; spin: number }> {
  progress(`latency: ${LATENCY_SLEEPS} sleeps of 10 ms beside computing fibers`);
  return { busy: await sleepLateness(root, false, progress, check), spin: await sleepLateness(root, true, progress, check) };
}

/** The kernel built by plain asc -O3 with the incremental runtime, as AssemblyScript users build it. */
async function plainAsc(file: string): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  const stderr: string[] = [];
  const { error } = await asc.main([file, "--outFile", "kernel.wasm", "-O3", "--runtime", "incremental"], {
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith(".wasm")) binary = contents as Uint8Array;
    },
    stdout: { write: () => true } as never,
    stderr: { write: (t: string | Uint8Array) => (stderr.push(String(t)), true) } as never,
  });
  if (error || !binary) throw new Error(`asc failed on ${file}: ${stderr.join("") || error?.message}`);
  return binary;
}

type Kernel = (rounds: number) => number;

async function weftKernel(binary: Uint8Array): Promise<Kernel> {
  const program = await WeftProgram.load(new Uint8Array(binary), { stdout: () => {}, stderr: () => {} });
  program.run(); // top-level code; main is empty
  return (program.exports as unknown as { kernel: Kernel }).kernel;
}

export async function benchOverhead(
  root: string,
  progress: Progress,
  check: Check,
): Promise<{ computeSlowdown: number; preemptSlowdown: number; moduleSizeRatio: number }> {
  const file = path.join(root, "bench", "programs", "kernel.ts");
  progress(`overhead: the compute kernel, ${KERNEL_ROUNDS} rounds, built three ways`);
  const plain = await plainAsc(file);
  const { instance } = await WebAssembly.instantiate(new Uint8Array(plain), {
    env: {
      abort: () => {
        throw new Error("abort");
      },
      seed: () => 1,
    },
  });
  const kernels: Record<"plain" | "weft" | "noPreempt", Kernel> = {
    plain: (instance.exports as unknown as { kernel: Kernel }).kernel,
    weft: await weftKernel((await build({ entry: file })).binary),
    noPreempt: await weftKernel((await build({ entry: file, preempt: false })).binary),
  };
  const best = { plain: Infinity, weft: Infinity, noPreempt: Infinity };
  const expected = kernels.plain(KERNEL_ROUNDS);
  for (let i = 0; i < KERNEL_RUNS; i++) {
    for (const key of Object.keys(kernels) as (keyof typeof kernels)[]) {
      const t0 = process.cpuUsage();
      const sum = kernels[key](KERNEL_ROUNDS);
      const used = process.cpuUsage(t0);
      const ms = (used.user + used.system) / 1e3;
      check(sum === expected, `overhead: the ${key} kernel computed ${sum}, plain asc ${expected}`);
      best[key] = Math.min(best[key], ms);
    }
  }
  progress(`overhead: kernel best of ${KERNEL_RUNS}: plain asc ${best.plain.toFixed(1)} ms, weft ${best.weft.toFixed(1)} ms, weft --no-preempt ${best.noPreempt.toFixed(1)} ms`);
  const example = path.join(root, "examples", "http", "main.ts");
  const full = await build({ entry: example });
  const bare = await build({ entry: example, asyncify: false });
  progress(`overhead: examples/http ${full.size} bytes, without the asyncify pass ${bare.size} bytes`);
  return { computeSlowdown: best.weft / best.plain, preemptSlowdown: best.weft / best.noPreempt, moduleSizeRatio: full.size / bare.size };
}
