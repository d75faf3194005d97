// testbuild.ts: what a test's build request means, as a request to the build cache
// (tests/buildcache.ts): which entry file a program name stands for, and the test-only
// GC-stress mode. Shared by the test helpers (tests/helpers.ts), which build on demand,
// and the build-ahead processes (tests/buildahead.ts), which build the same requests
// before the tests ask; so it must not import vitest.
//
// GC stress: `{ gcStress: true }` builds the same program with AssemblyScript's
// incremental collector (std/assembly/rt/itcms.ts) stepping at nearly every allocation and
// never idling, starting right after the top-level code: a missing root or write barrier
// in the core then shows up as a wrong result or a trap within a few allocations, instead
// of once in a long run. Output, exit status and dumps must be the same as without it.
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "../build/build.js";
import type { CachedBuildRequest } from "./buildcache.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Options of `buildProgram`: the build's own, plus the test-only GC stress mode. */
export interface TestBuildOptions extends Omit<BuildOptions, "entry"> {
  /** Build with the collector stepping at nearly every allocation (see above). JS target only. */
  gcStress?: boolean;
}

/**
 * itcms's tuning constants for GC stress (asc `--use`). GRANULARITY: bytes allocated
 * between two collector steps (every allocation is larger than 16 bytes with its header,
 * so each one steps). SWEEPFACTOR: a step's budget in % of GRANULARITY: 100 = 16 units,
 * about 16 objects marked or 2 swept, so a cycle spreads over many allocations and fiber
 * switches. IDLEFACTOR 100: after a cycle ends, the next starts at the next allocation.
 */
export const GC_STRESS_USE = ["ASC_GC_GRANULARITY=16", "ASC_GC_SWEEPFACTOR=100", "ASC_GC_IDLEFACTOR=100"];

/**
 * The two build modes the core's semantic tests run in: `describe.each(BUILD_MODES)`. The
 * second is the core's checking mode: GC stress and the debug build (`weft build --debug`:
 * the core checks its invariants as it runs, sched/check.ts) in one build, so that the
 * suite pays one extra build per program for both. A mode's fields other than its name
 * are build options.
 */
export const BUILD_MODES = [
  { mode: "default", gcStress: false, debug: false },
  { mode: "GC stress + debug checks", gcStress: true, debug: true },
] as const;

/** Where tests/programs/<name>.ts is, or `name` as a path (absolute, or from the repo root) if it has a "/". */
export function entryOf(name: string): string {
  if (path.isAbsolute(name)) return name;
  return name.includes("/") ? path.join(root, name) : path.join(root, "tests", "programs", `${name}.ts`);
}

/**
 * The collector's first step waits until half of the initial memory's free part is
 * allocated (itcms's initial `threshold`), which small programs never reach. A full
 * collection sets the threshold from the constants instead: `_start` (top-level code,
 * which the host runs before `main`) is made to end with `__collect()`.
 */
async function collectAfterTopLevel(binary: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  // loaded here: the pipeline has just loaded it anyway (see tests/buildcache.ts)
  const binaryen = (await import("binaryen")).default;
  const module = binaryen.readBinary(binary);
  try {
    // AssemblyScript's default features, as build/build.ts sets them
    module.setFeatures(
      binaryen.Features.MutableGlobals | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt,
    );
    const target = (name: string) => binaryen.getExportInfo(module.getExport(name)).value;
    const start = target("_start");
    const collect = target("__collect");
    module.addFunction(
      "weft-test/gcStressStart",
      binaryen.none,
      binaryen.none,
      [],
      module.block(null, [module.call(start, [], binaryen.none), module.call(collect, [], binaryen.none)]),
    );
    module.removeExport("_start");
    module.addFunctionExport("weft-test/gcStressStart", "_start");
    if (!module.validate()) throw new Error("internal: the GC-stress module does not validate");
    binaryen.setDebugInfo(true); // keep the name section, as the pipeline does
    const out = new Uint8Array(module.emitBinary());
    binaryen.setDebugInfo(false);
    return out;
  } finally {
    module.dispose();
  }
}

/** The cache request `buildProgram(name, options)` makes (GC stress on WASI: see buildProgram). */
export function programRequest(name: string, options: TestBuildOptions = {}): CachedBuildRequest {
  const { gcStress, ...buildOptions } = options;
  if (!gcStress) return { entry: entryOf(name), options: buildOptions };
  return {
    entry: entryOf(name),
    options: { ...buildOptions, use: [...GC_STRESS_USE, ...(buildOptions.use ?? [])] },
    transform: { name: "gc-stress-start", apply: collectAfterTopLevel },
  };
}

/** The cache request `buildWasi(name, options)` makes. */
export function wasiRequest(name: string, options: Omit<BuildOptions, "entry" | "target"> = {}): CachedBuildRequest {
  return { entry: entryOf(name), options: { ...options, target: "wasi" } };
}
