// The Worker bridge (host/worker.ts), both ends in one thread over a MessageChannel: the
// same messages a page and a dedicated Worker exchange. The page tests run it across a
// real Worker in Chromium.

import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { serveProgram, WorkerProgram, LoadError, type Endpoint, type FiberFailure, type Stats } from "../../host/index.js";
import { buildProgram } from "../helpers.js";

let bytes: Uint8Array<ArrayBuffer>;
const open: MessagePort[] = [];

beforeAll(async () => {
  bytes = new Uint8Array((await buildProgram("bridge")).binary);
});
afterEach(() => {
  for (const port of open.splice(0)) port.close();
});

/** A page end and a worker end joined by a MessageChannel. */
function pair(): { page: Endpoint; worker: Endpoint } {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  return { page: port1 as unknown as Endpoint, worker: port2 as unknown as Endpoint };
}

/** The worker end of the tests: the program's `app` imports over the bridge's context. */
function serveBridgeProgram(worker: Endpoint): void {
  serveProgram(
    {
      imports: (context) => {
        let stopped = false;
        context.onMessage((message) => {
          if (message === "stop") stopped = true;
        });
        return {
          app: {
            factor: () => (context.data as { factor: number }).factor,
            report: (value: number) => context.post({ product: value }),
            stopped: () => stopped,
          },
        };
      },
      sample: (program) => program.exports.__weft_alive(),
      sampleMs: 1,
    },
    worker,
  );
}

describe("Worker bridge", () => {
  test("output, failures, samples and messages both ways; the result at the end", async () => {
    const { page, worker } = pair();
    serveBridgeProgram(worker);
    const stdout: string[] = [];
    const stderr: string[] = [];
    const failures: FiberFailure[] = [];
    const messages: unknown[] = [];
    const samples: { stats: Stats; sample: unknown }[] = [];
    const remote = WorkerProgram.start(page, bytes, {
      name: "bridge.wasm",
      data: { factor: 7 },
      stdout: (l) => stdout.push(l),
      stderr: (l) => stderr.push(l),
      onFailure: (f) => failures.push(f),
      onMessage: (m) => {
        messages.push(m);
        // the program reported: now let it finish
        remote.post("stop");
      },
      onSample: (stats, sample) => samples.push({ stats, sample }),
    });
    const result = await remote.done;
    expect(result.exitCode).toBe(0);
    expect(stdout).toEqual(["hello from the worker", "stopped after spinning"]);
    expect(messages).toEqual([{ product: 42 }]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ fiberId: 2, fiberName: "failing", kind: "Abort", message: "this fiber fails on purpose" });
    expect(result.failures).toEqual(failures);
    expect(stderr).toEqual([]); // failures go to onFailure, which the page handles
    // a last sample is sent when the program ends: its counters are the final ones
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.at(-1)!.stats).toEqual(result.stats);
    expect(samples.at(-1)!.sample).toBe(0);
    expect(remote.stats).toEqual(result.stats);
    expect(remote.finished).toBe(true);
  });

  test("a module that cannot load rejects `done` with a LoadError naming it", async () => {
    const { page, worker } = pair();
    serveBridgeProgram(worker);
    const remote = WorkerProgram.start(page, new Uint8Array([0, 97, 115, 109]), { name: "broken.wasm" });
    const error = await remote.done.catch((e) => e);
    expect(error).toBeInstanceOf(LoadError);
    expect(error.message).toMatch(/^broken\.wasm is not a valid WebAssembly module: /);
  });

  test("a worker serves one program: a second start is refused", async () => {
    const { page, worker } = pair();
    serveBridgeProgram(worker);
    const stderr: string[] = [];
    const first = WorkerProgram.start(page, bytes, { data: { factor: 1 }, stdout: () => {}, stderr: (l) => stderr.push(l), onMessage: () => first.post("stop") });
    const second = WorkerProgram.start(page, bytes, { data: { factor: 1 } });
    await expect(second.done).rejects.toThrow("this worker already runs a program; start another worker");
    expect((await first.done).exitCode).toBe(0);
    // without onFailure, a failure is reported on stderr as the runtime reports it
    expect(stderr).toEqual([expect.stringMatching(/^weft: fiber #2 "failing" failed: this fiber fails on purpose at .*bridge\.ts:\d+:\d+$/)]);
  });

  test("terminate() rejects `done`", async () => {
    const { page, worker } = pair();
    serveBridgeProgram(worker);
    const remote = WorkerProgram.start(page, bytes, { name: "spinner", data: { factor: 1 }, stdout: () => {} });
    remote.terminate();
    await expect(remote.done).rejects.toThrow("spinner was terminated");
  });
});
