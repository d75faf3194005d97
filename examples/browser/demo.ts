// demo.ts: what the page and the worker share about the workload program (workload.ts):
// its settings, the host imports it needs, and the results its rounds must produce.

import type { WeftProgram } from "weft";

export const TOPOLOGIES = ["sieve", "ring", "fan"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** What the visitor chose. */
export interface Settings {
  topology: Topology;
  fibers: number;
}

/** One finished round, as the program reported it. */
export interface Round {
  round: number;
  fibers: number;
  result: number;
  /** The result equals the page's own computation. */
  ok: boolean;
}

/** The controls the imports need: the settings, a stop flag and where rounds go. */
export interface DemoControl {
  settings: Settings;
  stopping: boolean;
  onRound(round: Round): void;
}

/** The `demo` host imports of workload.ts. */
export function demoImports(control: DemoControl): Record<string, Record<string, unknown>> {
  return {
    demo: {
      topology: () => TOPOLOGIES.indexOf(control.settings.topology),
      fibers: () => control.settings.fibers,
      stopping: () => control.stopping,
      roundEnded: (round: number, fibers: number, result: number) =>
        control.onRound({ round, fibers, result, ok: result === expected(control.settings) }),
    },
  };
}

/** The state bytes of the current round's fibers (one FiberState each), copied out of memory. */
export function snapshot(program: WeftProgram): Uint8Array {
  const x = program.exports as unknown as { snapshot(): number; snapshotLength(): number; memory: WebAssembly.Memory };
  const at = x.snapshot();
  return new Uint8Array(x.memory.buffer, at, x.snapshotLength()).slice();
}

/** The result a round must report, computed here independently of the fibers. */
export function expected({ topology, fibers }: Settings): number {
  switch (topology) {
    case "sieve":
      return sumOfPrimes(fibers);
    case "ring":
      // a token of 20·N + N/2 hops, starting at member 1, ends at member N/2 + 1
      return (fibers >> 1) + 1;
    case "fan":
      return sumOfCollatz(fibers);
  }
}

const cache = new Map<string, number>();

function sumOfPrimes(count: number): number {
  const key = `p${count}`;
  if (cache.has(key)) return cache.get(key)!;
  const primes: number[] = [];
  let sum = 0;
  for (let n = 2; primes.length < count; n++) {
    let prime = true;
    for (const p of primes) {
      if (p * p > n) break;
      if (n % p === 0) {
        prime = false;
        break;
      }
    }
    if (prime) {
      primes.push(n);
      sum += n;
    }
  }
  cache.set(key, sum);
  return sum;
}

function sumOfCollatz(count: number): number {
  let sum = 0;
  for (let job = 1; job <= count; job++) {
    let x = job;
    while (x !== 1) {
      x = x % 2 ? 3 * x + 1 : x / 2;
      sum++;
    }
  }
  return sum;
}

/** Reads settings from the page's query string (?topology=ring&fibers=10000). */
export function settingsFrom(search: string, fallback: Settings): Settings {
  const params = new URLSearchParams(search);
  const topology = params.get("topology");
  const fibers = Number(params.get("fibers"));
  return {
    topology: (TOPOLOGIES as readonly string[]).includes(topology ?? "") ? (topology as Topology) : fallback.topology,
    fibers: Number.isInteger(fibers) && fibers >= 2 ? fibers : fallback.fibers,
  };
}
