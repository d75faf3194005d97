// The structure every trace must have (docs/TRACING.md): used by tests/trace.test.ts and
// the live view's browser test. Throws an Error naming the first violation.
import type { ChromeTrace, TraceEvent } from "../host/tracejson.js";

const EPS = 1e-6;

/** Events by track (pid:tid). */
function byTrack(events: TraceEvent[], keep: (e: TraceEvent) => boolean): Map<string, TraceEvent[]> {
  const tracks = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (!keep(e)) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!tracks.has(key)) tracks.set(key, []);
    tracks.get(key)!.push(e);
  }
  return tracks;
}

export function checkStructure(trace: ChromeTrace): void {
  const events = trace.traceEvents;
  const fail = (what: string, e?: unknown) => {
    throw new Error(what + (e !== undefined ? `: ${JSON.stringify(e)}` : ""));
  };
  // names present: the process, and every track that has events
  if (!events.some((e) => e.ph === "M" && e.name === "process_name")) fail("no process_name");
  const named = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => `${e.pid}:${e.tid}`));
  for (const e of events) {
    if (e.ph !== "M" && e.ph !== "C" && !named.has(`${e.pid}:${e.tid}`)) fail("an event on a track without a name", e);
    if (e.ph === "M" && e.name === "thread_name" && !String(e.args?.name ?? "")) fail("an empty track name", e);
  }
  // every slice closed: a finite start and a duration
  for (const e of events) {
    if (e.ph === "X" && !(Number.isFinite(e.ts) && Number.isFinite(e.dur) && e.dur! >= 0)) fail("an unclosed or malformed slice", e);
    if (e.ph !== "M" && !Number.isFinite(e.ts)) fail("an event without a time", e);
  }
  // no overlaps on a track (run and block slices of a fiber; scheduler slices)
  const slices = byTrack(events, (e) => e.ph === "X");
  for (const [track, list] of slices) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      if (list[i].ts < prev.ts + prev.dur! - EPS) fail(`slices overlap on track ${track}`, [prev, list[i]]);
    }
  }
  // every block ends in a wake, or at the end of the fiber or of the trace
  for (const e of events) {
    if (e.ph === "X" && e.cat === "block" && typeof e.args?.woken_by !== "string") fail("a block without its end", e);
  }
  // flows paired: one start and one end per id, the end not before the start; the start
  // inside a run slice of the waker, the end at the start of a run slice (or the end) of the woken
  const starts = new Map<number, TraceEvent>();
  const ends = new Map<number, TraceEvent>();
  for (const e of events) {
    if (e.ph === "s") {
      if (starts.has(e.id!)) fail("two flow starts with one id", e);
      starts.set(e.id!, e);
    } else if (e.ph === "f") {
      if (ends.has(e.id!)) fail("two flow ends with one id", e);
      ends.set(e.id!, e);
    }
  }
  const runs = byTrack(events, (e) => e.ph === "X" && e.cat === "run");
  const endsOf = byTrack(events, (e) => e.ph === "i" && e.cat === "end");
  for (const [id, s] of starts) {
    const f = ends.get(id);
    if (!f) fail("a flow start without its end", s);
    if (f!.ts < s.ts - EPS) fail("a flow that ends before it starts", [s, f]);
    const within = (runs.get(`${s.pid}:${s.tid}`) ?? []).some((r) => s.ts >= r.ts - EPS && s.ts <= r.ts + r.dur! + EPS);
    if (!within) fail("a flow start outside the waker's run slices", s);
    const atRun = (runs.get(`${f!.pid}:${f!.tid}`) ?? []).some((r) => Math.abs(r.ts - f!.ts) < EPS);
    const atEnd = (endsOf.get(`${f!.pid}:${f!.tid}`) ?? []).some((r) => Math.abs(r.ts - f!.ts) < EPS);
    if (!atRun && !atEnd) fail("a flow end not at the start of a run slice", f);
  }
  for (const [id, f] of ends) if (!starts.has(id)) fail("a flow end without its start", f);
}

/** The X events of `cat` on fiber `tid`'s track. */
export function slicesOf(trace: ChromeTrace, tid: number, cat: string): TraceEvent[] {
  return trace.traceEvents.filter((e) => e.ph === "X" && e.cat === cat && e.tid === tid);
}

/** The name of track `tid`. */
export function trackName(trace: ChromeTrace, tid: number): string | undefined {
  const m = trace.traceEvents.find((e) => e.ph === "M" && e.name === "thread_name" && e.tid === tid);
  return m ? String(m.args?.name) : undefined;
}
