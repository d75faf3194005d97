// weft: fibers for AssemblyScript. The public API; everything here is re-exported.
//
//   import { spawn, yieldNow } from "weft";
//
//   function worker(): void {
//     for (let i = 0; i < 3; i++) { console.log("tick"); yieldNow(); }
//   }
//
//   export function main(): void {
//     const w = spawn(worker, "worker");
//     w.join();
//   }
//
// A program exports `main`; it runs as fiber #1 and the program ends when it returns.
// Build with `weft build app.ts -o app.wasm`, run with `weft run app.wasm`.

// fibers
export { Fiber } from "./fiber";
export { FiberState, Outcome, outcomeName } from "./record";
export { Failure, FailureKind } from "./failure";
export { spawn, spawnWith, currentFiber, ready } from "./sched/spawn";
export { yieldNow, park } from "./sched/suspend";
export { outcome } from "./sched/wait";
// structured concurrency
export { Scope } from "./scope";
export { ScopeCore } from "./scopecore";
// communication and synchronization (one file each in sync/)
export { Channel, Received } from "./sync/channel";
export { Select, SelectCase, RecvCase, SendCase, SELECT_DEFAULT, SELECT_TIMED_OUT, SELECT_CANCELLED } from "./sync/select";
export { Mutex } from "./sync/mutex";
export { WaitGroup } from "./sync/waitgroup";
export { Semaphore } from "./sync/semaphore";
export { Once } from "./sync/once";
export { Cond } from "./sync/cond";
// time (the timer heap is timer.ts)
export { now, sleep, sleepUntil, setDeadline, deadline } from "./time";
export { Timer, Ticker, after } from "./ticker";
// the host: waiting for it (I/O, promises)
export { HostCall } from "./hostcall";
// the host's I/O: HTTP from a fiber, named string channels to and from the host
export { fetch, FetchOptions, FetchResponse } from "./fetch";
export { fromHost, toHost } from "./port";
// diagnostics
export { dump, schedulerStats, SchedulerStats } from "./sched/diag";
export { traceStart, traceStop, tracing, traceMark } from "./trace";
