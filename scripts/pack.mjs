// pack.mjs: what `npm pack` and `npm publish` run around packing (prepack, postpack).
//
// The repository's package.json has a `prepare` script so that `npm install` in a clone
// builds everything (the README's `npm install` then `npm start`). A published package
// must not carry it: npm lists it as an install script on every install from a tarball
// ("weft@0.1.0 (prepare: npm run build)") although the tarball already holds dist/. Nor do
// users need the repository's other scripts (bench, demos) or its devDependencies.
//
// So `prepack` compiles the TypeScript (tsc only: the examples are not published) and
// writes the package.json a user gets, keeping the repository's in package.json.repo;
// npm reads the manifest again when it packs, so it neither runs `prepare` (a pack is no
// longer a full rebuild of the examples) nor ships it. `postpack` puts the repository's
// package.json back. A prepack that finds a package.json.repo left by an interrupted pack
// restores it first.
//
//   node scripts/pack.mjs prepack | postpack

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifest = path.join(root, "package.json");
const saved = path.join(root, "package.json.repo");

function restore() {
  if (existsSync(saved)) renameSync(saved, manifest);
}

const step = process.argv[2];
if (step === "prepack") {
  restore();
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { stdio: "inherit" });
  const text = readFileSync(manifest, "utf8");
  const pkg = JSON.parse(text);
  writeFileSync(saved, text);
  delete pkg.scripts;
  delete pkg.devDependencies;
  // written whole and renamed into place: a reader never sees half a file
  const next = `${manifest}.next`;
  writeFileSync(next, JSON.stringify(pkg, null, 2) + "\n");
  renameSync(next, manifest);
} else if (step === "postpack") {
  restore();
} else {
  console.error("usage: node scripts/pack.mjs prepack | postpack");
  process.exit(1);
}
