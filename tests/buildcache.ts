// buildcache.ts: the test suite's build cache. Every test program is built by the real
// pipeline (build/build.ts) once per content, not once per test: a build's result is
// stored on disk under a key that hashes everything the build reads, and any later
// request with the same key, in this worker or another, reads it back.
//
// Model: key = sha256 of
//   - the whole assembly/ tree (every file, with its path: the core any program imports),
//   - the build pipeline's own code as the tests run it (build/*.ts, and any file elsewhere
//     that build/build.ts reaches through relative imports),
//   - the versions of the compiler packages (assemblyscript, binaryen, the WASI shim),
//   - the entry file and every file it reaches through relative imports,
//   - the build options, normalized (`canonicalOptions`: an option given its default value
//     is the same build as the option left out, so `{ use: [] }`, `{ preempt: true }` and
//     `{}` share one entry), and the working directory (error messages name paths from it).
// Nothing else can change what `build` produces; a change to any of these is a new key.
// A failed build (BuildError) is cached too: the same input fails the same way.
//
// Invariants:
//   - An entry is one file, written to a temporary name and renamed into place, so a
//     reader sees a whole entry or none (rename is atomic on one file system).
//   - Vitest runs test files in parallel worker processes, and the build-ahead processes
//     (tests/buildahead.ts) build beside them. A process that builds a key first creates
//     `<key>.lock` (exclusive create); a test wanting the same key waits for the entry
//     instead of building it twice, and a build-ahead process skips it (`buildAhead`). A
//     lock whose owner died, or that is older than LOCK_STALE_MS, is taken over. Two
//     builds of one key can still happen then; both results are correct, and the last
//     rename wins.
//   - Within one process, one promise per key: concurrent requests share one build/read.
//   - Each caller gets its own copy of the result (tests may keep or change the bytes).
//
// The cache lives in node_modules/.cache/weft-tests/ (git ignores node_modules). It never
// needs clearing for correctness; `WEFT_TEST_CACHE=0` bypasses it (every call builds).
// A hit touches its entry; entries untouched for PRUNE_AFTER_MS are deleted (once per
// process), so that old sources' builds do not pile up. With `WEFT_TEST_REQUESTS` set (by
// tests/buildahead.ts), every request appends its key and what it builds to that file.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
// types only: the pipeline (and Binaryen, most of a second to load) is loaded by the first
// build, so that a test file whose programs are all cached never loads it
import type { BuildOptions, BuildResult } from "../build/build.js";
import { DEFAULT_SCRATCH_SIZE, DEFAULT_STACK_SIZE } from "../build/defaults.js";

/** The repository (this file is tests/buildcache.ts). */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pipelineModule = () => import("../build/build.js");

/** Bump when the entry format changes. */
const FORMAT = 1;
/** A lock older than this is abandoned (a build takes seconds; a loaded machine, a minute). */
const LOCK_STALE_MS = 5 * 60_000;
const POLL_MS = 100;
const PRUNE_AFTER_MS = 14 * 24 * 3600_000;

export const cacheDir = path.join(packageRoot, "node_modules", ".cache", "weft-tests");

/** Post-processing of a fresh build's result (e.g. the GC-stress start); part of the key by name. */
export interface CachedBuildRequest {
  entry: string;
  options: Omit<BuildOptions, "entry">;
  /** Name of the transformation (hashed), and the transformation itself. */
  transform?: { name: string; apply(binary: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> };
}

interface Entry {
  format: number;
  ok: boolean;
  /** BuildResult without the bytes, which are in `wasm` (base64). */
  result?: Omit<BuildResult, "binary">;
  wasm?: string;
  /** What the build logged (replayed to the caller's `log`). */
  log: string[];
  /** The BuildError's message, when the build failed. */
  error?: string;
}

const inProcess = new Map<string, Promise<Entry>>();

/** `build(request)`, through the cache. Throws what the build threw (BuildError for bad input). */
export async function cachedBuild(request: CachedBuildRequest): Promise<BuildResult> {
  const { log, ...options } = request.options;
  const entryFile = path.resolve(request.entry);
  // a missing entry is the build's own error; nothing to hash
  if (!existsSync(entryFile)) return (await pipelineModule()).build({ entry: entryFile, ...request.options });
  const key = keyOf(entryFile, options, request.transform?.name ?? null);
  if (process.env.WEFT_TEST_REQUESTS) await appendFile(process.env.WEFT_TEST_REQUESTS, `${JSON.stringify({ key, build: describeRequest(request) })}\n`);
  let pending = inProcess.get(key);
  if (!pending) {
    pending = process.env.WEFT_TEST_CACHE === "0" ? produce(entryFile, request) : fromDisk(key, entryFile, request);
    inProcess.set(key, pending);
    // a crash (not a BuildError) is not kept: a later call tries again
    pending.catch(() => inProcess.delete(key));
  }
  const entry = await pending;
  for (const line of entry.log) log?.(line);
  if (!entry.ok) throw new (await pipelineModule()).BuildError(entry.error!);
  const binary = new Uint8Array(Buffer.from(entry.wasm!, "base64"));
  return { ...structuredClone(entry.result!), binary };
}

/** Builds (and transforms) for real, capturing the log; a BuildError becomes a failed entry. */
async function produce(entryFile: string, request: CachedBuildRequest): Promise<Entry> {
  const lines: string[] = [];
  const { build, BuildError } = await pipelineModule();
  try {
    const { binary, ...result } = await build({ ...request.options, entry: entryFile, log: (l) => lines.push(l) });
    const bytes = request.transform ? await request.transform.apply(binary) : binary;
    return { format: FORMAT, ok: true, result: { ...result, size: bytes.length }, wasm: Buffer.from(bytes).toString("base64"), log: lines };
  } catch (error) {
    if (error instanceof BuildError) return { format: FORMAT, ok: false, error: error.message, log: lines };
    throw error;
  }
}

/**
 * Builds `request` into the cache unless it is there already or another process is
 * building it (its lock exists): for the build-ahead processes, which must never wait
 * for a test or for each other. Returns what it did.
 */
export async function buildAhead(request: CachedBuildRequest): Promise<"cached" | "busy" | "built"> {
  const entryFile = path.resolve(request.entry);
  const { log: _, ...options } = request.options;
  const key = keyOf(entryFile, options, request.transform?.name ?? null);
  await mkdir(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `${key}.json`);
  if (existsSync(file)) return "cached";
  const lock = await takeLock(key);
  if (!lock) return "busy";
  try {
    if (existsSync(file)) return "cached";
    await store(file, await produce(entryFile, request));
    return "built";
  } finally {
    await rm(lock, { force: true });
  }
}

/** The key `request` is cached under. */
export function keyOfRequest(request: CachedBuildRequest): string {
  const { log: _, ...options } = request.options;
  return keyOf(path.resolve(request.entry), options, request.transform?.name ?? null);
}

/** One line that says what `request` builds (entry, options, transformation). */
export function describeRequest(request: CachedBuildRequest): string {
  const { log: _, ...options } = request.options;
  const canonical = canonicalOptions(options);
  const shown = Object.keys(canonical).length ? ` ${JSON.stringify(canonical)}` : "";
  return `${path.relative(packageRoot, path.resolve(request.entry))}${shown}${request.transform ? ` (${request.transform.name})` : ""}`;
}

/** Creates `<key>.lock` with this process's id; null if another process holds it. */
async function takeLock(key: string): Promise<string | null> {
  const lock = path.join(cacheDir, `${key}.lock`);
  const handle = await open(lock, "wx").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "EEXIST") return null;
    throw e;
  });
  if (!handle) return null;
  await handle.writeFile(String(process.pid));
  await handle.close();
  return lock;
}

/** Writes an entry whole or not at all (see the invariants above). */
async function store(file: string, entry: Entry): Promise<void> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, JSON.stringify(entry));
  await rename(temp, file);
}

let pruned = false;

/** Deletes entries no run has used for PRUNE_AFTER_MS (a concurrent reader then just rebuilds). */
async function prune(): Promise<void> {
  if (pruned) return;
  pruned = true;
  const now = Date.now();
  for (const name of await readdir(cacheDir)) {
    const file = path.join(cacheDir, name);
    const info = await stat(file).catch(() => null);
    if (info && now - info.mtimeMs > PRUNE_AFTER_MS) await rm(file, { force: true });
  }
}

async function fromDisk(key: string, entryFile: string, request: CachedBuildRequest): Promise<Entry> {
  await mkdir(cacheDir, { recursive: true });
  await prune();
  const file = path.join(cacheDir, `${key}.json`);
  const lock = path.join(cacheDir, `${key}.lock`);
  for (;;) {
    const found = await readEntry(file);
    if (found) return found;
    if (await takeLock(key)) {
      try {
        // another process may have finished between our read and our lock
        const raced = await readEntry(file);
        if (raced) return raced;
        const entry = await produce(entryFile, request);
        await store(file, entry);
        return entry;
      } finally {
        await rm(lock, { force: true });
      }
    }
    // someone else builds it: wait for the entry, or take over an abandoned lock
    if (await abandoned(lock)) await rm(lock, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function readEntry(file: string): Promise<Entry | null> {
  try {
    const entry = JSON.parse(await readFile(file, "utf8")) as Entry;
    if (entry.format !== FORMAT) return null;
    const now = new Date();
    await utimes(file, now, now).catch(() => {}); // used: not pruned
    return entry;
  } catch {
    return null; // absent (or, impossibly with rename, partial): build it
  }
}

/** The lock's owner is gone, or it has held it implausibly long. */
async function abandoned(lock: string): Promise<boolean> {
  try {
    const [info, owner] = await Promise.all([stat(lock), readFile(lock, "utf8")]);
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(owner);
    if (!pid) return Date.now() - info.mtimeMs > 5_000; // created, pid not written yet
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "ESRCH";
    }
  } catch {
    return false; // released meanwhile: look for the entry again
  }
}

let pipelineDigest: string | null = null;

/** Hash of what every build reads besides its entry: assembly/, build/, compiler versions. */
function pipeline(): string {
  if (pipelineDigest) return pipelineDigest;
  const hash = createHash("sha256");
  const tree = (dir: string, filter: (name: string) => boolean) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) tree(full, filter);
      else if (filter(name)) hash.update(`${path.relative(packageRoot, full)}\0`).update(readFileSync(full)).update("\0");
    }
  };
  tree(path.join(packageRoot, "assembly"), () => true);
  tree(path.join(packageRoot, "build"), (name) => name.endsWith(".ts"));
  // and whatever the pipeline imports from elsewhere in the repository (shared constants)
  for (const file of closure(path.join(packageRoot, "build", "build.ts"))) {
    if (!file.startsWith(path.join(packageRoot, "build") + path.sep)) hash.update(`${path.relative(packageRoot, file)}\0`).update(readFileSync(file)).update("\0");
  }
  for (const pkg of ["assemblyscript", "binaryen", "@assemblyscript/wasi-shim"]) {
    const manifest = JSON.parse(readFileSync(path.join(packageRoot, "node_modules", pkg, "package.json"), "utf8")) as { version: string };
    hash.update(`${pkg}@${manifest.version}\0`);
  }
  pipelineDigest = hash.digest("hex");
  return pipelineDigest;
}

/** The entry and every file it reaches through relative imports (`./x`, `../y`), sorted. */
function closure(entryFile: string): string[] {
  const seen = new Set<string>();
  const todo = [entryFile];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, spec] of source.matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      const base = path.resolve(path.dirname(file), spec);
      // AssemblyScript imports name no extension; TypeScript's name the .js it compiles to
      const found = [base, `${base}.ts`, base.replace(/\.js$/, ".ts"), path.join(base, "index.ts")].find((f) => f.endsWith(".ts") && existsSync(f));
      if (found) todo.push(found);
    }
  }
  return [...seen].sort();
}

/**
 * Build options without those that say what leaving them out says (build/build.ts's
 * defaults), sorted by name: two option sets that give the same module give the same
 * object. An option with a value the build rejects is kept as it is.
 */
export function canonicalOptions(options: Omit<BuildOptions, "entry" | "log">): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    stackSize: DEFAULT_STACK_SIZE,
    scratchSize: DEFAULT_SCRATCH_SIZE,
    optimize: true,
    ignoreIndirect: false,
    preempt: true,
    asyncify: true,
    shrink: false,
    rtrace: false,
    target: "js",
  };
  // the WASI target's default exception handling; on the JS target the option is an error
  if (options.target === "wasi") defaults.exceptions = "legacy";
  const kept = Object.entries(options).filter(
    ([name, value]) => value !== undefined && value !== defaults[name] && !(name === "use" && Array.isArray(value) && value.length === 0),
  );
  return Object.fromEntries(kept.sort(([a], [b]) => (a < b ? -1 : 1)));
}

function keyOf(entryFile: string, options: Omit<BuildOptions, "entry" | "log">, transform: string | null): string {
  const hash = createHash("sha256");
  const canonical = canonicalOptions(options);
  hash.update(JSON.stringify({ format: FORMAT, pipeline: pipeline(), cwd: process.cwd(), entry: path.relative(packageRoot, entryFile), options: canonical, transform }));
  for (const file of closure(entryFile)) hash.update(`\0${path.relative(packageRoot, file)}\0`).update(readFileSync(file));
  return hash.digest("hex").slice(0, 32);
}
