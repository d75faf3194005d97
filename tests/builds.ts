// builds.ts: the programs each test file builds, for the build-ahead processes
// (tests/buildahead.ts) to build before the file asks. This list only saves time: a build
// a test asks for that is not here is built when asked, and one listed here that no test
// asks for costs a build for nothing. The global setup's closing report names both kinds
// after a full run, so that the list can follow the tests.
//
// Each entry is what the file passes to buildProgram (`js`), buildWasi (`wasi`), or, for
// the core's semantic tests, buildProgram once per BUILD_MODES entry (`modes`). Files are
// built ahead in the order vitest starts them on a fresh clone (largest first); within a
// file, in the order listed, which should be the order the file asks.
import type { BuildOptions } from "../build/build.js";
import type { CachedBuildRequest } from "./buildcache.js";
import { docBlocks, kind, writeDocEntry } from "./docblocks.js";
import { BUILD_MODES, GC_STRESS_USE, programRequest, wasiRequest, type TestBuildOptions } from "./testbuild.js";

type Ahead = CachedBuildRequest | (() => Promise<CachedBuildRequest[]>);

const js = (name: string, options: TestBuildOptions = {}): Ahead => programRequest(name, options);
const wasi = (name: string, options: Omit<BuildOptions, "entry" | "target"> = {}): Ahead => wasiRequest(name, options);
/** `name` in every build mode (a mode's fields other than its name are build options). */
const modes = (name: string, options: TestBuildOptions = {}): Ahead[] =>
  BUILD_MODES.map(({ mode: _, ...mode }) => programRequest(name, { ...options, ...mode }));

/** Test file (from the repository root) → what it builds. */
export const BUILDS: Record<string, Ahead[]> = {
  "tests/build.test.ts": [
    js("compute", { preempt: false }),
    js("closures", { preempt: false }),
    js("nomain"),
    js("badmain"),
    js("typo"),
    js("sieve", { preempt: false }),
    js("sieve", { shrink: true, preempt: false }),
    js("compute", { scratchSize: 100 }), // refused before compiling: cheap, and cached
    js("mainfails"),
  ],
  "tests/chanprops.test.ts": modes("chanprops", { preempt: false }),
  "tests/core.test.ts": [js("examples/roundrobin.ts"), js("args"), js("leftover"), js("deadlock", { debug: true }), js("callbacks"), js("parking", { debug: true })],
  "tests/docs.test.ts": [
    async () => Promise.all(docBlocks().filter((b) => kind(b) === "program" || kind(b) === "not run").map(async (b) => programRequest(await writeDocEntry(b)))),
    js("examples/sleepers.ts"),
  ],
  "tests/gc.test.ts": [js("gc", { rtrace: true, use: ["ASC_PROFILE=1", "GC_HOLDERS=2000"] })],
  "tests/goconv.test.ts": [js("goconv")],
  "tests/hosts.test.ts": [js("hellosleep"), wasi("hellosleep"), js("serving")],
  "tests/iobad.test.ts": [js("iobad"), js("iotimeout")],
  "tests/iofiles.test.ts": [js("iofiles")],
  "tests/iohttp.test.ts": [js("examples/http/main.ts")],
  "tests/ionet.test.ts": [js("examples/echo/main.ts"), js("iogc")],
  "tests/iostdin.test.ts": [js("examples/stdinticker.ts")],
  "tests/isolation.test.ts": [js("isolation"), js("mainfails")],
  "tests/join.test.ts": [js("join", { debug: true }), js("million")],
  "tests/publish.test.ts": [js("publish", { debug: true }), js("leftover")],
  "tests/leak.test.ts": [js("examples/leak.ts"), js("examples/leakfix.ts"), js("spinner", { use: ["SPIN_LIMIT=1000000"] }), js("spinner")],
  "tests/overflow.test.ts": [
    js("overflow", { scratchSize: 8192, stackSize: 16384 }),
    js("overflow", { scratchSize: 1 << 20, use: ["SKIP_CALLSTACK=1", "SKIP_SHADOW=1"] }),
  ],
  "tests/preempt.test.ts": [js("hog"), js("hog", { preempt: false }), js("floodhog"), js("spinserve"), js("bench/programs/kernel.ts")],
  "tests/scope.test.ts": [js("scopes", { debug: true })],
  "tests/spawnarg.test.ts": modes("spawnarg"),
  "tests/stats.test.ts": [js("counters")],
  "tests/sync.test.ts": [
    ...modes("syncsuite"),
    ...modes("bench/programs/threadring.ts", { use: ["RING_HOPS=1000000"] }),
  ],
  "tests/sync2.test.ts": modes("sync2suite"),
  "tests/time.test.ts": ["timesuite", "selecttimeout", "deadlines", "timerdeadlock", "sleepers", "interop"].map((name) => js(name, name === "deadlines" ? { debug: true } : {})),
  "tests/trace.test.ts": [js("traced", { preempt: false }), js("tracedio")],
  "tests/threads.test.ts": [js("threads", { threads: true }), js("compute", { preempt: false })],
  "tests/threadsched.test.ts": (
    [["15"]] as const
  ).map(([parts, ...use]) => js("threadsched", { threads: true, use: ["WEFT_GC_MIN_BYTES=800000000", `THREADSCHED_PARTS=${parts}`, ...use] })),
  "tests/wasi.test.ts": [
    wasi("examples/wasi/sleepsort.ts"),
    wasi("examples/wasi/sieve.ts"),
    wasi("examples/wasi/wc.ts"),
    ...["isolation", "mainfails", "deadlock", "timerdeadlock", "leftover", "selecttimeout", "toplevel"].flatMap((name) => [js(name, name === "deadlock" ? { debug: true } : {}), wasi(name)]),
    wasi("overflow", { use: ["SKIP_CALLSTACK=1"] }),
    js("overflow", { use: ["SKIP_CALLSTACK=1"] }),
    wasi("isolation", { exceptions: "none" }),
    wasi("sleepers"),
  ],
  "tests/wasigc.test.ts": [
    js("wasigc"),
    wasi("wasigc"),
    wasi("wasigc", { exceptions: "none" }),
    js("wasigctorture"),
    wasi("wasigctorture"),
    wasi("wasigctorture", { exceptions: "none", use: GC_STRESS_USE }),
    ...(["legacy", "none"] as const).map((exceptions) => wasi("wasigcabort", { exceptions, use: ["WASIGC_ABORT=1", ...GC_STRESS_USE] })),
    wasi("wasigcabort", { use: ["WASIGC_ABORT=2", ...GC_STRESS_USE] }),
  ],
  "tests/browser/bridge.test.ts": [js("bridge")],
  "tests/browser/edge.test.ts": [js("examples/edge/app.ts")],
  "tests/browser/io.test.ts": [js("examples/browser/workload.ts"), js("webio"), js("naps")],
  "tests/browser/load.test.ts": [js("examples/roundrobin.ts")],
  "tests/browser/page.test.ts": [js("examples/browser/workload.ts")],
  "tests/browser/trace.test.ts": [js("examples/browser/workload.ts"), js("traced")],
  "tests/browser/webio.test.ts": [js("webio")],
  "tests/browser/workerd.test.ts": [js("examples/edge/app.ts")],
};
