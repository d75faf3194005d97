// `npm run demo:wasi`: builds the WASI demos (examples/wasi/) and runs each as a WASI
// command under Node's WASI, printing the one command that runs it by hand.
import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { colorsFor } from "../../build/colors.js";
import { build } from "../../build/build.js";
import { runWasiFile } from "../../host/node/wasi.js";

/** Colour only on a terminal (build/colors.ts). */
const pc = colorsFor(process.stdout);

// this file runs as dist/examples/demo/wasi.js
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
process.chdir(root);

const data = "examples/wasi/data";
const demos: { name: string; args: string[]; dirs: string[]; what: string }[] = [
  { name: "sleepsort", args: ["30", "10", "50", "20", "40"], dirs: [], what: "one fiber per number sleeps that long, then prints it" },
  { name: "sieve", args: ["25"], dirs: [], what: "Go's concurrent prime sieve: a fiber per prime, chained by channels" },
  {
    name: "wc",
    args: [`${data}/lorem.txt`, `${data}/tale.txt`, `${data}/empty.txt`, `${data}/missing.txt`],
    dirs: [data],
    what: "lines, words and bytes of each file, counted in concurrent fibers",
  },
];

await mkdir("examples/.out/wasi", { recursive: true });
let failed = false;
for (const demo of demos) {
  const out = `examples/.out/wasi/${demo.name}.wasm`;
  const { binary } = await build({ entry: `examples/wasi/${demo.name}.ts`, target: "wasi" });
  await writeFile(out, binary);
  const dirs = demo.dirs.flatMap((d) => ["--dir", d]);
  console.log(`\n${pc.bold(demo.name)}: ${demo.what}`);
  console.log(pc.dim(`$ node bin/weft.js wasi ${[...dirs, out, ...demo.args].join(" ")}`));
  const started = performance.now();
  const status = await runWasiFile(out, demo.args, { dirs: demo.dirs });
  const expected = demo.name === "wc" ? 1 : 0; // wc reports the missing file with status 1
  console.log(pc.dim(`exit status ${status} in ${Math.round(performance.now() - started)} ms`));
  if (status !== expected) failed = true;
}
if (failed) process.exitCode = 1;
