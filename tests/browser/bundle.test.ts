// The browser bundles reach no Node built-in: each is built with the page's real esbuild
// options, Node's built-ins left external so that any import of one shows up in the import
// graph instead of failing the build, and the graph is walked from every entry point.
// The Node wing, walked the same way, does reach them: the check can fail.

import { describe, expect, test } from "vitest";
import { builtinModules } from "node:module";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { browserBundleOptions } from "../../examples/browser/build.js";
import { edgeBundleOptions } from "../../examples/edge/build.js";
import { root } from "../helpers.js";

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (spec: string) => BUILTINS.has(spec) || spec.startsWith("node:");

/** Every module reachable from the bundle's entry points, and every external import among them. */
async function importGraph(entries: string[], edge = false): Promise<{ modules: Set<string>; externals: Set<string> }> {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "weft-bundle-"));
  // the edge bundle inlines app.wasm; any bytes do for its import graph
  if (edge) writeFileSync(path.join(outdir, "app.wasm"), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  const options = edge ? edgeBundleOptions(outdir) : browserBundleOptions(entries.map((e) => path.join(root, e)));
  const result = await esbuild.build({ ...options, outdir, write: false, external: [...BUILTINS] });
  const inputs = result.metafile!.inputs;
  const modules = new Set<string>();
  const externals = new Set<string>();
  const todo = Object.values(result.metafile!.outputs).flatMap((o) => (o.entryPoint ? [o.entryPoint] : []));
  expect(todo).toHaveLength(entries.length);
  while (todo.length) {
    const file = todo.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const imported of inputs[file].imports) {
      if (imported.external) externals.add(imported.path);
      else todo.push(imported.path);
    }
  }
  return { modules, externals };
}

describe("browser bundle", () => {
  test("the page, its worker and the `weft` entry reach no Node built-in and nothing of host/node or build/", async () => {
    const { modules, externals } = await importGraph(["examples/browser/app.ts", "examples/browser/worker.ts", "host/index.ts"]);
    expect([...externals].filter(isBuiltin)).toEqual([]);
    expect(externals.size).toBe(0);
    const files = [...modules].map((m) => path.relative(root, path.resolve(root, m)));
    expect(files.filter((f) => f.startsWith("host/node/") || f.startsWith("build/") || f.includes("node_modules"))).toEqual([]);
    // the host core is in it, and so is everything the page is made of
    for (const file of ["host/index.ts", "host/runtime.ts", "host/abi.ts", "host/load.ts", "host/worker.ts", "examples/browser/view.ts"]) {
      expect(files).toContain(file);
    }
  });

  test("the edge module worker reaches no Node built-in either", async () => {
    const { modules, externals } = await importGraph(["examples/edge/worker.ts"], true);
    expect([...externals]).toEqual([]);
    const files = [...modules].map((m) => path.relative(root, path.resolve(root, m)));
    expect(files).toContain("examples/edge/worker.ts");
    expect(files).toContain("host/runtime.ts");
    expect(files.filter((f) => f.startsWith("host/node/") || f.startsWith("build/"))).toEqual([]);
  });

  test("the same walk finds Node built-ins in the Node wing", async () => {
    const { externals } = await importGraph(["host/node/run.ts"]);
    expect([...externals].filter(isBuiltin)).toContain("node:fs/promises");
  });
});
