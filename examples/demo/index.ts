// The demo behind `npm start`: builds (if needed) and runs the example programs, then
// prints what they measured.
import { readFile, writeFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import { colorsFor } from "../../build/colors.js";
import { build } from "../../build/build.js";
import { WeftProgram } from "../../host/runtime.js";

/** Colour only on a terminal (build/colors.ts). */
const pc = colorsFor(process.stdout);

// this file runs as dist/examples/demo/index.js
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const examples = path.join(root, "examples");
const outDir = path.join(examples, ".out");

/** The built module for examples/<name>.ts, rebuilt when the source is newer. */
async function module(name: string): Promise<Uint8Array<ArrayBuffer>> {
  const source = path.join(examples, `${name}.ts`);
  const out = path.join(outDir, `${name}.wasm`);
  const fresh = await stat(out).then((o) => stat(source).then((s) => o.mtimeMs >= s.mtimeMs), () => false);
  if (fresh) return new Uint8Array(await readFile(out));
  const { binary } = await build({ entry: source });
  await mkdir(outDir, { recursive: true });
  await writeFile(out, binary);
  return binary;
}

interface Measured {
  ms: number;
  switches: number;
  spawned: number;
  peakAlive: number;
  memory: number;
  lines: string[];
}

async function run(name: string, echo: boolean, onEventLoop = false): Promise<Measured> {
  const lines: string[] = [];
  const program = await WeftProgram.load(await module(name), {
    name,
    stdout: (line) => {
      lines.push(line);
      if (echo) console.log(`  ${line}`);
    },
  });
  const start = process.hrtime.bigint();
  const result = onEventLoop ? await program.runAsync() : program.run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.exitCode !== 0) throw new Error(`${name} exited with status ${result.exitCode}`);
  const { switches, spawned, peakAlive, memoryBytes } = result.stats;
  return { ms, switches, spawned, peakAlive, memory: memoryBytes, lines };
}

console.log(pc.bold("weft: fibers for WebAssembly\n"));

console.log(pc.cyan("1. Round robin: ten fibers print their id and yield, three rounds"));
const rr = await run("roundrobin", true);

console.log(pc.cyan("\n2. Ping-pong: two fibers yield to each other 2,000,000 times each"));
const pp = await run("pingpong", true);

console.log(pc.cyan("\n3. Spawn storm: 1,000,000 fibers spawned in waves of 1000, each runs and exits"));
const ss = await run("spawnstorm", true);

console.log(pc.cyan("\n4. Sleepers: 100,000 fibers sleep until 200-300 ms from now, on the event loop (one host timer)"));
const sl = await run("sleepers", true, true);

const table = new Table({ head: ["program", "fibers", "switches", "time", "per switch / fiber", "peak alive", "memory"], style: pc.isColorSupported ? { head: ["cyan"] } : { head: [], border: [] } });
const mib = (b: number) => `${(b / (1 << 20)).toFixed(1)} MiB`;
table.push(
  ["round robin", rr.spawned, rr.switches, `${rr.ms.toFixed(2)} ms`, "", rr.peakAlive, mib(rr.memory)],
  ["ping-pong", pp.spawned, pp.switches, `${pp.ms.toFixed(1)} ms`, `${((pp.ms * 1e6) / pp.switches).toFixed(1)} ns/switch`, pp.peakAlive, mib(pp.memory)],
  ["spawn storm", ss.spawned, ss.switches, `${ss.ms.toFixed(1)} ms`, `${((ss.ms * 1e6) / (ss.spawned - 1)).toFixed(1)} ns/fiber`, ss.peakAlive, mib(ss.memory)],
  ["sleepers", sl.spawned, sl.switches, `${sl.ms.toFixed(1)} ms`, "", sl.peakAlive, mib(sl.memory)],
);
console.log(`\n${table.toString()}`);
console.log(pc.dim("Timings include the engine's warm-up; `npm run bench` measures carefully (docs/PERFORMANCE.md)."));
