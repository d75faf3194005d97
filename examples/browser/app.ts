// app.ts: the live view page (examples/browser/index.html): runs the workload program in
// the page or in a dedicated Worker and draws its counters at display rate.
//
// Once per animation frame the page takes one sample: the core's counters (`stats()`: one
// call into wasm that fills the stats block) and the state byte of each fiber of the round
// (`snapshot`, demo.ts). In worker mode the worker takes the samples between scheduler
// slices and posts them. The program never calls the page on a switch.
//
// The query string chooses the workload and starts it without a click, which is how the
// tests drive the page: ?topology=fan&fibers=10000&where=worker&run=1 (&trace=1 records a
// trace of a page run).
//
// Traces (docs/TRACING.md): a trace file opened in the form, or the trace of a page run
// recorded with "record a trace", is drawn by timeline.ts; what it drew is in
// `demo.trace` and on the canvas's data-* attributes.

import { loadProgram, WorkerProgram, type ChromeTrace, type RunResult, type Stats, type WeftProgram } from "weft";
import { demoImports, snapshot, settingsFrom, expected, TOPOLOGIES, type DemoControl, type Round, type Settings } from "./demo.js";
import { LiveView, formatRate, type Rates } from "./view.js";
import { TraceTimeline, parseTrace, BLOCK_LEGEND, type TimelineCounts } from "./timeline.js";

const WASM = new URL("./workload.wasm", import.meta.url);
const WORKER = new URL("./worker.js", import.meta.url);

type Where = "page" | "worker";

/** A running program, wherever it runs. */
interface Running {
  where: Where;
  settings: Settings;
  /** The latest counters, or null before the first sample. */
  stats(): Stats | null;
  /** State bytes of the round's fibers, or null. */
  states(): Uint8Array | null;
  /** Asks the program to finish its round early and end; resolves when it has. */
  stop(): Promise<void>;
  done: Promise<RunResult>;
}

/** What the page exposes to its tests (and to a curious visitor's console). */
interface DemoState {
  status: "idle" | "loading" | "running" | "stopping" | "ended" | "error";
  where: Where | null;
  settings: Settings | null;
  rounds: Round[];
  /** Animation frames drawn since the program started. */
  frames: number;
  /** Distinct switch counts seen by frames: the view changes while fibers run. */
  distinctSwitchCounts: number;
  stats: Stats | null;
  rates: Rates | null;
  result: RunResult | null;
  errors: string[];
  /** Lines the program wrote. */
  output: string[];
  /** What the trace timeline drew last, or null; `traceError` if a file could not be read. */
  trace: (TimelineCounts & { source: string; events: number }) | null;
  traceError: string | null;
}

const state: DemoState = {
  status: "idle",
  where: null,
  settings: null,
  rounds: [],
  frames: 0,
  distinctSwitchCounts: 0,
  stats: null,
  rates: null,
  result: null,
  errors: [],
  output: [],
  trace: null,
  traceError: null,
};
(globalThis as unknown as { demo: DemoState }).demo = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>("controls");
const topologyInput = $<HTMLSelectElement>("topology");
const fibersInput = $<HTMLInputElement>("fibers");
const view = new LiveView($<HTMLCanvasElement>("timeline"), $<HTMLCanvasElement>("grid"));
const timeline = new TraceTimeline($<HTMLCanvasElement>("trace"));
const recordInput = $<HTMLInputElement>("record");

let running: Running | null = null;

function log(line: string, isError = false): void {
  state.output.push(line);
  if (isError) state.errors.push(line);
  const out = $("log");
  out.textContent = state.output.slice(-12).join("\n");
}

// ─── running the program ────────────────────────────────────────────────────────────────

async function runInPage(settings: Settings, record: boolean): Promise<Running> {
  const control: DemoControl = { settings, stopping: false, onRound };
  const program: WeftProgram = await loadProgram(WASM, {
    name: "workload.wasm",
    imports: demoImports(control),
    stdout: (line) => log(line),
    stderr: (line) => log(line, true),
    // a bounded trace: the last 2^18 records of the run
    trace: record ? { maxRecords: 1 << 18 } : false,
  });
  const done = program.runAsync(10);
  if (record) {
    void done.then(() => {
      const trace = program.trace();
      if (trace) showTrace(trace, "this run");
    });
  }
  return {
    where: "page",
    settings,
    stats: () => program.stats(),
    states: () => snapshot(program),
    stop: async () => {
      control.stopping = true;
      await done;
    },
    done,
  };
}

async function runInWorker(settings: Settings): Promise<Running> {
  const worker = new Worker(WORKER, { type: "module" });
  worker.addEventListener("error", (event) => log(`worker error: ${event.message}`, true));
  const remote = WorkerProgram.start(worker, WASM, {
    name: "workload.wasm",
    data: settings,
    stdout: (line) => log(line),
    stderr: (line) => log(line, true),
    onMessage: (message) => onRound(((message as { round: Omit<Round, "ok"> }).round)),
  });
  const done = remote.done.finally(() => worker.terminate());
  return {
    where: "worker",
    settings,
    stats: () => remote.stats,
    states: () => (remote.sample as Uint8Array | undefined) ?? null,
    stop: async () => {
      remote.post("stop");
      await done;
    },
    done,
  };
}

function onRound(round: Omit<Round, "ok"> & { ok?: boolean }): void {
  const ok = round.result === expected(state.settings!);
  state.rounds.push({ ...round, ok });
  if (!ok) log(`round ${round.round}: result ${round.result}, expected ${expected(state.settings!)}`, true);
  $("rounds").textContent = `${state.rounds.length}`;
  $("result").textContent = `${round.result.toLocaleString("en")} ${ok ? "✓" : "✗"}`;
}

async function start(settings: Settings, where: Where): Promise<void> {
  if (running) {
    state.status = "stopping";
    await running.stop().catch(() => {});
    running = null;
  }
  Object.assign(state, { status: "loading", where, settings, rounds: [], frames: 0, distinctSwitchCounts: 0, stats: null, rates: null, result: null });
  view.reset();
  lastSwitches = -1;
  $("status").textContent = `loading (${where})`;
  try {
    running = where === "page" ? await runInPage(settings, recordInput.checked) : await runInWorker(settings);
  } catch (e) {
    state.status = "error";
    log(`cannot start: ${(e as Error).message}`, true);
    $("status").textContent = "error";
    return;
  }
  state.status = "running";
  $("status").textContent = `running in the ${where}`;
  const mine = running;
  mine.done.then(
    (result) => {
      if (running !== mine) return;
      state.result = result;
      state.status = "ended";
      $("status").textContent = `ended, exit ${result.exitCode}`;
      if (result.exitCode !== 0) log(`the program exited with status ${result.exitCode}`, true);
    },
    (e: Error) => {
      if (running !== mine) return;
      state.status = "error";
      log(`the program stopped: ${e.message}`, true);
    },
  );
}

// ─── the frame loop ─────────────────────────────────────────────────────────────────────

let lastSwitches = -1;

function frame(t: number): void {
  requestAnimationFrame(frame);
  const stats = running?.stats() ?? null;
  if (!running || !stats) {
    view.drawTimeline();
    return;
  }
  state.frames++;
  state.stats = stats;
  if (stats.switches !== lastSwitches) {
    state.distinctSwitchCounts++;
    lastSwitches = stats.switches;
  }
  const rates = view.push({ t, stats });
  state.rates = rates;
  view.drawTimeline();
  const states = running.states();
  const total = Math.max(running.settings.fibers, states?.length ?? 0);
  if (running.settings.topology === "ring") view.drawRing(states, total, t, rates);
  else view.drawGrid(states, total);
  const text: Record<string, string> = {
    alive: stats.alive.toLocaleString("en"),
    ready: stats.ready.toLocaleString("en"),
    blocked: stats.blocked.toLocaleString("en"),
    spawned: stats.spawned.toLocaleString("en"),
    finished: (stats.spawned - stats.alive).toLocaleString("en"),
    switches: stats.switches.toLocaleString("en"),
    "switch-rate": formatRate(rates.switches),
    "spawn-rate": formatRate(rates.spawns),
    "block-rate": formatRate(rates.blocks),
    "wake-rate": formatRate(rates.wakes),
    "finish-rate": formatRate(rates.finishes),
    memory: `${(stats.memoryBytes / 2 ** 20).toFixed(1)} MiB`,
    "per-fiber": stats.alive ? `${Math.round(stats.memoryBytes / stats.alive).toLocaleString("en")} B` : "—",
    saved: `${(stats.savedBytes / 1024).toFixed(1)} KiB`,
  };
  for (const [id, value] of Object.entries(text)) $(id).textContent = value;
}

// ─── traces ─────────────────────────────────────────────────────────────────────────────

let downloadUrl: string | null = null;

/** Draws `trace` on the timeline; `source` says where it came from. */
function showTrace(trace: ChromeTrace, source: string): void {
  const counts = timeline.show(trace);
  state.trace = { ...counts, source, events: trace.traceEvents.length };
  state.traceError = null;
  $("trace-info").textContent =
    `${source}: ${trace.traceEvents.length.toLocaleString("en")} events, ${counts.tracks} tracks, ` +
    `${counts.runSlices.toLocaleString("en")} run slices, ${counts.blockSlices.toLocaleString("en")} blocks, ${counts.flows.toLocaleString("en")} wake-ups`;
  const link = $<HTMLAnchorElement>("trace-download");
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([JSON.stringify(trace)], { type: "application/json" }));
  link.href = downloadUrl;
  link.hidden = false;
}

$<HTMLInputElement>("trace-file").addEventListener("change", async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  try {
    showTrace(parseTrace(await file.text()), file.name);
  } catch (e) {
    state.traceError = `${file.name}: ${(e as Error).message}`;
    $("trace-info").textContent = state.traceError;
  }
});
for (const [label, color] of BLOCK_LEGEND) {
  const span = document.createElement("span");
  const swatch = document.createElement("i");
  swatch.style.background = color;
  span.append(swatch, label);
  $("trace-legend").append(span);
}
timeline.draw();

// ─── controls ───────────────────────────────────────────────────────────────────────────

for (const topology of TOPOLOGIES) {
  const option = document.createElement("option");
  option.value = option.textContent = topology;
  topologyInput.append(option);
}
const initial = settingsFrom(location.search, { topology: "fan", fibers: 10_000 });
topologyInput.value = initial.topology;
fibersInput.value = String(initial.fibers);
const params = new URLSearchParams(location.search);
const initialWhere: Where = params.get("where") === "worker" ? "worker" : "page";
recordInput.checked = params.get("trace") === "1";
(form.elements.namedItem("where") as RadioNodeList).value = initialWhere;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const settings = settingsFrom(`?topology=${topologyInput.value}&fibers=${fibersInput.value}`, initial);
  const where = (form.elements.namedItem("where") as RadioNodeList).value as Where;
  void start(settings, where);
});
$("stop").addEventListener("click", () => {
  if (running && state.status === "running") {
    state.status = "stopping";
    void running.stop();
  }
});

requestAnimationFrame(frame);
if (params.get("run") === "1") void start(initial, initialWhere);
