// view.ts: the live view's drawing: a timeline of the scheduler's counters (with a time
// axis: seconds before now) and the round's fibers, both on canvas, redrawn once per
// animation frame from one sample of the counters (nothing here runs per switch). The
// fibers are a grid of cells, one per fiber, coloured by state; a ring, whose members are
// all blocked but the one holding the token (a grid of one colour), is drawn as a circle
// instead, with the holder and its positions in the last frames marked.

import type { Stats } from "weft";

/** One sample of the counters at a time (ms). */
export interface Sample {
  t: number;
  stats: Stats;
}

/** Rates per second over the recent window. */
export interface Rates {
  switches: number;
  spawns: number;
  blocks: number;
  wakes: number;
  finishes: number;
}

/** Colors of fiber states (FiberState: ready, running, blocked, done, failed). */
export const STATE_COLORS = ["#f2b134", "#ffffff", "#3b82f6", "#2b3440", "#ef4444"] as const;
const NOT_SPAWNED = [16, 20, 26];
const RGB = STATE_COLORS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

/** Seconds of history the timeline shows. */
const WINDOW_S = 12;
/** Rates are averaged over this long, so that they do not flicker frame to frame. */
const RATE_WINDOW_MS = 500;

export class LiveView {
  private readonly samples: Sample[] = [];
  /** switches/s per sample, for the timeline. */
  private readonly switchRates: number[] = [];
  private readonly gridPixels: HTMLCanvasElement;

  constructor(
    private readonly timeline: HTMLCanvasElement,
    private readonly grid: HTMLCanvasElement,
  ) {
    this.gridPixels = document.createElement("canvas");
  }

  /** Forgets the history (a new program). */
  reset(): void {
    this.samples.length = 0;
    this.switchRates.length = 0;
    this.holders.length = 0;
  }

  /** The ring's token holders seen in recent frames (index, frame time), newest last. */
  private readonly holders: { index: number; t: number }[] = [];

  /** Adds a sample and returns the rates over the last half second. */
  push(sample: Sample): Rates {
    this.samples.push(sample);
    while (this.samples.length > 2 && this.samples[0].t < sample.t - WINDOW_S * 1000) {
      this.samples.shift();
      this.switchRates.shift();
    }
    const rates = this.rates();
    this.switchRates.push(rates.switches);
    return rates;
  }

  private rates(): Rates {
    const now = this.samples[this.samples.length - 1];
    let then = now;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      then = this.samples[i];
      if (then.t <= now.t - RATE_WINDOW_MS) break;
    }
    const dt = (now.t - then.t) / 1000;
    const rate = (f: (s: Stats) => number) => (dt > 0 ? (f(now.stats) - f(then.stats)) / dt : 0);
    return {
      switches: rate((s) => s.switches),
      spawns: rate((s) => s.spawned),
      blocks: rate((s) => s.blocks),
      wakes: rate((s) => s.wakes),
      finishes: rate((s) => s.spawned - s.alive),
    };
  }

  /** Ready and blocked fibers as stacked areas, switches per second as a line. */
  drawTimeline(): void {
    const c = this.timeline.getContext("2d")!;
    const w = this.timeline.width;
    let h = this.timeline.height;
    c.fillStyle = "#10141a";
    c.fillRect(0, 0, w, h);
    if (this.samples.length < 2) return;
    const t1 = this.samples[this.samples.length - 1].t;
    const t0 = t1 - WINDOW_S * 1000;
    const axis = 16;
    const x = (t: number) => ((t - t0) / (t1 - t0)) * w;
    const top = 18;
    h -= axis;
    const maxFibers = Math.max(1, ...this.samples.map((s) => s.stats.alive));
    const yF = (n: number) => h - (n / maxFibers) * (h - top);
    // blocked below, ready on top of it
    const area = (lower: (s: Stats) => number, upper: (s: Stats) => number, color: string) => {
      c.beginPath();
      this.samples.forEach((s, i) => (i ? c.lineTo(x(s.t), yF(upper(s.stats))) : c.moveTo(x(s.t), yF(upper(s.stats)))));
      for (let i = this.samples.length - 1; i >= 0; i--) c.lineTo(x(this.samples[i].t), yF(lower(this.samples[i].stats)));
      c.closePath();
      c.fillStyle = color;
      c.fill();
    };
    area(() => 0, (s) => s.blocked, STATE_COLORS[2] + "b0");
    area((s) => s.blocked, (s) => s.blocked + s.ready, STATE_COLORS[0] + "c0");
    // alive (outline)
    c.strokeStyle = "#9aa4b2";
    c.lineWidth = 1;
    c.beginPath();
    this.samples.forEach((s, i) => (i ? c.lineTo(x(s.t), yF(s.stats.alive)) : c.moveTo(x(s.t), yF(s.stats.alive))));
    c.stroke();
    // switches per second, on its own scale
    const maxRate = Math.max(1, ...this.switchRates);
    c.strokeStyle = "#34d399";
    c.lineWidth = 2;
    c.beginPath();
    this.switchRates.forEach((r, i) => {
      const y = h - (r / maxRate) * (h - top);
      if (i) c.lineTo(x(this.samples[i].t), y);
      else c.moveTo(x(this.samples[i].t), y);
    });
    c.stroke();
    c.font = "12px ui-monospace, monospace";
    // the time axis: a tick every 2 s, labelled in seconds before now
    c.strokeStyle = "#2b3440";
    c.fillStyle = "#7d8896";
    c.lineWidth = 1;
    c.beginPath();
    c.moveTo(0, h + 0.5);
    c.lineTo(w, h + 0.5);
    c.stroke();
    for (let s = 0; s <= WINDOW_S; s += 2) {
      const px = Math.round(x(t1 - s * 1000)) + 0.5;
      c.beginPath();
      c.moveTo(px, h);
      c.lineTo(px, h + 4);
      c.stroke();
      const label = s === 0 ? "now" : `-${s} s`;
      const lw = c.measureText(label).width;
      c.fillText(label, Math.min(Math.max(px - lw / 2, 0), w - lw), h + 14);
    }
    c.fillStyle = "#9aa4b2";
    c.fillText(`fibers (max ${maxFibers.toLocaleString("en")})`, 6, 13);
    c.fillStyle = "#34d399";
    const label = `switches/s (max ${formatRate(maxRate)})`;
    c.fillText(label, w - c.measureText(label).width - 6, 13);
  }

  /**
   * The ring's members around a circle, coloured by state; when one member alone is not
   * blocked it holds the token: a large dot, with its positions in the last second as a
   * fading trail; the hop rate in the middle.
   */
  drawRing(states: Uint8Array | null, total: number, t: number, rates: Rates | null): void {
    const c = this.grid.getContext("2d")!;
    const { width: w, height: h } = this.grid;
    c.fillStyle = "#10141a";
    c.fillRect(0, 0, w, h);
    const n = Math.max(total, states?.length ?? 0, 1);
    const cx = w / 2;
    const cy = h / 2;
    const r = Math.min(w, h) / 2 - 18;
    const at = (i: number): [number, number] => {
      const a = (i / n) * 2 * Math.PI - Math.PI / 2;
      return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
    };
    // the members around the circle, coloured by state: in at most 720 arcs, each showing
    // the most active state among its members (ready over running over blocked over ended)
    const arcs = Math.min(n, 720);
    const rank = [3, 2, 1, 0, 0]; // by FiberState: ready, running, blocked, done, failed
    const best = new Int8Array(arcs).fill(-1);
    let active = 0;
    let holder = -1;
    if (states) {
      for (let i = 0; i < states.length; i++) {
        const a = Math.floor((i * arcs) / n);
        const st = states[i];
        if (best[a] < 0 || rank[st] > rank[best[a]]) best[a] = st;
        if (st === 0 || st === 1) {
          active++;
          if (holder < 0) holder = i;
        }
      }
    }
    c.lineWidth = 6;
    for (let a = 0; a < arcs; a++) {
      const st = best[a];
      c.strokeStyle = st < 0 ? "#1b222c" : STATE_COLORS[st] + (st === 2 ? "90" : "");
      c.beginPath();
      c.arc(cx, cy, r, (a / arcs) * 2 * Math.PI - Math.PI / 2, ((a + 1) / arcs) * 2 * Math.PI - Math.PI / 2);
      c.stroke();
    }
    // one member not blocked: it holds the token (else the round is starting or ending)
    if (active === 1) this.holders.push({ index: holder, t });
    else holder = -1;
    while (this.holders.length && this.holders[0].t < t - 1000) this.holders.shift();
    for (const p of this.holders) {
      const age = (t - p.t) / 1000;
      const [px, py] = at(p.index);
      c.fillStyle = `rgba(242, 177, 52, ${(1 - age) * 0.6})`;
      c.beginPath();
      c.arc(px, py, 3, 0, 2 * Math.PI);
      c.fill();
    }
    c.font = "12px ui-monospace, monospace";
    c.textAlign = "center";
    c.fillStyle = "#d6dde6";
    if (holder >= 0) {
      const [px, py] = at(holder);
      c.fillStyle = STATE_COLORS[0];
      c.beginPath();
      c.arc(px, py, 7, 0, 2 * Math.PI);
      c.fill();
      c.fillStyle = "#d6dde6";
      c.fillText(`token at member ${holder + 1} of ${n.toLocaleString("en")}`, cx, cy - 8);
    } else {
      c.fillText(`${n.toLocaleString("en")} members, ${active.toLocaleString("en")} ready`, cx, cy - 8);
    }
    if (rates) {
      c.fillStyle = "#34d399";
      c.fillText(`${formatRate(rates.switches)} hops/s`, cx, cy + 10);
      c.fillStyle = "#9aa4b2";
      c.fillText(`${(rates.switches / n).toFixed(1)} laps/s`, cx, cy + 26);
    }
    c.textAlign = "start";
  }

  /** One cell per fiber of the round, colored by its state; `total` cells are laid out. */
  drawGrid(states: Uint8Array | null, total: number): void {
    const c = this.grid.getContext("2d")!;
    const { width: w, height: h } = this.grid;
    c.fillStyle = "#10141a";
    c.fillRect(0, 0, w, h);
    const cells = Math.max(total, states?.length ?? 0, 1);
    const cols = Math.ceil(Math.sqrt((cells * w) / h));
    const rows = Math.ceil(cells / cols);
    const pixels = this.gridPixels;
    if (pixels.width !== cols || pixels.height !== rows) {
      pixels.width = cols;
      pixels.height = rows;
    }
    const pc = pixels.getContext("2d")!;
    const image = pc.createImageData(cols, rows);
    const d = image.data;
    for (let i = 0; i < cols * rows; i++) {
      const rgb = i < cells ? (states && i < states.length ? RGB[states[i]] ?? RGB[4] : NOT_SPAWNED) : [0x10, 0x14, 0x1a];
      d[i * 4] = rgb[0];
      d[i * 4 + 1] = rgb[1];
      d[i * 4 + 2] = rgb[2];
      d[i * 4 + 3] = 255;
    }
    pc.putImageData(image, 0, 0);
    const scale = Math.min(w / cols, h / rows);
    c.imageSmoothingEnabled = false;
    c.drawImage(pixels, 0, 0, cols * scale, rows * scale);
  }
}

/** 12345678 → "12.3 M". */
export function formatRate(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}
