// net.ts: the network benchmarks of `npm run bench` (groups `http` and `echo`).
//
//   http   http_rps, node_http_rps: requests per second of the fiber HTTP example
//          (examples/http) and of Node's own `http` module (bench/nodehttp.ts) serving the
//          same small response ("Hello, World!", text/plain), each measured with wrk on
//          127.0.0.1, 100 connections, WRK_SECONDS s, after a short warm-up. Each server
//          runs in a child process of its own; wrk is a third process.
//          http_cpu_us, node_http_cpu_us: the server process's CPU time (user + system,
//          from /proc) per request in the same runs. On a shared 2-core machine the
//          requests per second move with whatever else runs; CPU per request much less.
//   echo   echo_10k_conns_ok: the echo example (examples/echo) holds 10,000 TCP
//          connections at once, opened by a client process (bench/echoclient.ts), and
//          echoes a distinct message on each; true only if every message came back
//          exactly while all 10,000 connections were open.
//
// wrk is Debian's `wrk` package (`apt-get install wrk`); without it the http group stops
// with that instruction. Both processes of the echo benchmark need more than 10,000
// descriptors: the children are started with `ulimit -n` raised to the hard limit, and the
// benchmark reports false with the reason if the hard limit is too low.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "../build/build.js";

/** Seconds of each measured wrk run (the figure is 10). */
export const WRK_SECONDS = 10;
/** Seconds of the warm-up run before each measured one (JIT, buffers, connections). */
const WARMUP_SECONDS = 2;
export const WRK_CONNECTIONS = 100;
export const ECHO_CONNECTIONS = 10_000;

type Progress = (line: string) => void;
type Check = (ok: boolean, what: string) => void;

/** A server running in a child process. */
interface Server {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `command args` with `ulimit -n` raised to the hard limit, waits for a stdout line
 * matching `ready` (its first group is the port).
 */
function startServer(label: string, command: string, args: string[], ready: RegExp, check: Check): Promise<Server> {
  const child = spawn("sh", ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', "sh", command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start within 60 s; its output:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = ready.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      resolve({
        port: Number(m[1]),
        child,
        async stop() {
          check(child.exitCode === null, `${label} exited during the benchmark (status ${child.exitCode}); its output:\n${output}`);
          child.kill("SIGTERM");
          await exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (output += d));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with status ${code} before it was ready; its output:\n${output}`));
    });
  });
}

/** Builds an example into a temporary file; returns its path. */
async function buildExample(root: string, entry: string, dir: string, progress: Progress): Promise<string> {
  const t0 = performance.now();
  const result = await build({ entry: path.join(root, "examples", entry) });
  const out = path.join(dir, path.basename(path.dirname(entry)) + ".wasm");
  writeFileSync(out, result.binary);
  progress(`built examples/${entry} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${result.size} bytes)`);
  return out;
}

/** wrk's figures for one run. */
interface WrkResult {
  rps: number;
  requests: number;
  errors: string[];
}

function wrk(port: number, seconds: number): WrkResult {
  const r = spawnSync("wrk", ["-t1", `-c${WRK_CONNECTIONS}`, `-d${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: "utf8" });
  if (r.error) throw r.error;
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const errors = [/Socket errors:.*/.exec(out)?.[0], /Non-2xx or 3xx responses:.*/.exec(out)?.[0]].filter((e): e is string => !!e);
  return { rps, requests, errors };
}

/** The response both servers must give for "/". */
async function checkResponse(label: string, port: number, check: Check): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  const body = await res.text();
  check(res.status === 200 && body === "Hello, World!", `${label}: GET / gave ${res.status} ${JSON.stringify(body)}, expected 200 "Hello, World!"`);
  check(res.headers.get("content-type") === "text/plain", `${label}: Content-Type ${res.headers.get("content-type")}, expected text/plain`);
}

/** CPU time (user + system) of process `pid` so far, in µs; NaN without /proc. */
function cpuMicros(pid: number): number {
  try {
    // fields after the parenthesized command name: utime and stime are the 12th and 13th
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const hz = 100; // USER_HZ: clock ticks per second on Linux
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / hz;
  } catch {
    return NaN;
  }
}

/** One server's figures. */
export interface HttpFigures {
  rps: number;
  /** Server CPU per request, µs (NaN where /proc is missing). */
  cpuUs: number;
}

async function measure(label: string, server: Server, progress: Progress, check: Check): Promise<HttpFigures> {
  await checkResponse(label, server.port, check);
  wrk(server.port, WARMUP_SECONDS);
  const cpu0 = cpuMicros(server.child.pid!);
  const r = wrk(server.port, WRK_SECONDS);
  const cpuUs = (cpuMicros(server.child.pid!) - cpu0) / r.requests;
  check(Number.isFinite(r.rps) && r.requests > 0, `${label}: wrk gave no figures`);
  check(r.errors.length === 0, `${label}: wrk saw errors: ${r.errors.join("; ")}`);
  progress(`  ${label}: ${Math.round(r.rps)} requests/s (${r.requests} in ${WRK_SECONDS} s, ${WRK_CONNECTIONS} connections), ${cpuUs.toFixed(1)} µs server CPU per request`);
  return { rps: r.rps, cpuUs };
}

/** `http_rps` and `node_http_rps`, measured in this order in one run. */
export async function benchHttp(root: string, progress: Progress, check: Check): Promise<{ weft: HttpFigures; node: HttpFigures }> {
  const probe = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  check(!probe.error, "the http benchmark needs wrk: install it with `apt-get install wrk` (Debian package)");
  const dir = mkdtempSync(path.join(tmpdir(), "weft-bench-"));
  try {
    const wasm = await buildExample(root, "http/main.ts", dir, progress);
    const weftBin = path.join(root, "bin", "weft.js");
    const fiber = await startServer("the fiber HTTP server", process.execPath, [weftBin, "run", wasm, "--port", "0"], /serving on http:\/\/127\.0\.0\.1:(\d+)\//, check);
    let weft: HttpFigures;
    try {
      weft = await measure("weft (examples/http)", fiber, progress, check);
    } finally {
      await fiber.stop();
    }
    const nodeServer = path.join(root, "dist", "bench", "nodehttp.js");
    const baseline = await startServer("Node's http server", process.execPath, [nodeServer], /serving on http:\/\/127\.0\.0\.1:(\d+)\//, check);
    let node: HttpFigures;
    try {
      node = await measure("Node http", baseline, progress, check);
    } finally {
      await baseline.stop();
    }
    return { weft, node };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `echo_10k_conns_ok`: true, or false with the reason reported through `progress`. */
export async function benchEcho(root: string, progress: Progress, check: Check): Promise<boolean> {
  const hard = spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim();
  const need = ECHO_CONNECTIONS + 100;
  if (hard !== "unlimited" && Number(hard) < need) {
    progress(`  echo: impossible here: the hard limit of open files is ${hard}, and each process needs ${need} (raise it with ulimit -Hn as root)`);
    return false;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "weft-bench-"));
  try {
    const wasm = await buildExample(root, "echo/main.ts", dir, progress);
    const weftBin = path.join(root, "bin", "weft.js");
    const server = await startServer("the echo server", process.execPath, [weftBin, "run", wasm, "--port", "0", "--buffer", "1024"], /listening on 127\.0\.0\.1:(\d+)/, check);
    try {
      const client = spawnSync(
        "sh",
        ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', "sh", process.execPath, path.join(root, "dist", "bench", "echoclient.js"), String(server.port), String(ECHO_CONNECTIONS)],
        { encoding: "utf8", timeout: 180_000 },
      );
      check(!client.error, `the echo client did not finish: ${client.error?.message}`);
      const line = client.stdout.trim().split("\n").at(-1) ?? "";
      let report: { connections: number; echoed: number; openAtEnd: number; failures: Record<string, number>; ms: number };
      try {
        report = JSON.parse(line);
      } catch {
        throw new Error(`the echo client printed no report; its output:\n${client.stdout}${client.stderr}`);
      }
      const ok = report.echoed === ECHO_CONNECTIONS && report.openAtEnd === ECHO_CONNECTIONS;
      progress(
        `  echo: ${report.echoed} of ${ECHO_CONNECTIONS} connections echoed, ${report.openAtEnd} open at once at the end, ${Math.round(report.ms)} ms` +
          (Object.keys(report.failures).length ? `, failures: ${JSON.stringify(report.failures)}` : ""),
      );
      return ok;
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
