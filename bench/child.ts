// child.ts: runs one built weft program in a process of its own, for benchmarks that
// measure the whole process (peak RSS). Prints one JSON line on stdout:
//   {"exitCode":0,"stdout":[...],"stderr":[...],"maxRssMb":41.2}
//
//   node dist/bench/child.js program.wasm

import { readFileSync } from "node:fs";
import { WeftProgram } from "../host/runtime.js";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: child.js <program.wasm>\n");
  process.exit(2);
}
const stdout: string[] = [];
const stderr: string[] = [];
const program = await WeftProgram.load(new Uint8Array(readFileSync(file)), {
  name: file,
  stdout: (line) => stdout.push(line),
  stderr: (line) => void (stderr.length < 20 && stderr.push(line)),
});
const result = await program.runAsync();
const maxRssMb = peakRssMb();
process.stdout.write(JSON.stringify({ exitCode: result.exitCode, stdout, stderr, maxRssMb }) + "\n");

/**
 * The process's peak RSS in MiB. On Linux from /proc (VmHWM): getrusage's maxRSS survives
 * exec, so a child started by a big parent would report the parent's peak.
 */
function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024; // KiB
}
