// The `weft` command's messages for bad input: each is one line (or commander's error and a
// one-line hint) and a non-zero status, never a stack trace, a usage dump or a hang. Runs
// the real command (bin/weft.js, the compiled dist/) in a child process.
import { describe, it, expect, beforeAll } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile, mkdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import path from "node:path";
import { root } from "./helpers.js";
import { colorEnabled } from "../build/colors.js";

const execAsync = promisify(execFile);
const weft = path.join(root, "bin/weft.js");

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `weft args...` in `cwd` with colour left to the environment given (none by default). */
async function cli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  try {
    const { stdout, stderr } = await execAsync(process.execPath, [weft, ...args], { cwd, env: { ...base, ...env }, timeout: 300_000 });
    return { status: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string; killed?: boolean };
    if (err.killed) throw new Error(`weft ${args.join(" ")} did not finish`);
    return { status: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "weft-cli-"));
  await writeFile(path.join(dir, "app.ts"), 'export function main(): void {\n  console.log("hello");\n}\n');
  await writeFile(path.join(dir, "afile"), "");
  await writeFile(
    path.join(dir, "hosty.ts"),
    [
      'import { writeString, STDOUT } from "weft/io";',
      '@external("app", "lookup") declare function lookup(key: i32): i32;',
      "export function main(): void {",
      '  writeString(STDOUT, lookup(1).toString() + "\\n");',
      "}",
      "",
    ].join("\n"),
  );
});

describe("weft --version", () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));
    expect(await cli(dir, ["--version"])).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" });
  });
});

describe("option errors: the one line that matters and a hint", () => {
  it.each([
    [["build", "app.ts"], "error: required option '-o, --out <file>' not specified\n(see `weft build --help`)\n"],
    [
      ["build", "app.ts", "-o", "x.wasm", "--stack-size", "big"],
      "error: option '--stack-size <bytes>' argument 'big' is invalid. expected a size in bytes (like 65536 or 64k), got \"big\"\n(see `weft build --help`)\n",
    ],
    [
      ["build", "app.ts", "-o", "x.wasm", "--target", "wat"],
      "error: option '--target <target>' argument 'wat' is invalid. Allowed choices are js, wasi.\n(see `weft build --help`)\n",
    ],
    [["build", "app.ts", "-o", "x.wasm", "--fast"], "error: unknown option '--fast'\n(see `weft build --help`)\n"],
    [["run"], "error: missing required argument 'module'\n(see `weft run --help`)\n"],
    [["wasi"], "error: missing required argument 'module'\n(see `weft wasi --help`)\n"],
    [["bogus"], "error: unknown command 'bogus'\n(see `weft --help`)\n"],
  ])("weft %j", async (args, stderr) => {
    expect(await cli(dir, args)).toEqual({ status: 1, stdout: "", stderr });
  });
});

describe("weft build", () => {
  it("refuses an output path it cannot write, before building", async () => {
    expect(await cli(dir, ["build", "app.ts", "-o", "afile/app.wasm"])).toEqual({
      status: 1,
      stdout: "",
      stderr: `weft build: cannot write afile/app.wasm: ${path.join(dir, "afile")} is a file, not a directory\n`,
    });
    expect(await cli(dir, ["build", "app.ts", "-o", "afile/deeper/app.wasm"])).toEqual({
      status: 1,
      stdout: "",
      stderr: `weft build: cannot write afile/deeper/app.wasm: ${path.join(dir, "afile")} is a file, not a directory\n`,
    });
    await mkdir(path.join(dir, "outdir"), { recursive: true });
    expect(await cli(dir, ["build", "app.ts", "-o", "outdir"])).toEqual({
      status: 1,
      stdout: "",
      stderr: `weft build: outdir is a directory: -o names the module file to write (like ${path.join("outdir", "app.wasm")})\n`,
    });
  });

  it.runIf(process.platform === "linux")("fails at once, in one line, on a directory that cannot be created", async () => {
    // Node's recursive mkdir used to spin here forever
    const r = await cli(dir, ["build", "app.ts", "-o", "/proc/self/fibers/app.wasm"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^weft build: cannot (write|create the directory) [^\n]*\n$/);
  });

  it("says what a directory or a built module is when given as the entry", async () => {
    expect(await cli(dir, ["build", ".", "-o", "x.wasm"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "weft build: . is a directory: give the program's entry file (the .ts file that exports main)\n",
    });
    await writeFile(path.join(dir, "prog.wasm"), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    expect(await cli(dir, ["build", "prog.wasm", "-o", "x.wasm"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "weft build: prog.wasm is a built module, not a program source: run it with `weft run prog.wasm` (weft build takes the .ts file that exports main)\n",
    });
    expect(await cli(dir, ["build", "nothere.ts", "-o", "x.wasm"])).toEqual({ status: 1, stdout: "", stderr: "weft build: entry file not found: nothere.ts\n" });
  });

  it("--target wasi refuses host imports and names them", async () => {
    expect(await cli(dir, ["build", "hosty.ts", "-o", "hosty.wasm", "--target", "wasi"])).toEqual({
      status: 1,
      stdout: "",
      stderr:
        "weft build: a WASI program can import only what a WASI runtime provides, but this one imports " +
        "weft/io (weft_io.write_start, weft_io.write, weft_io.error_message, weft_io.drain_start, weft_io.cancel), app.lookup: " +
        "weft/io and @external host functions need the JavaScript host (build without --target wasi and run it with `weft run`)\n",
    });
  });

  it("builds into directories it creates, and the result runs", async () => {
    const built = await cli(dir, ["build", "app.ts", "-o", "out/sub/app.wasm"]);
    expect(built.status).toBe(0);
    expect(built.stderr).toMatch(/^built out\/sub\/app\.wasm \(\d+ bytes\)\n$/);
    expect(await cli(dir, ["run", "out/sub/app.wasm"])).toEqual({ status: 0, stdout: "hello\n", stderr: "" });
  });
});

describe("weft run and weft wasi", () => {
  it("weft run points a WASI command to weft wasi, and a source to weft build", async () => {
    expect((await cli(dir, ["build", "app.ts", "-o", "cmd.wasm", "--target", "wasi"])).status).toBe(0);
    expect(await cli(dir, ["run", "cmd.wasm"])).toEqual({
      status: 4,
      stdout: "",
      stderr: "weft: cmd.wasm is a WASI command (built with --target wasi), not a program for this host: run it with `weft wasi cmd.wasm` or another WASI runtime\n",
    });
    expect(await cli(dir, ["run", "app.ts"])).toEqual({
      status: 4,
      stdout: "",
      stderr: "weft: app.ts is a program source: build it first (`weft build app.ts -o app.wasm`), then run the module\n",
    });
    expect(await cli(dir, ["run", "."])).toEqual({ status: 4, stdout: "", stderr: "weft: . is a directory, not a module\n" });
  });

  it("weft wasi refuses a --dir that is not a directory", async () => {
    // cmd.wasm: the WASI command the test above built
    expect(await cli(dir, ["wasi", "--dir", "/nonexistent", "cmd.wasm"])).toEqual({
      status: 4,
      stdout: "",
      stderr: "weft: --dir /nonexistent: /nonexistent does not exist\n",
    });
    expect(await cli(dir, ["wasi", "--dir", "app.ts::/data", "cmd.wasm"])).toEqual({
      status: 4,
      stdout: "",
      stderr: "weft: --dir app.ts::/data: app.ts is not a directory\n",
    });
    expect(await cli(dir, ["wasi", "--dir", ".::/data", "cmd.wasm"])).toEqual({ status: 0, stdout: "hello\n", stderr: "" });
  });
});

describe("colour", () => {
  it("only on a terminal, unless FORCE_COLOR or NO_COLOR say otherwise", () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, { CI: "true" })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "0" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(true); // as Node decides
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
  });

  it("no escape codes into a pipe; FORCE_COLOR puts them back", async () => {
    const plain = await cli(dir, ["build", "nothere.ts", "-o", "x.wasm"], { CI: "true" });
    expect(plain.stderr).toBe("weft build: entry file not found: nothere.ts\n");
    const forced = await cli(dir, ["build", "nothere.ts", "-o", "x.wasm"], { FORCE_COLOR: "1" });
    expect(forced.stderr).toBe("\x1b[31mweft build:\x1b[39m entry file not found: nothere.ts\n");
  });
});
