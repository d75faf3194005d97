// trace.ts: traces on Node: writing a program's trace to a file (`weft run --trace`) and
// the terminal summary of one (`weft trace summary`). The recording and the format are in
// the web-standard core (host/trace.ts, host/tracejson.ts, host/tracesummary.ts).

import { readFile, writeFile } from "node:fs/promises";
import Table from "cli-table3";
import pc from "picocolors";
import type { WeftProgram } from "../runtime.js";
import { checkTrace, summarize, type TraceSummary } from "../tracesummary.js";

/**
 * Writes `program`'s trace to `file` as Chrome Trace Event JSON; returns the number of
 * events written, or 0 (no file) if nothing was traced.
 */
export async function writeTraceFile(program: WeftProgram, file: string): Promise<number> {
  const trace = program.trace();
  if (trace === null) return 0;
  // one event per line: diffable, and a large trace never becomes one giant string line
  const lines = trace.traceEvents.map((e) => JSON.stringify(e));
  const text = `{"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},"otherData":${JSON.stringify(trace.otherData)},"traceEvents":[\n${lines.join(",\n")}\n]}\n`;
  await writeFile(file, text);
  return lines.length;
}

/** Reads a trace file; throws an Error that names the problem (missing, not JSON, not a trace). */
export async function readTraceFile(file: string): Promise<TraceSummary> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  try {
    return summarize(checkTrace(data));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** Colours only where picocolors would use them (a terminal, no NO_COLOR). */
const TABLE_STYLE = pc.isColorSupported ? { head: ["cyan"] } : { head: [], border: [] };

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** The summary as terminal tables: fibers, then the busiest objects, then failures. */
export function formatSummary(s: TraceSummary, limit = 50): string {
  const out: string[] = [];
  out.push(pc.bold(`trace: ${s.fibers.length} fiber${s.fibers.length === 1 ? "" : "s"} over ${ms(s.spanMs)} ms`));
  const reasons = s.reasons;
  const fibers = new Table({
    head: ["fiber", "run ms", "slices", ...reasons.map((r) => `${r} ms`), "longest block", "wake-ups", "end"],
    style: TABLE_STYLE,
  });
  for (const f of s.fibers.slice(0, limit)) {
    fibers.push([
      f.name,
      ms(f.runMs),
      String(f.slices),
      ...reasons.map((r) => (f.blockedMs[r] !== undefined ? ms(f.blockedMs[r]) : "")),
      f.longestBlock ? `${f.longestBlock.name} ${ms(f.longestBlock.ms)} ms` : "",
      String(f.wakeups),
      f.ended === "failed" ? pc.red("failed") : f.ended,
    ]);
  }
  out.push(fibers.toString());
  if (s.fibers.length > limit) out.push(pc.dim(`... and ${s.fibers.length - limit} more fibers`));
  if (s.objects.length) {
    out.push(pc.bold("busiest channels and locks (by time blocked on them)"));
    const objects = new Table({ head: ["object", "blocks", "blocked ms", "fibers"], style: TABLE_STYLE });
    for (const o of s.objects.slice(0, 10)) objects.push([o.object, String(o.blocks), ms(o.blockedMs), String(o.fibers)]);
    out.push(objects.toString());
  }
  for (const f of s.failures) out.push(pc.red(`failed: ${f.fiber}: ${f.message}`));
  for (const g of s.gaps) out.push(pc.yellow(`gap: ${g}`));
  return out.join("\n");
}
