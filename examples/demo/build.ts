// Builds the example programs into examples/.out/ (run by `npm install` via `npm run build`).
import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "../../build/build.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
// output name → entry under examples/
const entries: Record<string, string> = {
  roundrobin: "roundrobin.ts",
  pingpong: "pingpong.ts",
  spawnstorm: "spawnstorm.ts",
  sleepers: "sleepers.ts",
  // weft/io on the Node host (`npm run example:echo`, `example:http`, `example:stdin`)
  echo: "echo/main.ts",
  http: "http/main.ts",
  stdinticker: "stdinticker.ts",
};
/** WASI command-line demos (examples/wasi/, `npm run demo:wasi`). */
const wasiNames = ["sleepsort", "sieve", "wc"];
await mkdir(path.join(root, "examples/.out"), { recursive: true });
for (const [name, entry] of Object.entries(entries)) {
  const { binary } = await build({ entry: path.join(root, "examples", entry) });
  await writeFile(path.join(root, "examples/.out", `${name}.wasm`), binary);
  console.log(`built examples/.out/${name}.wasm (${binary.length} bytes)`);
}
await mkdir(path.join(root, "examples/.out/wasi"), { recursive: true });
for (const name of wasiNames) {
  const { binary } = await build({ entry: path.join(root, "examples/wasi", `${name}.ts`), target: "wasi" });
  await writeFile(path.join(root, "examples/.out/wasi", `${name}.wasm`), binary);
  console.log(`built examples/.out/wasi/${name}.wasm (${binary.length} bytes)`);
}
