// index.ts: the `weft` package entry: the host core for every JavaScript environment.
//
// Everything exported here uses only standard web APIs, so one bundle runs unchanged in a
// page, a dedicated Worker, an edge-style module worker and Node. Node's extras (files,
// process streams, SIGQUIT) are `weft/node`; the build pipeline is `weft/build`; the
// AssemblyScript library is `weft/assembly/...` (asc resolves `import ... from "weft"` in
// a program by itself). The tests bundle this entry and check that no Node built-in is
// reachable from it.

// loading and running a program
export { WeftProgram, LoadError, FiberError, asyncImport, DUMP_LIMIT, type AsyncImport, type RuntimeOptions, type RunResult, type FiberFailure, type Stats } from "./runtime.js";
export { loadProgram, compileProgram, type ProgramSource } from "./load.js";
// talking with fibers: ports (program.ports), host calls, host-spawned fibers
export { Ports, type PortHandler } from "./ports.js";
export { type IoContexts } from "./fetch.js";
// traces: the raw records, their Chrome Trace Event form, and the sums over one
export { TraceRecorder, type TraceOptions } from "./trace.js";
export { toChromeTrace, COLLECTOR_TID, type ChromeTrace, type TraceEvent } from "./tracejson.js";
export { summarize, checkTrace, type TraceSummary, type FiberSummary, type ObjectSummary } from "./tracesummary.js";
// the module ABI, for hosts that drive the core themselves
export { RunStatus, RUN_BUDGET, FailureKind, readStats, readString, writeString, type WeftExports } from "./abi.js";
// a program in a dedicated Worker, driven from the page
export { WorkerProgram, serveProgram, type WorkerProgramOptions, type ServeOptions, type WorkerContext, type Endpoint, type PostableSource } from "./worker.js";
