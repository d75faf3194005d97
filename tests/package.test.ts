// The package as a user gets it: `npm pack` here, the tarball installed into a new project
// (dependencies from npm's cache or the registry; weft itself from the tarball), then the
// commands the README gives: `npx weft build`, `npx weft run`, and `weft init`'s project
// built, run, tested and type-checked. No warnings on the way.
import { describe, it, expect, beforeAll } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import path from "node:path";
import { root } from "./helpers.js";
import { PROJECT_DEV_DEPENDENCIES } from "../build/init.js";

const execAsync = promisify(execFile);

/** The environment without what npm and Vitest set for this run (a child npm or Vitest must not inherit it). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$|INIT_CWD$|FORCE_COLOR$|NO_COLOR$)/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

async function sh(cwd: string, command: string, args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await execAsync(command, args, { cwd, env: cleanEnv(), timeout: 300_000, maxBuffer: 1 << 24 });
    return { status: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number | string; stdout: string; stderr: string };
    return { status: typeof err.code === "number" ? err.code : -1, stdout: err.stdout, stderr: err.stderr };
  }
}

/** npm's own lines that say something is wrong. */
const warnings = (r: Ran) => `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => /\b(warn|WARN|ERR!|error)\b/.test(l));

const install = ["install", "--prefer-offline", "--no-audit", "--no-fund"];

let work: string;
let tarball: string;
let packed: { files: { path: string }[] };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "weft-package-"));
  const pack = await sh(root, "npm", ["pack", "--json", "--pack-destination", work]);
  expect(pack.stderr.split("\n").filter((l) => /warn/i.test(l))).toEqual([]);
  expect(pack.status).toBe(0);
  // the JSON follows tsc's output, if any
  [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")));
  tarball = path.join(work, (packed as unknown as { filename: string }).filename);
}, 600_000);

describe("the published package", () => {
  it("holds what a user needs and none of the repository's scripts", async () => {
    const files = packed.files.map((f) => f.path);
    for (const needed of ["bin/weft.js", "dist/build/cli.js", "dist/build/build.js", "dist/host/index.js", "dist/host/index.d.ts", "dist/host/node/run.js", "dist/assembly/layout.js", "assembly/index.ts", "assembly/abi.ts", "README.md"]) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => /^(dist\/(bench|examples|tests)|tests|examples|bench|scripts)\//.test(f))).toEqual([]);
    const shipped = JSON.parse((await sh(work, "tar", ["-xzOf", tarball, "package/package.json"])).stdout);
    expect(shipped.scripts).toBeUndefined();
    expect(shipped.devDependencies).toBeUndefined();
    // packing leaves the repository's package.json as it was
    const repo = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));
    expect(repo.scripts.prepare).toBe("npm run build");
  });

  it("installs without warnings and builds and runs a program with npx weft", async () => {
    const app = path.join(work, "app");
    await mkdir(app);
    await writeFile(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    await writeFile(path.join(app, "app.ts"), 'export function main(): void {\n  console.log("hello from a fiber");\n}\n');
    const installed = await sh(app, "npm", [...install, tarball]);
    expect(warnings(installed)).toEqual([]);
    expect(installed.status).toBe(0);
    const built = await sh(app, "npx", ["weft", "build", "app.ts", "-o", "app.wasm"]);
    expect(built.stderr).toMatch(/^built app\.wasm \(\d+ bytes\)\n$/);
    expect(await sh(app, "npx", ["weft", "run", "app.wasm"])).toEqual({ status: 0, stdout: "hello from a fiber\n", stderr: "" });
  }, 600_000);
});

describe("weft init", () => {
  it("gives the tested versions of TypeScript and Vitest", async () => {
    const repo = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));
    expect(PROJECT_DEV_DEPENDENCIES).toEqual({ typescript: repo.devDependencies.typescript, vitest: repo.devDependencies.vitest });
  });

  it("writes a project that builds, runs, passes its test and type-checks", async () => {
    const app = path.join(work, "app");
    const created = await sh(app, "npx", ["weft", "init", "../fresh"]);
    expect(created.status).toBe(0);
    expect(created.stderr.split("\n")[0]).toBe("created package.json, assembly/main.ts, assembly/tsconfig.json, tests/main.test.ts, tsconfig.json, .gitignore in ../fresh");
    const again = await sh(app, "npx", ["weft", "init", "../fresh"]);
    expect(again).toEqual({
      status: 1,
      stdout: "",
      stderr: "weft init: ../fresh/package.json exists already: weft init writes a new project and overwrites nothing\n",
    });
    const project = path.join(work, "fresh");
    // weft from the tarball: the project's "weft" dependency names the published version
    const installed = await sh(project, "npm", [...install, tarball]);
    expect(warnings(installed)).toEqual([]);
    expect(installed.status).toBe(0);
    const built = await sh(project, "npm", ["run", "--silent", "build"]);
    expect(built.stderr).toMatch(/^built build\/main\.wasm \(\d+ bytes\)\n$/);
    expect(await sh(project, "npm", ["start", "--silent"])).toEqual({ status: 0, stdout: "sum of the squares of 1..10: 385\n", stderr: "" });
    const tested = await sh(project, "npm", ["test", "--silent"]);
    expect(tested.stdout.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/Tests +1 passed \(1\)/);
    expect(tested.status).toBe(0);
    expect(await sh(project, "npm", ["run", "--silent", "typecheck"])).toEqual({ status: 0, stdout: "", stderr: "" });
    // a type error in the program is reported against the AssemblyScript API, not the host's
    await writeFile(path.join(project, "assembly/wrong.ts"), 'import { Channel } from "weft";\nexport function f(c: Channel<i32>): void {\n  c.send("x");\n}\n');
    const wrong = await sh(project, "npx", ["tsc", "-p", "assembly"]);
    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toBe("assembly/wrong.ts(3,10): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.\n");
  }, 900_000);
});
