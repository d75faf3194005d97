// timeline.ts: draws a trace (Chrome Trace Event JSON, as `weft run --trace` and
// `program.trace()` write it; docs/TRACING.md) on a canvas, without Perfetto: one row per
// track (the scheduler, then each fiber by id), run slices and block slices (coloured by
// what the fiber waited for), wake-up arrows from waker to woken, instants (spawn, end,
// failure, host calls, marks) as ticks, and a time axis. The wheel zooms around the
// pointer, dragging pans, a double click shows everything again.
//
// What was drawn is counted (`TimelineCounts`, also on the canvas as data-* attributes),
// so that a test can check the drawing against the file.

import type { ChromeTrace, TraceEvent } from "weft";

/** What one draw put on the canvas. */
export interface TimelineCounts {
  tracks: number;
  runSlices: number;
  blockSlices: number;
  flows: number;
  instants: number;
  /** The time span shown, in µs. */
  spanUs: number;
}

export const RUN_COLOR = "#34d399";
const BLOCK_COLORS: [RegExp, string][] = [
  [/^chan/, "#3b82f6"],
  [/^select/, "#06b6d4"],
  [/^(mutex|semaphore|cond|once)/, "#a855f7"],
  [/^(waitgroup|scope|join)/, "#f59e0b"],
  [/^sleep/, "#64748b"],
  [/^(host call|I\/O)/, "#ec4899"],
];
const LABEL_W = 130;
const AXIS_H = 22;
const ROW_H = 14;
const MAX_ROWS = 400;

function blockColor(reason: string): string {
  for (const [re, color] of BLOCK_COLORS) if (re.test(reason)) return color;
  return "#94a3b8";
}

/** The legend of the block colours, for the page. */
export const BLOCK_LEGEND: [string, string][] = [
  ["running", RUN_COLOR],
  ["chan", "#3b82f6"],
  ["select", "#06b6d4"],
  ["mutex/sema/cond", "#a855f7"],
  ["join/waitgroup/scope", "#f59e0b"],
  ["sleep", "#64748b"],
  ["host call/I/O", "#ec4899"],
];

/** Reads a trace file's text; throws an Error that names the problem. */
export function parseTrace(text: string): ChromeTrace {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  const events = Array.isArray(data) ? data : (data as { traceEvents?: unknown } | null)?.traceEvents;
  if (!Array.isArray(events)) throw new Error("not a Chrome Trace Event file: no traceEvents array");
  return { traceEvents: events as TraceEvent[], displayTimeUnit: "ms", otherData: {} };
}

/** A step of 1, 2 or 5 × 10^k µs that gives about `target` ticks over `span`. */
function tickStep(span: number, target: number): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** `t` µs as text at the precision of `step`. */
export function formatTime(t: number, step: number): string {
  if (step >= 1e6) return `${(t / 1e6).toFixed(0)} s`;
  if (step >= 1e3) return `${(t / 1e3).toFixed(step >= 1e4 ? 0 : 1)} ms`.replace(/\.0 ms$/, " ms");
  return `${t.toFixed(step >= 1 ? 0 : 2)} µs`;
}

export class TraceTimeline {
  private trace: ChromeTrace | null = null;
  private rows: { key: string; name: string }[] = [];
  private t0 = 0;
  private t1 = 1;
  private view0 = 0;
  private view1 = 1;
  counts: TimelineCounts | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {
    canvas.addEventListener("wheel", (e) => this.zoom(e), { passive: false });
    canvas.addEventListener("dblclick", () => this.fit());
    let dragging: { x: number; v0: number; v1: number } | null = null;
    canvas.addEventListener("mousedown", (e) => (dragging = { x: e.offsetX, v0: this.view0, v1: this.view1 }));
    window.addEventListener("mouseup", () => (dragging = null));
    canvas.addEventListener("mousemove", (e) => {
      if (!dragging) return;
      const dt = ((e.offsetX - dragging.x) / this.plotWidth()) * (dragging.v1 - dragging.v0);
      this.view0 = dragging.v0 - dt;
      this.view1 = dragging.v1 - dt;
      this.draw();
    });
  }

  /** Shows `trace`, all of it. */
  show(trace: ChromeTrace): TimelineCounts {
    this.trace = trace;
    const names = new Map<string, string>();
    const used = new Set<string>();
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const e of trace.traceEvents) {
      const key = `${e.pid}:${e.tid}`;
      if (e.ph === "M") {
        if (e.name === "thread_name") names.set(key, String(e.args?.name ?? ""));
        continue;
      }
      if (e.ph === "C") continue;
      used.add(key);
      t0 = Math.min(t0, e.ts);
      t1 = Math.max(t1, e.ts + (e.dur ?? 0));
    }
    const order = (k: string) => k.split(":").map(Number);
    this.rows = [...used]
      .sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1])
      .slice(0, MAX_ROWS)
      .map((key) => ({ key, name: names.get(key) ?? `tid ${key.split(":")[1]}` }));
    this.t0 = Number.isFinite(t0) ? t0 : 0;
    this.t1 = Number.isFinite(t1) && t1 > this.t0 ? t1 : this.t0 + 1;
    this.canvas.height = AXIS_H + this.rows.length * ROW_H + 6;
    return this.fit();
  }

  /** Shows the whole trace again. */
  fit(): TimelineCounts {
    this.view0 = this.t0;
    this.view1 = this.t1;
    return this.draw();
  }

  private plotWidth(): number {
    return this.canvas.width - LABEL_W - 8;
  }

  private zoom(e: WheelEvent): void {
    if (!this.trace) return;
    e.preventDefault();
    const f = Math.exp(e.deltaY * 0.002);
    const at = this.view0 + ((e.offsetX - LABEL_W) / this.plotWidth()) * (this.view1 - this.view0);
    const span = Math.max(0.01, (this.view1 - this.view0) * f);
    const left = (at - this.view0) / (this.view1 - this.view0);
    this.view0 = at - left * span;
    this.view1 = this.view0 + span;
    this.draw();
  }

  /** Draws the visible span; returns (and stores) what was drawn. */
  draw(): TimelineCounts {
    const c = this.canvas.getContext("2d")!;
    const { width: w, height: h } = this.canvas;
    c.fillStyle = "#10141a";
    c.fillRect(0, 0, w, h);
    const counts: TimelineCounts = { tracks: this.rows.length, runSlices: 0, blockSlices: 0, flows: 0, instants: 0, spanUs: this.view1 - this.view0 };
    if (!this.trace) return this.publish(counts);
    const pw = this.plotWidth();
    const x = (t: number) => LABEL_W + ((t - this.view0) / (this.view1 - this.view0)) * pw;
    const rowOf = new Map(this.rows.map((r, i) => [r.key, i]));
    const y = (i: number) => AXIS_H + i * ROW_H;

    // rows and their names
    c.font = "11px ui-monospace, monospace";
    c.textBaseline = "middle";
    this.rows.forEach((r, i) => {
      if (i % 2) {
        c.fillStyle = "#131922";
        c.fillRect(0, y(i), w, ROW_H);
      }
      c.fillStyle = "#9aa4b2";
      c.fillText(r.name.length > 17 ? r.name.slice(0, 16) + "…" : r.name, 4, y(i) + ROW_H / 2);
    });

    // the time axis: ticks at 1/2/5 steps, relative to the start of the trace
    const step = tickStep(this.view1 - this.view0, Math.max(2, Math.floor(pw / 90)));
    c.strokeStyle = "#2b3440";
    c.fillStyle = "#7d8896";
    c.textBaseline = "alphabetic";
    for (let t = Math.ceil((this.view0 - this.t0) / step) * step; this.t0 + t <= this.view1; t += step) {
      const px = Math.round(x(this.t0 + t)) + 0.5;
      c.beginPath();
      c.moveTo(px, AXIS_H - 6);
      c.lineTo(px, h);
      c.stroke();
      c.fillText(formatTime(t, step), px + 3, AXIS_H - 8);
    }

    // slices, clipped to the plot
    c.save();
    c.beginPath();
    c.rect(LABEL_W, AXIS_H, pw, h - AXIS_H);
    c.clip();
    // wake-up lines first, under the slices: a wake-up ends where the woken fiber's run
    // begins, and a line drawn over a run one pixel wide would hide it
    const flows = new Map<number, TraceEvent>();
    for (const e of this.trace.traceEvents) {
      const row = rowOf.get(`${e.pid}:${e.tid}`);
      if (row === undefined) continue;
      if (e.ph === "s") {
        flows.set(e.id!, e);
      } else if (e.ph === "f") {
        const s = flows.get(e.id!);
        const from = s ? rowOf.get(`${s.pid}:${s.tid}`) : undefined;
        if (!s || from === undefined) continue;
        c.strokeStyle = "#d6dde680";
        c.lineWidth = 1;
        c.beginPath();
        c.moveTo(x(s.ts), y(from) + ROW_H / 2);
        c.lineTo(x(e.ts), y(row) + ROW_H / 2);
        c.stroke();
        counts.flows++;
      }
    }
    // slices snap to whole pixels (at least one wide), so that a slice shorter than a
    // pixel still shows in its own colour; blocks first, runs over them
    for (const pass of ["block", "run"]) {
      for (const e of this.trace.traceEvents) {
        if (e.ph !== "X" || (e.cat === "run") !== (pass === "run")) continue;
        const row = rowOf.get(`${e.pid}:${e.tid}`);
        if (row === undefined) continue;
        let x0 = Math.floor(x(e.ts));
        let x1 = Math.max(x0 + 1, Math.round(x(e.ts + (e.dur ?? 0))));
        if (x1 < LABEL_W || x0 > w) continue;
        // a slice at the very end of the view (the trace's last run, often shorter than a
        // pixel) would start on the clip edge and vanish: its pixel goes just inside
        if (x0 >= LABEL_W + pw) {
          x0 = LABEL_W + pw - 1;
          x1 = x0 + 1;
        }
        if (e.cat === "run") {
          c.fillStyle = RUN_COLOR;
          c.fillRect(x0, y(row) + 2, x1 - x0, ROW_H - 4);
          counts.runSlices++;
        } else if (e.cat === "block") {
          c.fillStyle = blockColor(String(e.args?.reason ?? e.name)) + "90";
          c.fillRect(x0, y(row) + 5, x1 - x0, ROW_H - 10);
          counts.blockSlices++;
        } else {
          c.fillStyle = "#2b3440";
          c.fillRect(x0, y(row) + 3, x1 - x0, ROW_H - 6);
        }
      }
    }
    for (const e of this.trace.traceEvents) {
      const row = rowOf.get(`${e.pid}:${e.tid}`);
      if (row === undefined) continue;
      if (e.ph === "i") {
        const px = x(e.ts);
        if (px < LABEL_W || px > w) continue;
        c.fillStyle = e.cat === "failure" ? "#ef4444" : e.cat === "mark" ? "#f2b134" : "#d6dde6";
        c.beginPath();
        c.moveTo(px, y(row) + 1);
        c.lineTo(px - 3, y(row) + 6);
        c.lineTo(px + 3, y(row) + 6);
        c.fill();
        counts.instants++;
      }
    }
    c.restore();
    return this.publish(counts);
  }

  private publish(counts: TimelineCounts): TimelineCounts {
    this.counts = counts;
    const d = this.canvas.dataset;
    d.tracks = String(counts.tracks);
    d.runSlices = String(counts.runSlices);
    d.blockSlices = String(counts.blockSlices);
    d.flows = String(counts.flows);
    d.instants = String(counts.instants);
    return counts;
  }
}
