// tracejson.ts: a recorder's records (host/trace.ts) as a Chrome Trace Event file, the
// JSON format that Perfetto (ui.perfetto.dev), chrome://tracing and the live view
// (examples/browser/) load. Standard web APIs only.
//
// What the file holds (docs/TRACING.md has the picture):
//   - pid 1 is the scheduler (one per thread, once there are threads); tid = fiber id,
//     one named track per fiber (`thread_name` "#3 worker"), tid 0 the scheduler itself;
//   - run slices: `X` events, cat "run", on the fiber's track, one per time it ran;
//   - block slices: `X` events, cat "block", named by what the fiber waited for
//     ("chan #3 recv", "mutex #2", "sleep", "join #4", "I/O read #7", ...), from the end
//     of the run slice in which it blocked to its wake-up; args say who woke it;
//   - wake-ups by another fiber: flow events `s` (on the waker's track, inside its run
//     slice) and `f` (bp "e", at the start of the woken fiber's next run slice);
//   - instants (`i`): spawn, end, failure (with its message), host calls, marks,
//     trace start/stop and gaps;
//   - the collector's track (tid COLLECTOR_TID, "collector"): each incremental step as an
//     `X` "gc step", instants "gc: cycle done" and "gc: full collection", and a counter
//     (`C`, "gc allocated bytes");
//   - scheduler slices (cat "scheduler", tid 0): each call of the host into the scheduler.
// Invariants (tests/trace.test.ts checks them): on each track the X events never overlap,
// every slice is closed, every block ends at a wake or at the end of the trace (args say
// which), every flow `s` has its `f`.
//
// Times: records the core stamped carry the host clock; the others get a time
// interpolated by position between the stamped records around them (assembly/trace.ts
// explains why). ts is in microseconds from the first record.

import { FailureKind } from "./abi.js";
import { Kind, Out, RECORD_SIZE, type TraceRecorder } from "./trace.js";

/** One Chrome Trace Event. */
export interface TraceEvent {
  name: string;
  ph: "X" | "i" | "s" | "f" | "M" | "C";
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: "e";
  s?: "t" | "p" | "g";
  args?: Record<string, unknown>;
}

/** A Chrome Trace Event file (JSON object form). */
export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ms" | "ns";
  otherData: Record<string, unknown>;
}

/** The process id of the (one) scheduler: tracks group under it. */
export const SCHEDULER_PID = 1;
/** The collector's track (a tid no fiber gets; sorted first). */
export const COLLECTOR_TID = 2147483646;

const WAIT_KINDS: Record<number, [reason: string, object: string]> = {
  0: ["chan send", "chan #% send"],
  1: ["chan recv", "chan #% recv"],
  2: ["mutex", "mutex #%"],
  3: ["waitgroup", "waitgroup #%"],
  4: ["semaphore", "sema #%"],
  5: ["once", "once #%"],
  6: ["cond", "cond #%"],
  7: ["host call", "host call #%"],
  10: ["scope", "scope #% wait"],
};
const OUTCOMES = ["ok", "closed", "would block", "cancelled", "timed out"];
const FAILURE_KINDS = Object.fromEntries(Object.entries(FailureKind).map(([k, v]) => [v, k]));
const GC_PHASES = ["idle", "mark", "sweep"];
const RUN_STATUS = ["main ended", "idle", "budget", "waiting"];

interface FiberTrack {
  run: number | null;
  /** The last run slice, for flow starts that come right after it ended (joiners of an ended fiber). */
  lastStart: number;
  lastEnd: number;
  block: { ts: number; name: string; reason: string; object: string } | null;
  flows: number[];
  spawnFlow: number | null;
}

/** Turns what `recorder` holds into a Chrome Trace Event file. */
export function toChromeTrace(recorder: TraceRecorder, name = "weft program"): ChromeTrace {
  // flatten the chunks; a gap (records the core dropped) becomes a pseudo-record
  type Rec = { kind: number; sub: number; reason: number; fiber: number; arg: number; arg2: number; time: number; text: string | null };
  const recs: Rec[] = [];
  const GAP = 100;
  for (const chunk of recorder.chunks) {
    const v = new DataView(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
    for (let p = 0; p < chunk.bytes.length; p += RECORD_SIZE) {
      const kind = v.getUint8(p);
      const arg2 = v.getUint32(p + 12, true);
      const hasText = kind === Kind.Spawn || kind === Kind.Fail || kind === Kind.HostCall || kind === Kind.Mark;
      recs.push({
        kind,
        sub: v.getUint8(p + 1),
        reason: v.getUint16(p + 2, true),
        fiber: v.getUint32(p + 4, true),
        arg: v.getUint32(p + 8, true),
        arg2,
        time: v.getFloat64(p + 16, true),
        text: hasText && arg2 !== 0 ? (chunk.strings[arg2 - 1] ?? null) : null,
      });
    }
    if (chunk.droppedAfter > 0) recs.push({ kind: GAP, sub: 0, reason: 0, fiber: 0, arg: chunk.droppedAfter, arg2: 0, time: NaN, text: null });
  }
  interpolate(recs);
  const t0 = recs.length ? recs[0].time : 0;
  const us = (t: number) => Math.round((t - t0) * 1e6) / 1e3; // ms → µs, ns precision

  const events: TraceEvent[] = [];
  const meta: TraceEvent[] = [];
  const tracks = new Map<number, FiberTrack>();
  const hostCalls = new Map<number, { what: string; fiber: number; io: boolean }>();
  let flowId = 0;
  /** Flows started whose end has not been written yet. */
  const openFlows = new Set<number>();
  const flowEnd = (tid: number, ts: number, id: number, name: string) => {
    events.push({ name, ph: "f", bp: "e", ts, pid: SCHEDULER_PID, tid, cat: name, id });
    openFlows.delete(id);
  };
  let runBegin: number | null = null;
  let gcStep: { ts: number; bytes: number } | null = null;
  let collectorSeen = false;
  let lastTs = 0;

  const track = (id: number): FiberTrack => {
    let t = tracks.get(id);
    if (!t) {
      t = { run: null, lastStart: -1, lastEnd: -1, block: null, flows: [], spawnFlow: null };
      tracks.set(id, t);
    }
    return t;
  };
  const instant = (tid: number, ts: number, name: string, cat: string, args?: Record<string, unknown>, scope: "t" | "p" = "t") =>
    events.push({ name, ph: "i", ts, pid: SCHEDULER_PID, tid, s: scope, cat, ...(args ? { args } : {}) });
  const closeRun = (id: number, ts: number, args?: Record<string, unknown>) => {
    const t = track(id);
    if (t.run === null) return;
    events.push({ name: "running", ph: "X", ts: t.run, dur: Math.max(0, ts - t.run), pid: SCHEDULER_PID, tid: id, cat: "run", ...(args ? { args } : {}) });
    t.lastStart = t.run;
    t.lastEnd = ts;
    t.run = null;
  };
  const closeBlock = (id: number, ts: number, args: Record<string, unknown>) => {
    const t = track(id);
    const b = t.block;
    if (b === null) return;
    events.push({ name: b.name, ph: "X", ts: b.ts, dur: Math.max(0, ts - b.ts), pid: SCHEDULER_PID, tid: id, cat: "block", args: { reason: b.reason, object: b.object, ...args } });
    t.block = null;
  };
  /** A flow start on `waker`'s track at `ts`, inside its open run slice or at the end of its last one. */
  const flowStart = (waker: number, ts: number, name: string): number | null => {
    const w = track(waker);
    let at = ts;
    if (w.run === null) {
      if (w.lastEnd < 0) return null;
      at = Math.min(Math.max(ts, w.lastStart), w.lastEnd);
    }
    const id = ++flowId;
    events.push({ name, ph: "s", ts: at, pid: SCHEDULER_PID, tid: waker, cat: name, id });
    openFlows.add(id);
    return id;
  };
  const blockName = (reason: number, id: number): { name: string; reason: string; object: string } => {
    switch (reason) {
      case 1:
        return { name: "park", reason: "park", object: "" };
      case 2:
        return { name: "sleep", reason: "sleep", object: "" };
      case 3:
        return { name: `join #${id}`, reason: "join", object: `fiber #${id}` };
      case 4:
        return { name: `select (${id} case${id === 1 ? "" : "s"})`, reason: "select", object: "" };
    }
    const kind = WAIT_KINDS[reason - 16];
    if (!kind) return { name: `wait (${reason})`, reason: "wait", object: "" };
    if (reason - 16 === 7) {
      const call = hostCalls.get(id);
      if (call?.io) return { name: `I/O ${call.what} #${id}`, reason: "I/O", object: `${call.what} #${id}` };
      if (call) return { name: `host ${call.what} #${id}`, reason: "host call", object: `host ${call.what} #${id}` };
    }
    const object = kind[1].replace("%", String(id));
    return { name: object, reason: kind[0], object };
  };
  function dropOpenFlows(): void {
    if (openFlows.size === 0) return;
    let k = 0;
    for (const e of events) if (!(e.ph === "s" && openFlows.has(e.id!))) events[k++] = e;
    events.length = k;
    openFlows.clear();
  }
  const fiberLabel = (id: number) => (id === 0 ? "the scheduler" : recorder.names.has(id) ? `#${id} ${recorder.names.get(id)}` : `#${id}`);

  if (recorder.droppedOldest > 0) instant(0, 0, `${recorder.droppedOldest} earlier records dropped (host limit ${recorder.maxRecords})`, "gap", undefined, "p");

  for (const r of recs) {
    const ts = us(r.time);
    lastTs = ts;
    switch (r.kind) {
      case Kind.Switch: {
        if (r.arg !== 0) {
          closeRun(r.arg, ts);
          if (r.sub === Out.Block) {
            const b = blockName(r.reason, r.arg2);
            track(r.arg).block = { ts, ...b };
          }
        }
        if (r.fiber !== 0) {
          const t = track(r.fiber);
          // woken unseen (tracing started while it was blocked, or a gap)
          if (t.block) closeBlock(r.fiber, ts, { woken_by: "unknown" });
          t.run = ts;
          for (const id of t.flows) flowEnd(r.fiber, ts, id, "wake");
          t.flows = [];
          if (t.spawnFlow !== null) flowEnd(r.fiber, ts, t.spawnFlow, "spawn");
          t.spawnFlow = null;
        }
        break;
      }
      case Kind.Wake: {
        const outcome = OUTCOMES[r.reason] ?? String(r.reason);
        let by: string;
        if (r.sub === 1) by = r.reason === 4 ? "deadline" : "timer";
        else if (r.sub === 3) by = r.arg !== 0 ? `cancel by ${fiberLabel(r.arg)}` : "cancel";
        else if (r.arg === 0) by = "host";
        else by = fiberLabel(r.arg);
        const t = track(r.fiber);
        const hadBlock = t.block !== null;
        closeBlock(r.fiber, ts, { woken_by: by, outcome });
        if (r.arg !== 0 && r.arg !== r.fiber) {
          const id = flowStart(r.arg, ts, "wake");
          if (id !== null) t.flows.push(id);
        }
        if (!hadBlock && r.arg === 0) instant(r.fiber, ts, `woken by ${by}`, "wake", { outcome });
        break;
      }
      case Kind.Spawn: {
        if (r.sub === 1) {
          // alive when tracing started: only its name
          if (r.text !== null) {
            meta.push({ name: "thread_name", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: r.fiber, args: { name: `#${r.fiber} ${r.text}` } });
            meta.push({ name: "thread_sort_index", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: r.fiber, args: { sort_index: r.fiber } });
          }
          break;
        }
        const label = r.text !== null ? `#${r.fiber} ${r.text}` : `#${r.fiber}`;
        meta.push({ name: "thread_name", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: r.fiber, args: { name: label } });
        meta.push({ name: "thread_sort_index", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: r.fiber, args: { sort_index: r.fiber } });
        instant(r.fiber, ts, "spawn", "spawn", { by: fiberLabel(r.arg) });
        if (r.arg !== 0) {
          const id = flowStart(r.arg, ts, "spawn");
          if (id !== null) track(r.fiber).spawnFlow = id;
        }
        break;
      }
      case Kind.End: {
        closeRun(r.fiber, ts);
        closeBlock(r.fiber, ts, { woken_by: "end" });
        const t = track(r.fiber);
        // a spawn flow whose fiber never ran (failed or cancelled before): finish it here
        if (t.spawnFlow !== null) flowEnd(r.fiber, ts, t.spawnFlow, "spawn");
        t.spawnFlow = null;
        for (const id of t.flows) flowEnd(r.fiber, ts, id, "wake");
        t.flows = [];
        instant(r.fiber, ts, r.sub === 4 ? "end (failed)" : "end", "end");
        break;
      }
      case Kind.Fail:
        instant(r.fiber, ts, `failed: ${r.text ?? "?"}`, "failure", { kind: FAILURE_KINDS[r.sub] ?? String(r.sub), message: r.text ?? "" });
        break;
      case Kind.HostCall:
        hostCalls.set(r.arg, { what: r.text ?? "?", fiber: r.fiber, io: false });
        instant(r.fiber, ts, `host call: ${r.text ?? "?"} #${r.arg}`, "host", { token: r.arg, what: r.text ?? "" });
        break;
      case Kind.Io: {
        const call = hostCalls.get(r.arg);
        if (call) call.io = true;
        break;
      }
      case Kind.HostDone: {
        const call = hostCalls.get(r.arg);
        instant(call?.fiber ?? 0, ts, `host call done: ${call?.what ?? "?"} #${r.arg}${r.sub ? " (error)" : ""}`, "host", { token: r.arg, error: r.sub === 1 });
        break;
      }
      case Kind.Gc: {
        const phase = GC_PHASES[r.reason] ?? String(r.reason);
        collectorSeen = true;
        events.push({ name: "gc allocated bytes", ph: "C", ts, pid: SCHEDULER_PID, tid: COLLECTOR_TID, args: { bytes: r.arg } });
        if (r.sub === 0) {
          gcStep = { ts, bytes: r.arg };
        } else if (r.sub === 1) {
          if (gcStep !== null) {
            events.push({ name: "gc step", ph: "X", ts: gcStep.ts, dur: Math.max(0, ts - gcStep.ts), pid: SCHEDULER_PID, tid: COLLECTOR_TID, cat: "gc", args: { bytes_before: gcStep.bytes, bytes_after: r.arg, phase_after: phase } });
          }
          gcStep = null;
          if (r.reason === 0) instant(COLLECTOR_TID, ts, "gc: cycle done", "gc", { bytes: r.arg });
        } else {
          instant(COLLECTOR_TID, ts, "gc: full collection", "gc", { bytes: r.arg });
        }
        break;
      }
      case Kind.RunBegin:
        runBegin = ts;
        break;
      case Kind.RunEnd:
        if (runBegin !== null) {
          events.push({ name: "scheduler", ph: "X", ts: runBegin, dur: Math.max(0, ts - runBegin), pid: SCHEDULER_PID, tid: 0, cat: "scheduler", args: { returned: RUN_STATUS[r.sub] ?? r.sub } });
        }
        runBegin = null;
        break;
      case Kind.Toggle:
        instant(0, ts, r.sub ? `trace started${r.arg ? " by the program" : ""}` : `trace stopped${r.arg ? " by the program" : ""}`, "trace", undefined, "p");
        if (r.sub === 0) {
          // nothing is known until the next start: close what is open
          for (const [id] of tracks) {
            closeRun(id, ts);
            closeBlock(id, ts, { woken_by: "trace stopped" });
          }
          if (runBegin !== null) {
            events.push({ name: "scheduler", ph: "X", ts: runBegin, dur: Math.max(0, ts - runBegin), pid: SCHEDULER_PID, tid: 0, cat: "scheduler" });
            runBegin = null;
          }
        }
        break;
      case Kind.Mark:
        instant(r.fiber, ts, r.text ?? "mark", "mark");
        break;
      case GAP:
        instant(0, ts, `${r.arg} records dropped (ring full)`, "gap", { dropped: r.arg }, "p");
        for (const [id, t] of tracks) {
          closeRun(id, ts, { cut: "gap" });
          closeBlock(id, ts, { woken_by: "unknown (gap)" });
          t.flows = [];
          t.spawnFlow = null;
        }
        // flows already started lose their ends in the gap: drop those starts
        dropOpenFlows();
        break;
    }
  }
  // the end of the trace: what is still open ends here
  for (const [id] of tracks) {
    closeRun(id, lastTs);
    closeBlock(id, lastTs, { woken_by: "end of trace" });
  }
  // flows whose woken fiber never ran again: drop their starts
  dropOpenFlows();
  if (runBegin !== null) events.push({ name: "scheduler", ph: "X", ts: runBegin, dur: Math.max(0, lastTs - runBegin), pid: SCHEDULER_PID, tid: 0, cat: "scheduler" });

  // every track seen gets a name, spawned in the trace or not
  const named = new Set(meta.filter((m) => m.name === "thread_name").map((m) => m.tid));
  for (const id of tracks.keys()) {
    if (named.has(id)) continue;
    meta.push({ name: "thread_name", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: id, args: { name: fiberLabel(id) } });
    meta.push({ name: "thread_sort_index", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: id, args: { sort_index: id } });
  }
  if (gcStep !== null) {
    events.push({ name: "gc step", ph: "X", ts: gcStep.ts, dur: Math.max(0, lastTs - gcStep.ts), pid: SCHEDULER_PID, tid: COLLECTOR_TID, cat: "gc", args: { bytes_before: gcStep.bytes } });
  }
  if (collectorSeen) {
    meta.unshift(
      { name: "thread_name", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: COLLECTOR_TID, args: { name: "collector" } },
      { name: "thread_sort_index", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: COLLECTOR_TID, args: { sort_index: -1 } },
    );
  }
  meta.unshift(
    { name: "process_name", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: 0, args: { name: `${name} (scheduler 0)` } },
    { name: "thread_name", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: 0, args: { name: "scheduler" } },
    { name: "thread_sort_index", ph: "M", ts: 0, pid: SCHEDULER_PID, tid: 0, args: { sort_index: 0 } },
  );
  events.sort((a, b) => a.ts - b.ts);
  return {
    traceEvents: [...meta, ...events],
    displayTimeUnit: "ms",
    otherData: {
      producer: "weft",
      program: name,
      stampEvery: recorder.stampEvery,
      droppedInCore: recorder.droppedInCore,
      droppedOldest: recorder.droppedOldest,
    },
  };
}

/**
 * Gives every record without a clock reading (NaN) a time between the stamped records
 * around it, by position; records before the first or after the last stamped one take
 * that one's time.
 */
function interpolate(recs: { time: number }[]): void {
  let prev = -1;
  for (let i = 0; i <= recs.length; i++) {
    if (i < recs.length && Number.isNaN(recs[i].time)) continue;
    // recs (prev, i) are unstamped
    const from = prev >= 0 ? recs[prev].time : i < recs.length ? recs[i].time : 0;
    const to = i < recs.length ? recs[i].time : from;
    const span = i - prev;
    for (let k = prev + 1; k < i; k++) recs[k].time = from + ((to - from) * (k - prev)) / span;
    prev = i;
  }
}
