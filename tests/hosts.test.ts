// The hosts weft claims besides Node: `weft wasi` and `weft run` under Bun and Deno (run
// when their npm packages, devDependencies of this repository, are installed; skipped with
// the reason otherwise), the fetch error codes every host reports alike, a serving
// program (empty main, host-spawned fibers) that is not reported as leaking, and fetch's
// I/O run in the contexts a host gives (`ioContexts`, as workerd's requests need).
import { describe, it, expect, beforeAll } from "vitest";
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { describeError } from "../host/fetch.js";
import { WeftProgram } from "../host/runtime.js";
import { readString, writeString } from "../host/abi.js";
import { buildProgram, buildWasi, root } from "./helpers.js";
import { startTestServer, testBytes, fnv } from "./browser/testserver.js";

const execAsync = promisify(execFile);
const weft = path.join(root, "bin/weft.js");
const outDir = path.join(root, "tests/.out/hosts");

/** The runtime's binary if it is installed and runs, else null. */
function runtime(name: string): string | null {
  const local = path.join(root, "node_modules/.bin", name);
  for (const candidate of [local, name]) {
    if (candidate === local && !existsSync(local)) continue;
    try {
      execFileSync(candidate, ["--version"], { stdio: "ignore", timeout: 30_000 });
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

const hosts = [
  { name: "bun", binary: runtime("bun"), args: [] as string[] },
  { name: "deno", binary: runtime("deno"), args: ["run", "-A"] },
];

let jsModule: string;
let wasiModule: string;
beforeAll(async () => {
  if (hosts.every((h) => h.binary === null)) return;
  await mkdir(outDir, { recursive: true });
  jsModule = path.join(outDir, "hello.wasm");
  wasiModule = path.join(outDir, "hello-wasi.wasm");
  await writeFile(jsModule, (await buildProgram("hellosleep")).binary);
  await writeFile(wasiModule, (await buildWasi("hellosleep")).binary);
});

for (const host of hosts) {
  const why = `${host.name} is not installed (it is a devDependency: npm install)`;
  describe(`weft under ${host.name}`, () => {
    it.skipIf(host.binary === null)(`weft wasi runs a WASI command${host.binary === null ? ` (skipped: ${why})` : ""}`, async () => {
      const { stdout, stderr } = await execAsync(host.binary!, [...host.args, weft, "wasi", wasiModule], { env: { ...process.env, NO_COLOR: "1" } });
      expect({ stdout, stderr }).toEqual({ stdout: "hello after a sleep\n", stderr: "" });
    });

    it.skipIf(host.binary === null)(`weft run runs a program${host.binary === null ? ` (skipped: ${why})` : ""}`, async () => {
      const { stdout, stderr } = await execAsync(host.binary!, [...host.args, weft, "run", jsModule], { env: { ...process.env, NO_COLOR: "1" } });
      expect({ stdout, stderr }).toEqual({ stdout: "hello after a sleep\n", stderr: "" });
    });
  });
}

describe("fetch failures", () => {
  it("get the same code on every host", () => {
    // the errors each host's fetch gives for a refused connection and an unknown name
    const node = (code: string, message: string) => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(message), { code }) });
    const bun = (code: string, message: string) => Object.assign(new TypeError(message), { code });
    const deno = (message: string) => Object.assign(new TypeError("fetch failed"), { cause: new Error(message) });
    const code = (e: unknown) => describeError(e).code;
    expect(code(node("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:39999"))).toBe("ECONNREFUSED");
    expect(code(bun("ECONNREFUSED", "ECONNREFUSED: Unable to connect. Is the computer able to access the url?"))).toBe("ECONNREFUSED");
    expect(code(deno("error sending request for url (http://127.0.0.1:39999/): client error (Connect): tcp connect error: Connection refused (os error 111)"))).toBe(
      "ECONNREFUSED",
    );
    // workerd
    expect(code(new Error("Network connection lost."))).toBe("ECONNREFUSED");
    expect(code(new Error("Network connection failed: failed to lookup address information: Name or service not known"))).toBe("ENOTFOUND");
    expect(code(node("ENOTFOUND", "getaddrinfo ENOTFOUND nonexistent.invalid"))).toBe("ENOTFOUND");
    expect(code(bun("ENOTFOUND", "getaddrinfo ENOTFOUND nonexistent.invalid"))).toBe("ENOTFOUND");
    expect(code(deno("error sending request for url (http://nonexistent.invalid/): client error (Connect): dns error: failed to lookup address information: Name or service not known"))).toBe(
      "ENOTFOUND",
    );
    expect(code(node("ECONNRESET", "read ECONNRESET"))).toBe("ECONNRESET");
    expect(code(new TypeError("fetch failed"))).toBe("EFETCH");
    // a URL that does not parse, as Node, Bun and Deno say it
    expect(code(Object.assign(new TypeError("Failed to parse URL from not-a-url"), { cause: Object.assign(new TypeError("Invalid URL"), { code: "ERR_INVALID_URL" }) }))).toBe("EINVAL");
    expect(code(bun("ERR_INVALID_URL", "fetch() URL is invalid"))).toBe("EINVAL");
    expect(code(new TypeError("Invalid URL: 'not-a-url'"))).toBe("EINVAL");
    // the host's own words stay in the message
    expect(describeError(node("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1")).message).toBe("fetch failed (connect ECONNREFUSED 127.0.0.1:1)");
  });
});

describe("a serving program", () => {
  it("does not report the host's fibers in flight as leaks when its empty main returns", async () => {
    const stderr: string[] = [];
    const program = await WeftProgram.load((await buildProgram("serving")).binary, { stderr: (l) => stderr.push(l) });
    const results = await Promise.all([program.spawn("serve", 20, "request #1"), program.spawn("serve", 10, "request #2")]);
    expect(results).toEqual([20, 10]);
    expect(stderr).toEqual([]);
  });
});

describe("drive and spawnCallback (a host that runs the scheduler itself)", () => {
  it("run fibers on the caller's turns and report their ends through plain callbacks", async () => {
    const stderr: string[] = [];
    const program = await WeftProgram.load((await buildProgram("serving")).binary, { stderr: (l) => stderr.push(l) });
    const ends: string[] = [];
    program.spawnCallback("serve", 30, "slow", (error, result) => ends.push(`slow ${error === null ? result : error.message}`));
    program.spawnCallback("serve", 10, "fast", (error, result) => ends.push(`fast ${error === null ? result : error.message}`));
    expect(() => program.spawnCallback("nope", 0, null, () => {})).toThrow('"nope" is not a spawnable export of the program (an exported function with at most one numeric parameter); it has: serve');
    let turns = 0;
    while (ends.length < 2) {
      const next = program.drive();
      turns++;
      // the caller's own timer, until the next deadline (0: fibers are still ready)
      await new Promise((r) => setTimeout(r, next === 0 ? 0 : Math.max(0, Math.ceil(next - performance.now()))));
    }
    expect(ends).toEqual(["fast 10", "slow 30"]);
    expect(turns).toBeGreaterThan(1);
    expect(stderr).toEqual([]);
    await expect(program.spawn("serve", 1)).resolves.toBe(1); // from here on it runs on the event loop
    expect(() => program.drive()).toThrow("this program runs on the event loop (runAsync or spawn); drive() is for hosts that run it themselves");
  });
});


describe("ioContexts (fetch's I/O in the context that owns it)", () => {
  it("starts a fetch in the claimed context and reads its body only there, whichever turn asks", async () => {
    const upstream = await startTestServer();
    try {
      // two request contexts, as the edge worker has them; B's turns run the fiber
      type Context = { name: string; queue: (() => void)[] };
      const a: Context = { name: "A", queue: [] };
      const b: Context = { name: "B", queue: [] };
      let turning: Context | null = null;
      const ranIn: string[] = [];
      let queuedFromB = 0;
      let program: WeftProgram | null = null;
      const text = (ptr: number) => readString(program!.exports.memory, ptr) ?? "";
      const url = `${upstream.url}bytes?n=30000&seed=7&pieces=5`;
      let answer = "";
      program = await WeftProgram.load((await buildProgram("examples/edge/app.ts")).binary, {
        imports: {
          edge: {
            method: () => writeString(program!.exports, "GET"),
            path: () => writeString(program!.exports, "/proxy"),
            param: (_id: number, name: number) => (text(name) === "url" ? writeString(program!.exports, url) : 0),
            body: () => writeString(program!.exports, ""),
            respond: (_id: number, _status: number, _type: number, body: number) => void (answer = text(body)),
          },
        },
        ioContexts: {
          claim: () => a,
          run: (context, operation) => {
            const owner = context as Context;
            const record = () => {
              ranIn.push(turning!.name);
              operation();
            };
            if (owner === turning) return record();
            if (turning === b) queuedFromB++;
            owner.queue.push(record);
          },
        },
      });
      let ended = false;
      program.spawnCallback("handle", 1, "request #1", () => (ended = true));
      const turn = (context: Context, drive: boolean) => {
        turning = context;
        if (drive) program!.drive();
        for (let op; (op = context.queue.shift()); ) op();
        turning = null;
      };
      while (!ended) {
        turn(b, true); // B runs the fiber: its fetch and reads are queued for A
        turn(a, false); // A's turn starts them
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(JSON.parse(answer)).toEqual({ status: 200, bytes: 30000, fnv: fnv(testBytes(30000, 7)) });
      // the fetch and every read (at least one per piece, and the end) ran in A's turns
      expect(queuedFromB).toBeGreaterThanOrEqual(6);
      expect(ranIn.length).toBe(queuedFromB);
      expect(new Set(ranIn)).toEqual(new Set(["A"]));
    } finally {
      await upstream.close();
    }
  });
});
