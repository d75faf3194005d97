// buildahead.ts: vitest's global setup, which builds the suite's programs ahead of the
// tests, in parallel, so that a cold run (a fresh clone, an empty build cache) keeps every
// core building from its first second instead of building one program at a time in each
// test worker whenever a test happens to ask.
//
// Model: the setup starts one build-ahead process per core (at most MAX_PROCESSES), each
// a plain `node` running this file's `main` with the TypeScript sources as they are
// (tests/tsloader.mjs), and returns at once: the tests start beside them. Every process
// goes through the same list, the builds of the test files of this run (tests/builds.ts),
// and for each request calls `buildAhead` (tests/buildcache.ts): build it into the cache
// unless it is there or another process holds its lock. So no program is built twice: a
// test that asks for a program being built ahead waits for it, a test that asks first
// builds it itself and the build-ahead processes skip it. When the tests end, the setup's
// teardown stops what is still building (only programs no test asked for) and, after a
// run of the whole suite, reports builds the tests asked for that tests/builds.ts lacks
// and listed builds no test asked for.
//
// Invariants: a build-ahead process builds exactly what a test would (the same request,
// the same sources, the same working directory, hence the same cache key); it never
// waits for anything but its own build; its failure only costs time (the tests build);
// it ends when vitest does, however vitest ends (a lock it leaves names a dead process,
// which the next build of that key takes over).
// `WEFT_TEST_CACHE=0` or `WEFT_BUILD_AHEAD=0` turns building ahead off.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TestProject } from "vitest/node";

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), "..");
/** More processes than this gain little and cost memory (each holds a compiler). */
const MAX_PROCESSES = 4;

interface Planned {
  key: string;
  build: string;
}

let children: ChildProcess[] = [];
let work = "";
let fullRun = false;

/** vitest's global setup: starts the build-ahead processes for this run's test files. */
export default function setup(project: TestProject): () => Promise<void> {
  if (process.env.WEFT_TEST_CACHE === "0" || process.env.WEFT_BUILD_AHEAD === "0") return async () => {};
  // the file filters of `vitest run a b`; undefined when the whole suite runs
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  fullRun = !filters?.length;
  const files = selectFiles(filters);
  if (!files.length) return async () => {};
  work = mkdtempSync(path.join(tmpdir(), "weft-buildahead-"));
  // the test workers inherit this (they are started after the global setup)
  process.env.WEFT_TEST_REQUESTS = path.join(work, "requests.jsonl");
  const count = Math.max(1, Math.min(MAX_PROCESSES, availableParallelism()));
  const loader = pathToFileURL(path.join(root, "tests", "tsloader.mjs")).href;
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ["--import", loader, here, path.join(work, `planned-${i}.jsonl`), ...files], {
      cwd: process.cwd(),
      // the IPC channel only tells the process when vitest is gone (interrupted): it stops then
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env: { ...process.env, WEFT_TEST_REQUESTS: "" },
    });
    children.push(child);
  }
  return teardown;
}

/** The manifest's test files that this run selected, in the order vitest starts them. */
function selectFiles(filters: string[] | undefined): string[] {
  // the list's file names only; tests/builds.ts itself is loaded by the processes
  const listed = [...readFileSync(path.join(root, "tests", "builds.ts"), "utf8").matchAll(/^ {2}"(tests\/[^"]+\.test\.ts)":/gm)].map((m) => m[1]);
  const patterns = (filters ?? []).map((f) => f.replace(/:\d+$/, ""));
  const chosen = listed.filter((file) => !patterns.length || patterns.some((p) => path.join(root, file).includes(path.resolve(p)) || file.includes(p)));
  // vitest's order for files it has no timings for: the largest first
  const size = (file: string) => (existsSync(path.join(root, file)) ? statSync(path.join(root, file)).size : 0);
  return chosen.sort((a, b) => size(b) - size(a));
}

async function teardown(): Promise<void> {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  children = [];
  if (!work) return;
  try {
    if (fullRun) report();
  } finally {
    rmSync(work, { recursive: true, force: true });
    work = "";
  }
}

/** Names the builds tests asked for that the list lacks, and listed ones no test asked for. */
function report(): void {
  const read = (file: string): Planned[] =>
    existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Planned) : [];
  const requested = read(path.join(work, "requests.jsonl"));
  const planned = new Map<string, string>();
  for (const name of readdirSync(work)) if (name.startsWith("planned-")) for (const p of read(path.join(work, name))) planned.set(p.key, p.build);
  if (!planned.size) return; // the processes did not get as far as planning
  const asked = new Set(requested.map((r) => r.key));
  const unlisted = [...new Map(requested.filter((r) => !planned.has(r.key)).map((r) => [r.key, r.build])).values()];
  const unused = [...planned].filter(([key]) => !asked.has(key)).map(([, build]) => build);
  const lines: string[] = [];
  if (unlisted.length) lines.push(`built when asked, not ahead (add to tests/builds.ts): ${unlisted.join("; ")}`);
  if (unused.length) lines.push(`built ahead but asked for by no test (remove from tests/builds.ts): ${unused.join("; ")}`);
  if (lines.length) console.warn(lines.map((l) => `buildahead: ${l}`).join("\n"));
}

/** A build-ahead process: `node --import tests/tsloader.mjs tests/buildahead.ts <plan file> <test files...>`. */
async function main(planFile: string, files: string[]): Promise<void> {
  const { appendFileSync } = await import("node:fs");
  const { buildAhead, describeRequest, keyOfRequest } = await import("./buildcache.js");
  const { BUILDS } = await import("./builds.js");
  const seen = new Set<string>();
  for (const file of files) {
    for (const item of BUILDS[file] ?? []) {
      for (const request of typeof item === "function" ? await item() : [item]) {
        const key = keyOfRequest(request);
        if (seen.has(key)) continue;
        seen.add(key);
        appendFileSync(planFile, `${JSON.stringify({ key, build: describeRequest(request) })}\n`);
        await buildAhead(request);
      }
    }
  }
}

if (process.argv[1] === here) {
  process.on("disconnect", () => process.exit(0));
  main(process.argv[2], process.argv.slice(3)).catch((error: unknown) => {
    console.error(`buildahead: stopped (the tests build what is left): ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  });
}
