// tsloader.mjs: Node module hooks that let a plain `node` process run the repository's
// TypeScript sources as they are (build/*.ts, tests/buildcache.ts), the way vitest runs
// them: each .ts file is transpiled on load by esbuild (types stripped, nothing bundled),
// and an import of `./x.js` finds `./x.ts`. Used by the build-ahead processes
// (tests/buildahead.ts), which must build with the very sources the tests hash into
// their cache keys, not with a possibly stale dist/.
//
//   node --import ./tests/tsloader.mjs some.ts
import { existsSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";

if (isMainThread) {
  // the hooks run on Node's loader thread, where this file is loaded again
  register(import.meta.url, { parentURL: import.meta.url });
}

export async function resolve(specifier, context, next) {
  if (/^\.{1,2}\//.test(specifier) && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
    const ts = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
    if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(ts))) {
      return next(ts.href, context);
    }
  }
  return next(specifier, context);
}

let esbuild = null;

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  esbuild ??= await import("esbuild");
  const file = fileURLToPath(url);
  const { code } = await esbuild.transform(readFileSync(file, "utf8"), { loader: "ts", format: "esm", target: "node20", sourcefile: file, sourcemap: "inline" });
  return { format: "module", source: code, shortCircuit: true };
}
