// threadsrun.ts: what the threads tests (tests/threads.test.ts, tests/stress/threads.test.ts)
// share: the one threads build of tests/programs/threads.ts they all use, and running an
// export on the worker threads only.
//
// Calls run on the workers (threads 1..N-1) while thread 0, the test's own thread, stays
// in JavaScript: a thread that traps in the middle of a collection leaves the others
// stopped (the world is not restarted after a trap yet), and thread 0 must then still be
// able to report it and close the group instead of blocking the test run.
import { buildProgram } from "./helpers.js";
import { NodeThreads } from "../host/node/threads.js";

/** The threads build of tests/programs/threads.ts (cached: one build for every threads test). */
export async function threadsModule(use: string[] = []): Promise<WebAssembly.Module> {
  return WebAssembly.compile((await buildProgram("threads", { threads: true, use })).binary);
}

/** Longest a group of calls may take before the test calls it stuck (a hang guard, not a timing check). */
const STUCK_MS = 120_000;

/**
 * Calls `name(args(i))` on every worker thread of `group` at once and returns their
 * results by thread (1..N-1). Rejects if a call fails, or if the calls have not all
 * returned after STUCK_MS (some thread is stuck: the message says which did not answer).
 */
export async function onWorkers(group: NodeThreads, name: string, args: (thread: number) => number[]): Promise<number[]> {
  const threads = Array.from({ length: group.size - 1 }, (_, i) => i + 1);
  const answered = new Set<number>();
  const calls = threads.map((t) => group.call(t, name, ...args(t)).then((v) => (answered.add(t), v)));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const waiting = threads.filter((t) => !answered.has(t));
      reject(new Error(`${name}: thread(s) ${waiting.join(", ")} did not return within ${STUCK_MS / 1000} s`));
    }, STUCK_MS);
  });
  try {
    return await Promise.race([Promise.all(calls), stuck]);
  } finally {
    clearTimeout(timer);
    // a call that failed after another rejected must not go unhandled
    for (const call of calls) call.catch(() => {});
  }
}
