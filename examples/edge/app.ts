// app.ts: the fiber program behind the edge handler (worker.ts). AssemblyScript, built with
// weft's pipeline by build.ts.
//
// Every request runs as its own fiber: the handler calls `program.spawn("handle", id)`, and
// the fiber reads the request and writes the response through the `edge` imports (keyed by
// the request's id). While one request's fiber waits (a timer, an upstream fetch, a channel
// inside its own fan-out), the others run. Routes:
//   GET  /primes?count=N     a concurrent prime sieve of N + 1 fibers for this request:
//                            {"count":N,"last":<Nth prime>,"sum":<sum>}
//   GET  /sleep?ms=M&tag=T   waits M ms on a timer: {"tag":"T","slept":M}
//   GET  /proxy?url=U        fetches U from the fiber and reads its body in 4 KiB chunks:
//                            {"status":S,"bytes":B,"fnv":<FNV-1a of the body>}
//                            (502 {"error":CODE,...} if there is no response or its body breaks off)
//   POST /echo               the body, reversed: {"echo":"..."}
//   anything else            404 {"error":"no route GET /x"}

import { Channel, Scope, Outcome, outcome, sleep, fetch } from "weft";

// @ts-ignore: decorator
@external("edge", "method")
declare function method(id: i32): string;
// @ts-ignore: decorator
@external("edge", "path")
declare function path(id: i32): string;
// @ts-ignore: decorator
@external("edge", "param")
declare function param(id: i32, name: string): string | null;
// @ts-ignore: decorator
@external("edge", "body")
declare function body(id: i32): string;
// @ts-ignore: decorator
@external("edge", "respond")
declare function respond(id: i32, status: i32, contentType: string, body: string): void;

/** Nothing to do until requests come: each one is a fiber the handler spawns. */
export function main(): void {}

/** Serves request `id`; returns the status it answered with. */
export function handle(id: i32): i32 {
  const route = method(id) + " " + path(id);
  if (route == "GET /primes") return primes(id);
  if (route == "GET /sleep") return nap(id);
  if (route == "GET /proxy") return proxy(id);
  if (route == "POST /echo") return echo(id);
  return json(id, 404, "{\"error\":\"no route " + route + "\"}");
}

function json(id: i32, status: i32, text: string): i32 {
  respond(id, status, "application/json", text);
  return status;
}

function intParam(id: i32, name: string, fallback: i32): i32 {
  const text = param(id, name);
  return text !== null ? I32.parseInt(text!) : fallback;
}

// ─── /primes: a sieve per request ───────────────────────────────────────────────────────

class Stage {
  constructor(public input: Channel<i32>, public output: Channel<i32>, public prime: i32) {}
}

function generate(out: Channel<i32>): void {
  for (let i = 2; ; i++) if (out.send(i) != Outcome.Ok) return;
}

function filter(stage: Stage): void {
  while (true) {
    const n = stage.input.recv();
    if (outcome() != Outcome.Ok) return;
    if (n % stage.prime != 0 && stage.output.send(n) != Outcome.Ok) return;
  }
}

function primes(id: i32): i32 {
  const count = intParam(id, "count", 10);
  if (count < 1 || count > 5000) return json(id, 400, "{\"error\":\"count must be between 1 and 5000\"}");
  const scope = new Scope();
  let ch = new Channel<i32>();
  scope.spawnWith(generate, ch, "generate");
  let last = 0;
  let sum: i64 = 0;
  for (let i = 0; i < count; i++) {
    const prime = ch.recv();
    last = prime;
    sum += prime;
    const next = new Channel<i32>();
    scope.spawnWith(filter, new Stage(ch, next, prime), "filter");
    ch = next;
  }
  // the request's fibers end before its answer: none outlives the request
  scope.cancel();
  scope.wait();
  return json(id, 200, "{\"count\":" + count.toString() + ",\"last\":" + last.toString() + ",\"sum\":" + sum.toString() + "}");
}

// ─── /sleep ─────────────────────────────────────────────────────────────────────────────

function nap(id: i32): i32 {
  const ms = intParam(id, "ms", 10);
  const tag = param(id, "tag");
  sleep(<f64>ms);
  return json(id, 200, "{\"tag\":\"" + (tag !== null ? tag! : "") + "\",\"slept\":" + ms.toString() + "}");
}

// ─── /proxy: fetch from the fiber ───────────────────────────────────────────────────────

function proxy(id: i32): i32 {
  const url = param(id, "url");
  if (url === null) return json(id, 400, "{\"error\":\"url is missing\"}");
  const response = fetch(url!);
  if (response.status == 0) return json(id, 502, "{\"error\":\"" + response.code! + "\"}");
  const chunk = new Uint8Array(4096);
  let bytes = 0;
  let hash: u32 = 2166136261;
  let n = response.read(chunk);
  for (; n > 0; n = response.read(chunk)) {
    for (let i = 0; i < n; i++) hash = (hash ^ chunk[i]) * 16777619;
    bytes += n;
  }
  // -1: the body broke off; what was read is not the upstream's answer
  if (n < 0) return json(id, 502, "{\"error\":\"" + response.code! + "\",\"message\":" + quote(response.error!) + ",\"bytes\":" + bytes.toString() + "}");
  return json(id, 200, "{\"status\":" + response.status.toString() + ",\"bytes\":" + bytes.toString() + ",\"fnv\":" + hash.toString() + "}");
}

/** `text` as a JSON string literal. */
function quote(text: string): string {
  let out = "\"";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 34 || c == 92) out += "\\" + String.fromCharCode(c);
    else if (c < 32) out += " ";
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}

// ─── /echo ──────────────────────────────────────────────────────────────────────────────

function echo(id: i32): i32 {
  const text = body(id);
  let reversed = new Array<string>();
  for (let i = text.length - 1; i >= 0; i--) reversed.push(text.charAt(i));
  return json(id, 200, "{\"echo\":\"" + reversed.join("") + "\"}");
}
