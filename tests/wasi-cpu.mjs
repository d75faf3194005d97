// Child process of tests/wasi.test.ts: runs a WASI program under node:wasi and prints the
// process CPU time and the wall time spent in it, as JSON on the last line of stdout.
import { runWasiFile } from "../dist/host/node/wasi.js";

const [file, ...args] = process.argv.slice(2);
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const status = await runWasiFile(file, args);
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - wall0;
console.log(JSON.stringify({ status, cpuMs: (cpu.user + cpu.system) / 1000, wallMs }));
