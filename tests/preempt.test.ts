import { describe, it, expect } from "vitest";
import { connect } from "node:net";
import { buildProgram, quitWhen, run } from "./helpers.js";
import { start } from "./iohelpers.js";
import { WeftProgram } from "../host/runtime.js";

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
    const [sites] = WebAssembly.Module.customSections(new WebAssembly.Module(built.binary), "weft.safepoints");
    expect(new TextDecoder().decode(sites).split("\n")).toEqual(["floodhog/main"]);
    const r = await run(built.binary);
    expect(r.stdout).toEqual(["ticks 3, flooded: yes"]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toEqual(["weft: main ended with 1 fiber still alive:", '  #2 "flood" ready']);
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
    expect(lines[0]).toMatch(/^SIGQUIT: 3 fibers alive, \d blocked, \d+ switches, 3 spawned, peak 3$/);
    expect(lines).toContain('  #2 "hog" ready (preempted in hog/hog)');
  });
});
