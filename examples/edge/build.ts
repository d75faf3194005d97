// Builds the edge handler example into examples/edge/.out/: app.wasm with weft's pipeline,
// and worker.js, worker.ts bundled as an ES module the way edge platforms bundle it (a
// `.wasm` import becomes a compiled WebAssembly.Module; here the bytes are inlined and
// compiled when the module loads). Run by `npm install` (through `npm run build`); the
// tests build their own copy.

import { mkdir, writeFile, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { build } from "../../build/build.js";
import { root, type Compile } from "../browser/build.js";

export const edgeDir = path.join(root, "examples", "edge");
export const edgeOut = path.join(edgeDir, ".out");

/**
 * esbuild options for the edge bundle: `weft` → host/index.ts, `*.wasm` → a compiled module
 * (inlined bytes compiled when the bundle loads), or, with `wasmModule`, left as an import
 * of ./app.wasm for the runtime to provide, as workerd does (it does not compile wasm at
 * run time).
 */
export function edgeBundleOptions(out: string, wasmModule = false): esbuild.BuildOptions {
  if (wasmModule) {
    return { ...edgeBundleOptions(out), plugins: [], external: ["*.wasm"] };
  }
  return {
    entryPoints: [path.join(edgeDir, "worker.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    alias: { weft: path.join(root, "host", "index.ts") },
    metafile: true,
    logLevel: "silent",
    outdir: out,
    plugins: [
      {
        name: "wasm-module",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (args) => ({ path: path.join(out, path.basename(args.path)), namespace: "wasm-module" }));
          b.onLoad({ filter: /.*/, namespace: "wasm-module" }, async (args) => ({
            contents: `const bytes = Uint8Array.from(atob(${JSON.stringify(Buffer.from(await readFile(args.path)).toString("base64"))}), (c) => c.charCodeAt(0));\nexport default new WebAssembly.Module(bytes);\n`,
            loader: "js",
          }));
        },
      },
    ],
  };
}

/**
 * Builds app.wasm and worker.js into `out` (with `wasmModule`, worker.js imports app.wasm
 * as workerd does, `wasmModule`). `compile` builds the program (tests pass a cached one).
 */
export async function buildEdge(
  out = edgeOut,
  log: (line: string) => void = () => {},
  compile: Compile = async (entry) => (await build({ entry })).binary,
  wasmModule = false,
): Promise<esbuild.Metafile> {
  await mkdir(out, { recursive: true });
  const binary = await compile(path.join(edgeDir, "app.ts"));
  await writeFile(path.join(out, "app.wasm"), binary);
  const result = await esbuild.build(edgeBundleOptions(out, wasmModule));
  log(`built ${path.relative(root, path.join(out, "worker.js"))} (an edge module worker) and app.wasm (${binary.length} bytes)`);
  return result.metafile!;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildEdge(edgeOut, (line) => console.log(line));
}
