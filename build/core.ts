// core.ts: the names under which the build finds weft's core (assembly/) in a compiled
// module, all in one table.
//
// AssemblyScript names a function or global by its file and its name
// (`~lib/weft/<file under assembly/>/<name>`; a generic one with its type arguments, which
// the `*` of a pattern stands for). Moving a function of the core to another file
// therefore renames it here, and only here. The build fails with an internal error when
// the safepoint, its work counter, a suspend primitive's callers or the trampoline go
// missing (preempt.ts, passes.ts `analyze`); a checkpoint or a hook renamed without this
// table only costs speed (a safepoint too many, a hook inlined).

export const CORE = {
  /** The ABI's entry that calls the program's `main` (passes.ts `linkMain`). */
  mainEntry: "~lib/weft/abi/mainEntry",
  /** The scheduler's work counter (state.ts `T.workLeft`), which every safepoint decrements. */
  workLeft: "~lib/weft/state/tWorkLeft",
  /** A safepoint's slow path: a suspend primitive taking the site's index. */
  safepoint: "~lib/weft/sched/slice/safepoint",
  /** Writes a safepoint site's function name; the build makes its body (preempt.ts). */
  siteNameInto: "~lib/weft/sched/slice/siteNameInto",
  /** Suspend primitives that always switch (checkpoints too: see preempt.ts). */
  yieldNow: "~lib/weft/sched/suspend/yieldNow",
  park: "~lib/weft/sched/suspend/park",
  /** Channel primitives (patterns over their instantiations); a send is a checkpoint. */
  chanSend: "~lib/weft/sync/channel/chanSend<*>",
  chanRecv: "~lib/weft/sync/channel/chanRecv<*>",
  /** The trampoline: it starts rewinds and stops unwinds. */
  run: "~lib/weft/sched/run/run",
  /** Switch and exit paths that must stay uninstrumented (build.ts MUST_STAY_PLAIN). */
  finish: "~lib/weft/sched/finish/finish",
  resizeSaved: "~lib/weft/sched/run/resizeSaved",
  barrierSlice: "~lib/weft/sched/run/barrierSlice",
  failFiber: "~lib/weft/sched/fail/failFiber",
  memberEnded: "~lib/weft/scopecore/memberEnded",
  fireTimers: "~lib/weft/sched/fire/fireTimers",
  publishWaiting: "~lib/weft/sched/suspend/publishWaiting",
  /** A channel send's preemption after its checkpoint (build.ts OFF_THE_SWITCH_PATH). */
  preemptAfterCheckpoint: "~lib/weft/sched/slice/preemptAfterCheckpoint",
  /** The trampoline's clock check (build.ts OFF_THE_SWITCH_PATH). */
  sliceOver: "~lib/weft/sched/run/sliceOver",
  /** Trace hooks kept out of line (build.ts OUT_OF_LINE_HOOKS). */
  traceSwitch: "~lib/weft/trace/traceSwitch",
  traceWake: "~lib/weft/trace/traceWake",
  traceSpawn: "~lib/weft/trace/traceSpawn",
  traceEnd: "~lib/weft/trace/traceEnd",
} as const;
