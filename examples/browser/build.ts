// Builds the live view (examples/browser/) into examples/browser/.out/: the fiber program
// with weft's pipeline, the page and worker scripts bundled for the browser with esbuild,
// and the page itself. Run by `npm install` (through `npm run build`) and by
// `npm run demo:browser` when a source is newer than its output.
//
// The bundles import `weft`, which resolves to host/index.ts: the same host core a user's
// bundler would pick from the package's export map.

import { copyFile, mkdir, writeFile, stat, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { build } from "../../build/build.js";

/** The repository root: the first directory upward from this file with a package.json. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
}

export const root = findRoot();
export const sourceDir = path.join(root, "examples", "browser");
export const outDir = path.join(sourceDir, ".out");
/** The scripts the page loads, bundled one each. */
const ENTRIES = ["app.ts", "worker.ts"];
/** The host core alone, as one ES module (for pages that import it directly, and the tests). */
const CORE = { in: "host/index.ts", out: "weft" };
const STATIC = ["index.html"];

/** esbuild options for a browser bundle of `entries` (ES modules, `weft` → host/index.ts). */
export function browserBundleOptions(entries: (string | { in: string; out: string })[]): esbuild.BuildOptions {
  return {
    entryPoints: entries,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    alias: { weft: path.join(root, "host", "index.ts") },
    sourcemap: true,
    metafile: true,
    logLevel: "silent",
  };
}

/** Builds a fiber program (an entry file) into a module: weft's pipeline, or a cache of it (the tests). */
export type Compile = (entry: string) => Promise<Uint8Array>;
const compileWithPipeline: Compile = async (entry) => (await build({ entry })).binary;

/** Builds everything into `out`; returns the bundles' metafile. */
export async function buildBrowserDemo(out = outDir, log: (line: string) => void = () => {}, compile: Compile = compileWithPipeline): Promise<esbuild.Metafile> {
  await mkdir(out, { recursive: true });
  const binary = await compile(path.join(sourceDir, "workload.ts"));
  await writeFile(path.join(out, "workload.wasm"), binary);
  log(`built ${path.relative(root, path.join(out, "workload.wasm"))} (${binary.length} bytes)`);
  const entries = [...ENTRIES.map((e) => path.join(sourceDir, e)), { in: path.join(root, CORE.in), out: CORE.out }];
  const result = await esbuild.build({ ...browserBundleOptions(entries), outdir: out });
  for (const file of STATIC) await copyFile(path.join(sourceDir, file), path.join(out, file));
  await writeFile(path.join(out, "meta.json"), JSON.stringify(result.metafile));
  const bytes = Object.values(result.metafile!.outputs).reduce((n, o) => n + (o.bytes ?? 0), 0);
  log(`bundled ${[...ENTRIES, CORE.in].join(", ")} for the browser (${bytes} bytes with source maps)`);
  return result.metafile!;
}

/** True when the built page is missing or older than one of its sources. */
export async function stale(out = outDir): Promise<boolean> {
  const mtime = async (file: string) => (await stat(file).catch(() => null))?.mtimeMs ?? -1;
  const built = await mtime(path.join(out, "meta.json"));
  if (built < 0) return true;
  const sources = [
    ...["workload.ts", "demo.ts", "view.ts", ...ENTRIES, ...STATIC].map((f) => path.join(sourceDir, f)),
    ...(await readdir(path.join(root, "host"))).filter((f) => f.endsWith(".ts")).map((f) => path.join(root, "host", f)),
    ...(await readdir(path.join(root, "assembly"), { recursive: true })).map((f) => path.join(root, "assembly", f)),
  ];
  for (const source of sources) if ((await mtime(source)) > built) return true;
  return false;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildBrowserDemo(outDir, (line) => console.log(line));
}
