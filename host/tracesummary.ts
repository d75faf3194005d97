// tracesummary.ts: what a trace says per fiber and per channel, in numbers (as `go tool
// trace`'s goroutine analysis does): run time, blocked time by reason, the longest block,
// wake-ups; the busiest channels. Works on the Chrome Trace Event form (host/tracejson.ts)
// so that it reads any file weft wrote. Standard web APIs only; `weft trace summary`
// (host/node/trace.ts) prints it as tables.

import type { ChromeTrace, TraceEvent } from "./tracejson.js";

export interface FiberSummary {
  id: number;
  name: string;
  /** Time in run slices (ms). */
  runMs: number;
  /** Run slices. */
  slices: number;
  /** Blocked time (ms) by reason ("chan recv", "mutex", "sleep", ...). */
  blockedMs: Record<string, number>;
  /** The longest block: what and how long (ms), or null. */
  longestBlock: { name: string; ms: number } | null;
  /** Blocks that ended in a wake-up (not at the end of the trace). */
  wakeups: number;
  /** How it ended: "done", "failed", or "" if it had not ended when the trace did. */
  ended: string;
}

export interface ObjectSummary {
  /** "chan #3" (send and receive waits together), "mutex #2", ... */
  object: string;
  /** Blocks on it. */
  blocks: number;
  /** Time fibers spent blocked on it (ms). */
  blockedMs: number;
  /** Distinct fibers that blocked on it. */
  fibers: number;
}

export interface TraceSummary {
  /** From the first to the last event (ms). */
  spanMs: number;
  fibers: FiberSummary[];
  /** Objects fibers blocked on (channels first among equals), busiest first. */
  objects: ObjectSummary[];
  /** Every reason seen, for the columns of a table. */
  reasons: string[];
  failures: { fiber: string; message: string }[];
  /** Events the trace itself says were lost. */
  gaps: string[];
}

/** Throws an Error naming the problem if `data` is not a Chrome Trace Event file weft can read. */
export function checkTrace(data: unknown): ChromeTrace {
  const events = Array.isArray(data) ? data : (data as { traceEvents?: unknown } | null)?.traceEvents;
  if (!Array.isArray(events)) throw new Error("not a Chrome Trace Event file: expected a JSON object with a traceEvents array (or an array of events)");
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Partial<TraceEvent> | null;
    if (e === null || typeof e !== "object" || typeof e.ph !== "string" || (e.ph !== "M" && typeof e.ts !== "number")) {
      throw new Error(`event ${i} is not a trace event (it needs "ph" and a numeric "ts"): ${JSON.stringify(e).slice(0, 80)}`);
    }
  }
  return Array.isArray(data) ? { traceEvents: events as TraceEvent[], displayTimeUnit: "ms", otherData: {} } : (data as ChromeTrace);
}

/** Sums up `trace` (times in ms). */
export function summarize(trace: ChromeTrace): TraceSummary {
  const names = new Map<string, string>();
  const key = (e: TraceEvent) => `${e.pid}:${e.tid}`;
  const fibers = new Map<string, FiberSummary>();
  const objects = new Map<string, ObjectSummary & { who: Set<string> }>();
  const reasons = new Set<string>();
  const failures: { fiber: string; message: string }[] = [];
  const gaps: string[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const e of trace.traceEvents) {
    if (e.ph === "M") {
      if (e.name === "thread_name") names.set(key(e), String(e.args?.name ?? ""));
      continue;
    }
    first = Math.min(first, e.ts);
    last = Math.max(last, e.ts + (e.dur ?? 0));
  }
  const fiber = (e: TraceEvent): FiberSummary => {
    let f = fibers.get(key(e));
    if (!f) {
      f = { id: e.tid, name: names.get(key(e)) ?? `#${e.tid}`, runMs: 0, slices: 0, blockedMs: {}, longestBlock: null, wakeups: 0, ended: "" };
      fibers.set(key(e), f);
    }
    return f;
  };
  for (const e of trace.traceEvents) {
    if (e.ph === "X" && e.cat === "run") {
      const f = fiber(e);
      f.runMs += (e.dur ?? 0) / 1000;
      f.slices++;
    } else if (e.ph === "X" && e.cat === "block") {
      const f = fiber(e);
      const ms = (e.dur ?? 0) / 1000;
      const reason = String(e.args?.reason ?? e.name);
      reasons.add(reason);
      f.blockedMs[reason] = (f.blockedMs[reason] ?? 0) + ms;
      if (f.longestBlock === null || ms > f.longestBlock.ms) f.longestBlock = { name: e.name, ms };
      const by = String(e.args?.woken_by ?? "");
      if (by !== "end of trace" && by !== "trace stopped" && !by.startsWith("unknown")) f.wakeups++;
      // a channel's send and receive waits count for the channel
      const object = String(e.args?.object ?? "").replace(/^(chan #\d+) (send|recv)$/, "$1");
      if (object) {
        let o = objects.get(object);
        if (!o) {
          o = { object, blocks: 0, blockedMs: 0, fibers: 0, who: new Set() };
          objects.set(object, o);
        }
        o.blocks++;
        o.blockedMs += ms;
        o.who.add(key(e));
      }
    } else if (e.ph === "i" && e.cat === "end") {
      fiber(e).ended = e.name === "end (failed)" ? "failed" : "done";
    } else if (e.ph === "i" && e.cat === "failure") {
      failures.push({ fiber: names.get(key(e)) ?? `#${e.tid}`, message: String(e.args?.message ?? e.name) });
    } else if (e.ph === "i" && e.cat === "gap") {
      gaps.push(e.name);
    }
  }
  const isChan = (o: ObjectSummary) => (o.object.startsWith("chan ") ? 0 : 1);
  return {
    spanMs: Number.isFinite(first) ? (last - first) / 1000 : 0,
    fibers: [...fibers.values()].filter((f) => f.id !== 0).sort((a, b) => a.id - b.id),
    objects: [...objects.values()]
      .map(({ who, ...o }) => ({ ...o, fibers: who.size }))
      .sort((a, b) => b.blockedMs - a.blockedMs || b.blocks - a.blocks || isChan(a) - isChan(b)),
    reasons: [...reasons].sort(),
    failures,
    gaps,
  };
}
