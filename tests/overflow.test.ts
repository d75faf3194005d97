import { describe, it, expect, beforeAll } from "vitest";
import { buildAndRun, type Run } from "./helpers.js";

// Built with small limits so that the overflows come quickly: 8 KiB of asyncify scratch
// and a 16 KiB shadow stack.
describe("stack overflow in one fiber", () => {
  let r: Run;
  beforeAll(async () => {
    r = await buildAndRun("overflow", { scratchSize: 8192, stackSize: 16384 });
  });

  it("fails exactly the overflowing fibers, naming the stack, its limit and the option", () => {
    const byName = Object.fromEntries(r.failures.map((f) => [f.fiberName, f]));
    expect(Object.keys(byName).sort()).toEqual(["callStack", "dive1000", "dive5000", "shadowStack"]);
    expect(byName.callStack.kind).toBe("CallStackOverflow");
    expect(byName.callStack.message).toBe(
      "call stack overflow: the host's wasm call stack is exhausted (deep recursion?); raise the limit with `node --stack-size=<KiB>` or recurse less deeply",
    );
    expect(byName.shadowStack.kind).toBe("ShadowStackOverflow");
    expect(byName.shadowStack.message).toBe(
      "shadow stack overflow: more than 16384 bytes of managed references on the stack (deep recursion?); raise the limit with `weft build --stack-size <bytes>`",
    );
    for (const name of ["dive1000", "dive5000"]) {
      expect(byName[name].kind).toBe("ScratchOverflow");
      expect(byName[name].message).toBe(
        "asyncify stack overflow: suspending needed more than the 8192-byte scratch area (deep recursion before a yield?); raise the limit with `weft build --scratch-size <bytes>`",
      );
    }
  });

  it("lets every other fiber finish normally, shallow and deep ones alike", () => {
    expect(r.stdout).toEqual([
      "dive 1 ok 2",
      "dive 10 ok 65",
      "dive 100 ok 5150",
      "dive 400 ok 80600",
      'fiber #7 "callStack" failed: call stack overflow: the host\'s wasm call stack is exhausted (deep recursion?); raise the limit with `node --stack-size=<KiB>` or recurse less deeply',
      'fiber #13 "shadowStack" failed: shadow stack overflow: more than 16384 bytes of managed references on the stack (deep recursion?); raise the limit with `weft build --stack-size <bytes>`',
      'fiber #18 "dive1000" failed: asyncify stack overflow: suspending needed more than the 8192-byte scratch area (deep recursion before a yield?); raise the limit with `weft build --scratch-size <bytes>`',
      'fiber #19 "dive5000" failed: asyncify stack overflow: suspending needed more than the 8192-byte scratch area (deep recursion before a yield?); raise the limit with `weft build --scratch-size <bytes>`',
      "workers finished: 10",
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.aliveAtEnd).toBe(0);
    expect(r.stderr.filter((l) => !l.startsWith("weft: fiber #"))).toEqual([]);
  });

  it("recovers fully: the same instance then dives, overflows and dives again as before", async () => {
    // fibers the host spawns on the instance that just overflowed every stack
    const { program } = r;
    const again = (name: string, arg = 0) => program.spawn(name, arg).then(String, (e: Error) => e.message.replace(/^fiber #\d+ failed: /, ""));
    expect(await again("diveAgain", 400)).toBe("80600");
    expect(await again("diveAgain", 1000)).toMatch(/^asyncify stack overflow: suspending needed more than the 8192-byte scratch area/);
    expect(await again("nestAgain")).toMatch(/^shadow stack overflow: more than 16384 bytes/);
    expect(await again("descendAgain")).toMatch(/^call stack overflow: /);
    expect(await Promise.all([again("diveAgain", 100), again("diveAgain", 400), again("diveAgain", 10)])).toEqual(["5150", "80600", "65"]);
    expect(program.stats()).toMatchObject({ alive: 0, savedBytes: 0 });
  });
});

describe("raising the limit", () => {
  it("lets the same program yield 5000 calls deep with --scratch-size 1 MiB", async () => {
    const r = await buildAndRun("overflow", { scratchSize: 1 << 20, use: ["SKIP_CALLSTACK=1", "SKIP_SHADOW=1"] });
    expect(r.failures).toEqual([]);
    expect(r.stdout).toContain("dive 1000 ok 501500");
    expect(r.stdout).toContain("dive 5000 ok 12507500");
    expect(r.stdout.at(-1)).toBe("workers finished: 10");
  });
});
