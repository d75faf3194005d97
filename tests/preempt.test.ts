import { describe, it, expect } from "vitest";
import { connect } from "node:net";
import { buildProgram, quitWhen, run } from "./helpers.js";
import { start } from "./iohelpers.js";
import { WeftProgram } from "../host/runtime.js";
import binaryen from "binaryen";
import { insertSafepoints, SAFEPOINT, SITE_NAME_INTO, WORK_LEFT_GLOBAL } from "../build/preempt.js";

const HOG_OUTPUT = ["tick 1", "tick 2", "tick 3", "tick 4", "tick 5", "sleeper woke: yes", "hog ran: yes, ticks not early: yes"];

/** Sends `line` to 127.0.0.1:`port` and resolves with what comes back before the close. */
function echo(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(line));
    socket.on("data", (d) => (got += d));
    socket.on("end", () => resolve(got));
    socket.on("error", reject);
  });
}

describe("preemption", () => {
  it("lets a ticker tick and a sleeper wake beside a fiber that never yields (run)", async () => {
    const r = await run((await buildProgram("hog")).binary);
    expect(r.stdout).toEqual(HOG_OUTPUT);
    expect(r.exitCode).toBe(0);
    // the hog is still alive at the end, and the report says where it was stopped
    expect(r.stderr).toEqual(["weft: main ended with 1 fiber still alive:", '  #2 "hog" ready (preempted in hog/hog)']);
  });

  it("does the same on the event loop (runAsync)", async () => {
    const { binary } = await buildProgram("hog");
    const stdout: string[] = [];
    const program = await WeftProgram.load(binary, { stdout: (l) => stdout.push(l), stderr: () => {} });
    const result = await program.runAsync();
    expect(stdout).toEqual(HOG_OUTPUT);
    expect(result.exitCode).toBe(0);
  });

  it("puts safepoints only where the program loops, and none with preempt: false", async () => {
    const on = await buildProgram("hog");
    expect(on.why["hog/hog"]).toBe("calls ~lib/weft/sched/slice/safepoint");
    expect(on.instrumented.filter((n) => n.startsWith("~lib/") && !n.startsWith("~lib/weft/"))).toEqual([]);
    const off = await buildProgram("hog", { preempt: false });
    expect(off.instrumented).not.toContain("hog/hog");
    expect(Object.values(off.why).some((why) => why.includes("safepoint"))).toBe(false);
  });

  it("preempts a fiber that sends in a loop without blocking, at the send (no safepoint in its loop)", async () => {
    const built = await buildProgram("floodhog");
    expect(built.safepoints).toEqual(["floodhog/main"]);
    const r = await run(built.binary);
    expect(r.stdout).toEqual(["ticks 3, flooded: yes"]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toEqual(["weft: main ended with 1 fiber still alive:", '  #2 "flood" ready']);
  });

  it("puts no safepoint in a standard-library loop that asc inlines into the program's code", async () => {
    // bench/programs/kernel.ts: `kernel` has four loops of its own, and asc inlines
    // Array#map and #reduce, loops and all, into it
    const on = await buildProgram("bench/programs/kernel.ts");
    const module = binaryen.readBinary(on.binary);
    try {
      const text = module.emitText();
      expect(text).not.toMatch(/\(func \$~lib\/array\/Array<i32>#map/);
      expect(text).not.toMatch(/\(func \$~lib\/array\/Array<f64>#reduce/);
      const kernel = text.split("(func $kernel/kernel ")[1].split("\n (func ")[0];
      // the fill loop, the push loop and the area loop; the round loop goes round only
      // through the fill loop, which counts for it
      expect(kernel.match(/call \$~lib\/weft\/sched\/slice\/safepoint/g)?.length).toBe(3);
    } finally {
      module.dispose();
    }
    // the same sum as the build without safepoints (`--no-preempt`) computes: the loops
    // the safepoints split still run every iteration once
    const program = await WeftProgram.load(on.binary, { stdout: () => {}, stderr: () => {} });
    program.run();
    expect((program.exports as unknown as { kernel: (rounds: number) => number }).kernel(3)).toBe(9096794.247162223);
  });

  it("answers TCP connections while a fiber spins", async () => {
    const s = await start("spinserve");
    const [, port] = await s.line(/^port (\d+)$/);
    for (let i = 0; i < 3; i++) expect(await echo(Number(port), `ping ${i}\n`)).toBe(`ping ${i}\n`);
    const result = await s.done;
    expect(s.stdout).toEqual([`port ${port}`, "served 3, hog ran: yes"]);
    expect(result.exitCode).toBe(0);
  });

  it("prints a SIGQUIT dump naming the spinning fiber and its function", async () => {
    const { code, stderr: lines } = await quitWhen((await buildProgram("hog")).binary, "tick 1");
    expect(code).toBe(2);
    // the sleeper (20 ms) may have ended by the time the signal is handled on a loaded machine
    expect(lines[0]).toMatch(/^SIGQUIT: [23] fibers alive, \d blocked, \d+ switches, 3 spawned, peak 3$/);
    expect(lines).toContain('  #2 "hog" ready (preempted in hog/hog)');
  });
});

/**
 * The safepoint transform on a module built by hand: the scheduler's counter and slow path
 * are stand-ins (the slow path counts its calls, notes the site and refills the counter with
 * 10), so that the counts are exact: an entry into a loop's body takes one unit, and a call
 * comes each time an entry finds the counter run out, after which the same iteration runs.
 */
describe("the safepoint transform", () => {
  const i32 = binaryen.i32;
  /** sum of 0..99 by a loop of each kind, and a nest; `workLeft`, `calls`, `sites` exported. */
  function loops(): binaryen.Module {
    const m = new binaryen.Module();
    m.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals); // exported counters
    m.setMemory(1, 1, "memory");
    m.addGlobal(WORK_LEFT_GLOBAL, i32, true, m.i32.const(0));
    m.addGlobal("calls", i32, true, m.i32.const(0));
    m.addGlobal("sites", i32, true, m.i32.const(0));
    const g = (name: string) => m.global.get(name, i32);
    m.addFunction(
      SAFEPOINT,
      i32,
      binaryen.none,
      [],
      m.block(null, [
        m.global.set("calls", m.i32.add(g("calls"), m.i32.const(1))),
        m.global.set("sites", m.i32.or(g("sites"), m.i32.shl(m.i32.const(1), m.local.get(0, i32)))),
        m.global.set(WORK_LEFT_GLOBAL, m.i32.const(10)),
      ]),
    );
    // the core's placeholder, whose body the transform writes (assembly/sched/slice.ts)
    m.addFunction(SITE_NAME_INTO, binaryen.createType([i32, i32]), i32, [], m.i32.const(0));
    m.addFunctionExport(SITE_NAME_INTO, "siteNameInto");
    const i = () => m.local.get(0, i32);
    const sum = () => m.local.get(1, i32);
    const step = () =>
      m.block(null, [m.local.set(1, m.i32.add(sum(), i())), m.local.set(0, m.i32.add(i(), m.i32.const(1)))]);
    const below100 = () => m.i32.lt_s(i(), m.i32.const(100));
    // loop $L (if (i < 100) (then step; br $L)): no value; its body is entered 101 times
    m.addFunction("loops/none", binaryen.none, i32, [i32, i32], m.block(null, [m.loop("L", m.if(below100(), m.block(null, [step(), m.br("L")]))), sum()], i32));
    // loop $L (result i32) step; br_if $L (i < 100); sum: a value; entered 100 times
    m.addFunction("loops/value", binaryen.none, i32, [i32, i32], m.loop("L", m.block(null, [step(), m.br("L", below100()), sum()], i32)));
    // block $exit (loop $L (br_if $exit sum (i >= 100)) step; br $L): never falls through; entered 101 times
    m.addFunction(
      "loops/unreachable",
      binaryen.none,
      i32,
      [i32, i32],
      m.block("exit", [m.loop("L", m.block(null, [m.drop(m.br("exit", m.i32.ge_s(i(), m.i32.const(100)), sum())), step(), m.br("L")]))], i32),
    );
    // 10 rounds of an inner loop of 10: the outer loop goes round only through the inner one
    const j = () => m.local.get(2, i32);
    const inner = () =>
      m.block(null, [
      m.local.set(2, m.i32.const(0)),
      m.loop("In", m.if(m.i32.lt_s(j(), m.i32.const(10)), m.block(null, [step(), m.local.set(2, m.i32.add(j(), m.i32.const(1))), m.br("In")]))),
    ]);
    m.addFunction(
      "loops/nest",
      binaryen.none,
      i32,
      [i32, i32, i32],
      m.block(null, [m.loop("Out", m.if(below100(), m.block(null, [inner(), m.br("Out")]))), sum()], i32),
    );
    // the same, but the inner loop is skipped once i >= 50: the outer loop keeps a safepoint
    const skippable = m.block(null, [m.block("skip", [m.br("skip", m.i32.ge_s(i(), m.i32.const(50))), inner()]), step()]);
    m.addFunction(
      "loops/maybe",
      binaryen.none,
      i32,
      [i32, i32, i32],
      m.block(null, [m.loop("Out", m.if(below100(), m.block(null, [skippable, m.br("Out")]))), sum()], i32),
    );
    for (const name of ["none", "value", "unreachable", "nest", "maybe"]) m.addFunctionExport(`loops/${name}`, name);
    for (const name of ["calls", "sites", WORK_LEFT_GLOBAL]) m.addGlobalExport(name, name === WORK_LEFT_GLOBAL ? "workLeft" : name);
    return m;
  }

  it("runs every iteration once, and the slow path each time the counter runs out, for loops of every type", async () => {
    const m = loops();
    try {
      expect(m.validate()).toBe(1);
      expect(insertSafepoints(m, true)).toEqual(["loops/none", "loops/value", "loops/unreachable", "loops/nest", "loops/maybe"]);
      expect(m.validate()).toBe(1);
      const text = m.emitText();
      const sites = (fn: string) => (text.split(`(func $${fn} `)[1].split("\n (func ")[0].match(/call \$~lib\/weft\/sched\/slice\/safepoint/g) ?? []).length;
      // one site per loop, and the nest's outer loop needs none: the inner one counts its rounds
      expect(["none", "value", "unreachable", "nest", "maybe"].map((f) => sites(`loops/${f}`))).toEqual([1, 1, 1, 1, 2]);
      const binary = m.emitBinary();
      const module = new WebAssembly.Module(new Uint8Array(binary));
      const x = new WebAssembly.Instance(module).exports as Record<string, WebAssembly.Global | WebAssembly.Memory | ((...args: number[]) => number)>;
      // each site's function name, as the core reads it for dumps; 0 for a site past the last
      const siteName = (site: number) => {
        const bytes = new Uint8Array((x.memory as WebAssembly.Memory).buffer);
        bytes.fill(0xee, 100, 200);
        const n = (x.siteNameInto as (site: number, buf: number) => number)(site, 100);
        return new TextDecoder().decode(bytes.subarray(100, 100 + n));
      };
      expect([0, 1, 2, 3, 4, 5].map(siteName)).toEqual(["loops/none", "loops/value", "loops/unreachable", "loops/nest", "loops/maybe", ""]);
      const global = (name: string) => x[name] as WebAssembly.Global;
      const outcome = (name: string) => {
        global("calls").value = 0;
        global("sites").value = 0;
        global("workLeft").value = 0;
        return [(x[name] as () => number)(), global("calls").value, global("sites").value];
      };
      // 101 entries: the first finds 0 left, and each call gives 10 more: 11 calls
      expect(outcome("none")).toEqual([4950, 11, 1 << 0]);
      expect(outcome("value")).toEqual([4950, 10, 1 << 1]);
      expect(outcome("unreachable")).toEqual([4950, 11, 1 << 2]);
      // 10 rounds of 11 entries into the inner loop: 110 entries
      expect(outcome("nest")).toEqual([4950, 11, 1 << 3]);
      // i: 0..49 in rounds of 10 inner steps and one outer step (5 rounds), then 55..99 one
      // per round: 5 rounds x 12 entries (outer + 11 inner) + 45 + 1 outer entries = 106
      expect(outcome("maybe")).toEqual([4950, 11, 1 << 4]);
    } finally {
      m.dispose();
    }
  });
});
