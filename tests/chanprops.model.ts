// Random channel/select scripts for tests/programs/chanprops.ts, how to run one, and the
// two checks its recorded events must pass (tests/chanprops.test.ts uses them).
//
// A script: K channels with capacities (each carrying i32 or strings), F fibers, and for
// each fiber a list of operations. Every value a script can send is unique (fiber, step
// and select case are encoded in it), so each delivery can be traced to its send.
//
// What the log says about time: each operation records BEGIN before it starts and END
// after it returns, with no switch between a BEGIN and the operation's first action, or
// between its last action and its END. So every operation has an interval in the log that
// holds its effect on the channels. A blocked operation completes while its partner runs
// (its END comes later), so the order of ENDs is not the order of channel events.
//   `check` (the invariants) uses only what the intervals imply: if END(x) < BEGIN(y) in
//   the log, x's effect happened before y's.
//   `replay` (the reference model) uses the stronger fact that an operation acts on the
//   channels at once after its BEGIN, completing, failing or queueing itself there.
//
// The end state comes from the program's `drainAll` export, called after the run: each
// channel's length, closed flag and wait-list lengths, and the values still buffered.
import fc from "fast-check";
import { WeftProgram, type RunResult } from "../host/runtime.js";

// ─── scripts ─────────────────────────────────────────────────────────────────────────────

export type Case = { send: true; ch: number; value: number } | { send: false; ch: number };

export type Op =
  | { k: "send"; ch: number; value: number }
  | { k: "recv"; ch: number }
  | { k: "trySend"; ch: number; value: number }
  | { k: "tryRecv"; ch: number }
  | { k: "close"; ch: number }
  | { k: "select"; poll: boolean; reuse: boolean; cases: Case[] }
  | { k: "yield" }
  | { k: "gc"; churn: number };

export interface Script {
  /** Seed of the program's Math.random (select's case order). */
  seed: number;
  caps: number[];
  /** Channels that carry strings (managed values, traced by the GC) instead of i32. */
  strings: boolean[];
  fibers: Op[][];
}

/** An operation as generated, before `normalize` (channel numbers not yet reduced). */
export interface RawOp {
  k: string;
  ch?: number;
  poll?: boolean;
  reuse?: boolean;
  churn?: number;
  cases?: { send: boolean; ch: number }[];
}

/** The value a send (or send case `k` of a select) of fiber `f` at `step` carries. */
export function valueOf(f: number, step: number, k = 0): number {
  return (f + 1) * 10000 + step * 10 + k + 1;
}

export interface GenOptions {
  maxChannels?: number;
  maxCap?: number;
  maxFibers?: number;
  maxOps?: number;
  maxCases?: number;
  /** Weight of `close` among the operations (send and recv 16, select 12, the others 4). */
  closeWeight?: number;
}

/** A `gc` operation's work: 0 for a full collection, else that many allocations. */
function churn() {
  return fc.oneof(fc.constant(0), fc.integer({ min: 100, max: 3000 }));
}

/** A channel: its capacity, and whether it carries strings. */
function channel(maxCap: number) {
  return fc.record({ cap: fc.nat(maxCap), str: fc.boolean() });
}

/**
 * Scripts as fast-check generates and shrinks them: channel numbers are taken modulo
 * the number of channels and values are assigned afterwards (`normalize`), so that
 * shrinking the channel list or an operation never makes a script invalid.
 */
export function scriptArb(options: GenOptions = {}): fc.Arbitrary<Script> {
  const { maxChannels = 3, maxCap = 3, maxFibers = 6, maxOps = 8, maxCases = 3, closeWeight = 4 } = options;
  const ch = fc.nat(maxChannels - 1);
  const rawCase = fc.record({ send: fc.boolean(), ch });
  type Raw =
    | { k: "send" | "recv" | "trySend" | "tryRecv" | "close"; ch: number }
    | { k: "select"; poll: boolean; reuse: boolean; cases: { send: boolean; ch: number }[] }
    | { k: "yield" }
    | { k: "gc"; churn: number };
  const rawOp: fc.Arbitrary<Raw> = fc.oneof(
    { weight: 16, arbitrary: fc.record({ k: fc.constant("send" as const), ch }) },
    { weight: 16, arbitrary: fc.record({ k: fc.constant("recv" as const), ch }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant("trySend" as const), ch }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant("tryRecv" as const), ch }) },
    { weight: closeWeight, arbitrary: fc.record({ k: fc.constant("close" as const), ch }) },
    {
      weight: 12,
      arbitrary: fc.record({ k: fc.constant("select" as const), poll: fc.nat(3).map((n) => n === 3), reuse: fc.boolean(), cases: fc.array(rawCase, { minLength: 1, maxLength: maxCases }) }),
    },
    { weight: 4, arbitrary: fc.record({ k: fc.constant("yield" as const) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("gc" as const), churn: churn() }) },
  );
  return fc
    .record({
      seed: fc.integer(),
      channels: fc.array(channel(maxCap), { minLength: 1, maxLength: maxChannels }),
      fibers: fc.array(fc.array(rawOp, { maxLength: maxOps }), { minLength: 1, maxLength: maxFibers }),
    })
    .map(({ seed, channels, fibers }) => normalize({ seed, caps: channels.map((c) => c.cap), strings: channels.map((c) => c.str), fibers }));
}

/**
 * Scripts with mostly matched traffic, so that runs go deep instead of deadlocking at the
 * first unmatched operation: a global sequence of send/receive pairs between two different
 * fibers, each fiber doing its share in sequence order (some as selects with an extra
 * case, which may fire instead and unbalance the rest), optionally ending in a close.
 */
export function pairedScriptArb(options: { maxChannels?: number; maxCap?: number; maxFibers?: number; maxPairs?: number } = {}): fc.Arbitrary<Script> {
  const { maxChannels = 2, maxCap = 2, maxFibers = 4, maxPairs = 16 } = options;
  const ch = fc.nat(maxChannels - 1);
  const pair = fc.record({
    from: fc.nat(maxFibers - 1),
    to: fc.nat(maxFibers - 2),
    ch,
    sendAs: fc.nat(3), // 0-1 send, 2 select, 3 select with an extra case
    recvAs: fc.nat(3),
    extra: fc.record({ send: fc.boolean(), ch }),
    yieldAfter: fc.nat(5).map((n) => n === 5),
    reuse: fc.boolean(),
    gc: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: churn() }),
  });
  return fc
    .record({
      seed: fc.integer(),
      channels: fc.array(channel(maxCap), { minLength: 1, maxLength: maxChannels }),
      fibers: fc.integer({ min: 2, max: maxFibers }),
      pairs: fc.array(pair, { maxLength: maxPairs }),
      close: fc.option(fc.record({ by: fc.nat(maxFibers - 1), ch }), { freq: 3 }),
    })
    .map(({ seed, channels, fibers: F, pairs, close }) => {
      const fibers: RawOp[][] = Array.from({ length: F }, () => []);
      for (const p of pairs) {
        const a = p.from % F;
        const b = (a + 1 + (p.to % (F - 1))) % F;
        const as = (send: boolean, how: number): RawOp =>
          how < 2 ? { k: send ? "send" : "recv", ch: p.ch } : { k: "select", poll: false, reuse: p.reuse, cases: [{ send, ch: p.ch }, ...(how === 3 ? [p.extra] : [])] };
        fibers[a].push(as(true, p.sendAs));
        fibers[b].push(as(false, p.recvAs));
        if (p.yieldAfter) fibers[a].push({ k: "yield" });
        if (p.gc !== null) fibers[b].push({ k: "gc", churn: p.gc });
      }
      if (close) fibers[close.by % F].push({ k: "close", ch: close.ch });
      return normalize({ seed, caps: channels.map((c) => c.cap), strings: channels.map((c) => c.str), fibers });
    });
}

/** Makes channel numbers valid and gives every send its unique value. */
export function normalize(script: { seed: number; caps: number[]; strings?: boolean[]; fibers: RawOp[][] }): Script {
  const K = script.caps.length;
  return {
    seed: script.seed,
    caps: script.caps.slice(),
    strings: script.caps.map((_, c) => script.strings?.[c] ?? false),
    fibers: script.fibers.map((ops, f) =>
      ops.map((o, step): Op => {
        const ch = (o.ch ?? 0) % K;
        switch (o.k) {
          case "send":
          case "trySend":
            return { k: o.k, ch, value: valueOf(f, step) };
          case "recv":
          case "tryRecv":
          case "close":
            return { k: o.k, ch };
          case "select":
            return {
              k: "select",
              poll: !!o.poll,
              reuse: !!o.reuse,
              cases: o.cases!.map((c, i): Case => (c.send ? { send: true, ch: c.ch % K, value: valueOf(f, step, i) } : { send: false, ch: c.ch % K })),
            };
          case "gc":
            return { k: "gc", churn: o.churn ?? 0 };
          default:
            return { k: "yield" };
        }
      }),
    ),
  };
}

/** A script in a line per fiber, as in failure reports: `f0: send c1 10001; recv c0`. */
export function showScript(s: Script): string {
  const op = (o: Op): string => {
    switch (o.k) {
      case "send":
      case "trySend":
        return `${o.k} c${o.ch} ${o.value}`;
      case "recv":
      case "tryRecv":
      case "close":
        return `${o.k} c${o.ch}`;
      case "select":
        return `${o.reuse ? "reused " : ""}${o.poll ? "poll" : "select"}{${o.cases.map((c) => (c.send ? `send c${c.ch} ${c.value}` : `recv c${c.ch}`)).join(", ")}}`;
      case "yield":
        return o.k;
      case "gc":
        return o.churn ? `churn ${o.churn}` : "gc";
    }
  };
  return [`seed ${s.seed}, caps [${s.caps.map((c, i) => `${c}${s.strings[i] ? " (strings)" : ""}`).join(", ")}]`, ...s.fibers.map((ops, f) => `  f${f}: ${ops.map(op).join("; ")}`)].join("\n");
}

// ─── encoding and running ────────────────────────────────────────────────────────────────

const OPCODE = { send: 1, recv: 2, trySend: 3, tryRecv: 4, close: 5, select: 6, yield: 7, gc: 8 } as const;

/** The word stream `script.op(i)` serves (layout in tests/programs/chanprops.ts). */
export function encode(s: Script): Int32Array {
  const K = s.caps.length;
  const F = s.fibers.length;
  const words: number[] = [s.seed | 0, K, ...s.caps.map((c, i) => c | (s.strings[i] ? 256 : 0)), F];
  const offsetsAt = words.length;
  for (let i = 0; i <= F; i++) words.push(0);
  s.fibers.forEach((ops, f) => {
    words[offsetsAt + f] = words.length;
    for (const o of ops) {
      words.push(OPCODE[o.k]);
      if (o.k === "send" || o.k === "trySend") words.push(o.ch, o.value);
      else if (o.k === "recv" || o.k === "tryRecv" || o.k === "close") words.push(o.ch);
      else if (o.k === "gc") words.push(o.churn);
      else if (o.k === "select") {
        words.push((o.poll ? 1 : 0) | (o.reuse ? 2 : 0), o.cases.length);
        for (const c of o.cases) words.push(c.send ? 0 : 1, c.ch, c.send ? c.value : 0);
      }
    }
  });
  words[offsetsAt + F] = words.length;
  return Int32Array.from(words);
}

export const EV = { BEGIN: 1, END: 2, CHAN: 3, JOIN: 4, STATE: 5, DRAIN: 6, REUSE: 7 } as const;
export type Event = [event: number, x0: number, x1: number, x2: number, x3: number, x4: number];

export interface Trace {
  events: Event[];
  result: RunResult;
  stderr: string[];
}

/** Runs a script on a fresh instance of the built interpreter. */
export async function runScript(binary: Uint8Array<ArrayBuffer>, script: Script): Promise<Trace> {
  const words = encode(script);
  const events: Event[] = [];
  const stderr: string[] = [];
  const program = await WeftProgram.load(binary, {
    stdout: () => {},
    stderr: (l) => stderr.push(l),
    onFailure: () => {},
    imports: {
      script: {
        op: (i: number) => {
          if (i < 0 || i >= words.length) throw new Error(`script word ${i} out of range`);
          return words[i];
        },
        record: (e: number, a: number, b: number, c: number, d: number, x: number) => void events.push([e, a, b, c, d, x]),
      },
    },
  });
  const result = program.run();
  if (result.exitCode <= 2) (program.exports as unknown as { drainAll: () => void }).drainAll();
  return { events, result, stderr };
}

// ─── the reference checks ────────────────────────────────────────────────────────────────

const OK = 0;
const CLOSED = 1;
const SEND_CLOSED = "send on closed channel #";
const CLOSE_CLOSED = "close of closed channel #";
const WOULD_BLOCK = 2;

interface Step {
  begin: number;
  end: number;
  res: [number, number, number];
}

interface Sent {
  value: number;
  ch: number;
  f: number;
  step: number;
}
interface Received {
  value: number;
  ch: number;
  f: number;
  step: number;
  how: string;
}

/** Send cases and plain sends of an operation: [channel, value] pairs. */
function sendsOf(o: Op): { ch: number; value: number }[] {
  if (o.k === "send" || o.k === "trySend") return [{ ch: o.ch, value: o.value }];
  if (o.k === "select") return o.cases.flatMap((c) => (c.send ? [{ ch: c.ch, value: c.value }] : []));
  return [];
}
function recvChannelsOf(o: Op): number[] {
  if (o.k === "recv" || o.k === "tryRecv") return [o.ch];
  if (o.k === "select") return o.cases.flatMap((c) => (c.send ? [] : [c.ch]));
  return [];
}

/** Checks a run against the reference semantics; returns the violations (empty: passed). */
export function check(script: Script, trace: Trace): string[] {
  const bad: string[] = [];
  let section = "";
  const err = (message: string) => bad.push(`[${section}] ${message}`);
  const { events, result } = trace;
  const K = script.caps.length;
  const F = script.fibers.length;
  const at = (f: number, s: number) => `f${f} step ${s} (${describeOp(script.fibers[f][s])})`;

  // ── parse the log ──
  section = "log";
  const steps: (Step | undefined)[][] = script.fibers.map(() => []);
  const chanId: number[] = [];
  const joins: { f: number; code: number; id: number }[] = [];
  const state: { len: number; closed: boolean; ws: number; wr: number }[] = [];
  const drained: number[][] = script.caps.map(() => []);
  events.forEach(([e, a, b, c, d, x], i) => {
    if (e === EV.BEGIN) {
      if (a < 0 || a >= F || b < 0 || b >= script.fibers[a].length) return void err(`event ${i}: BEGIN of an unknown step f${a} ${b}`);
      if (steps[a][b]) err(`event ${i}: ${at(a, b)} began twice`);
      else if (b > 0 && !((steps[a][b - 1]?.end ?? -1) >= 0)) err(`event ${i}: ${at(a, b)} began before step ${b - 1} ended`);
      steps[a][b] = { begin: i, end: -1, res: [0, 0, 0] };
    } else if (e === EV.END) {
      const st = steps[a]?.[b];
      if (!st || st.end >= 0) return void err(`event ${i}: END of f${a} step ${b} without its BEGIN`);
      st.end = i;
      st.res = [c, d, x];
    } else if (e === EV.CHAN) chanId[a] = b;
    else if (e === EV.JOIN) joins.push({ f: a, code: b, id: c });
    else if (e === EV.STATE) state[a] = { len: b, closed: c === 1, ws: d, wr: x };
    else if (e === EV.DRAIN) {
      if (c !== OK) err(`drain of c${a} got outcome ${c}`);
      drained[a].push(b);
    } else if (e !== EV.REUSE) err(`event ${i}: unknown event ${e}`);
  });
  const ended = (st: Step | undefined): st is Step => st !== undefined && st.end >= 0;
  if (chanId.length !== K) err(`main reported ${chanId.length} channels, not ${K}`);
  if (state.length !== K) err(`drainAll reported ${state.length} channels, not ${K}`);

  // ── which fibers completed, failed or are stuck ──
  section = "status";
  const failureOf = new Map<number, string>();
  for (const fl of result.failures) {
    const m = /^f(\d+)$/.exec(fl.fiberName ?? "");
    if (!m) {
      err(`unexpected failure of fiber #${fl.fiberId} ${fl.fiberName ?? ""}: ${fl.message}`);
      continue;
    }
    if (fl.kind !== "Misuse") err(`f${m[1]} failed with kind ${fl.kind}: ${fl.message}`);
    if (failureOf.has(+m[1])) err(`f${m[1]} failed twice`);
    failureOf.set(+m[1], fl.message);
  }
  type Status = { kind: "done" } | { kind: "failed"; step: number; message: string } | { kind: "stuck"; step: number };
  const status: Status[] = script.fibers.map((ops, f) => {
    let s = 0;
    while (s < ops.length && ended(steps[f][s])) s++;
    const message = failureOf.get(f);
    if (message !== undefined) {
      if (s === ops.length) {
        err(`f${f} completed every step and yet failed: ${message}`);
        return { kind: "done" };
      }
      if (!steps[f][s]) err(`f${f} failed (${message}) before beginning ${at(f, s)}`);
      return { kind: "failed", step: s, message };
    }
    if (s === ops.length) return { kind: "done" };
    if (!steps[f][s]) err(`f${f} is stuck without having begun ${at(f, s)}`);
    return { kind: "stuck", step: s };
  });

  const begin = (f: number, s: number) => steps[f][s]?.begin ?? Infinity;
  const endOf = (f: number, s: number) => (ended(steps[f][s]) ? steps[f][s]!.end : Infinity);

  // ── closes (property 4) ──
  section = "P4 close";
  const closeEnd: number[] = script.caps.map(() => Infinity);
  const closer: string[] = [];
  script.fibers.forEach((ops, f) =>
    ops.forEach((o, s) => {
      if (o.k !== "close" || !ended(steps[f][s])) return;
      if (closeEnd[o.ch] !== Infinity) err(`c${o.ch} closed twice: by ${closer[o.ch]} and by ${at(f, s)}`);
      closeEnd[o.ch] = Math.min(closeEnd[o.ch], steps[f][s]!.end);
      closer[o.ch] = at(f, s);
    }),
  );
  const closedBefore = (ch: number, i: number) => closeEnd[ch] < i;

  // ── what each completed step did ──
  section = "P4/P5 results";
  const sent: Sent[] = [];
  const received: Received[] = [];
  const closedRecvs: { ch: number; f: number; step: number; end: number }[] = [];
  const sentAt = new Map<number, Sent>();
  const recvOf = new Map<number, Received[]>();
  const addSent = (x: Sent) => {
    sent.push(x);
    sentAt.set(x.value, x);
  };
  const addRecv = (x: Received) => {
    if (x.value === 0) err(`${at(x.f, x.step)} received 0 with outcome Ok`);
    received.push(x);
    recvOf.set(x.value, [...(recvOf.get(x.value) ?? []), x]);
  };
  const closedRecv = (f: number, s: number, ch: number, value: number) => {
    if (value !== 0) err(`${at(f, s)} reported Closed with value ${value}, not 0`);
    closedRecvs.push({ ch, f, step: s, end: endOf(f, s) });
  };
  script.fibers.forEach((ops, f) =>
    ops.forEach((o, s) => {
      const st = steps[f][s];
      if (!ended(st)) return;
      const [a, b, c] = st.res;
      switch (o.k) {
        case "send":
          if (a !== OK) err(`${at(f, s)} returned outcome ${a}, not Ok`);
          addSent({ value: o.value, ch: o.ch, f, step: s });
          break;
        case "trySend":
          if (a === OK) addSent({ value: o.value, ch: o.ch, f, step: s });
          else if (a === WOULD_BLOCK) {
            if (closedBefore(o.ch, st.begin)) err(`${at(f, s)} said WouldBlock on a closed channel instead of failing`);
          } else err(`${at(f, s)} returned outcome ${a}`);
          break;
        case "recv":
        case "tryRecv":
          if (b === OK) addRecv({ value: a, ch: o.ch, f, step: s, how: o.k });
          else if (b === CLOSED) closedRecv(f, s, o.ch, a);
          else if (b === WOULD_BLOCK && o.k === "tryRecv") {
            if (a !== 0) err(`${at(f, s)} said WouldBlock with value ${a}`);
            if (closedBefore(o.ch, st.begin)) err(`${at(f, s)} said WouldBlock on a channel closed before it began (${closer[o.ch]})`);
          } else err(`${at(f, s)} returned value ${a} with outcome ${b}`);
          break;
        case "select": {
          // property 5: exactly one case, or default for a poll
          if (a === -1) {
            if (!o.poll) err(`${at(f, s)}: a blocking select returned default`);
            for (const cs of o.cases) {
              if (closedBefore(cs.ch, st.begin)) err(`${at(f, s)} polled default although c${cs.ch} was closed before it began (${closer[cs.ch]})`);
            }
          } else if (a < 0 || a >= o.cases.length) {
            err(`${at(f, s)} fired case ${a}, which does not exist`);
          } else {
            const cs = o.cases[a];
            if (cs.send) {
              if (b !== 0 || c !== 0) err(`${at(f, s)} fired send case ${a} but reported a received value ${b}/${c}`);
              addSent({ value: cs.value, ch: cs.ch, f, step: s });
            } else if (c === 1) addRecv({ value: b, ch: cs.ch, f, step: s, how: `select case ${a}` });
            else if (c === 0) closedRecv(f, s, cs.ch, b);
            else err(`${at(f, s)} fired receive case ${a} with ok=${c}`);
          }
          break;
        }
        case "close":
        case "yield":
        case "gc":
          break;
      }
    }),
  );

  // ── failures (property 4): only sends on closed channels and second closes ──
  section = "P4 failure";
  status.forEach((stt, f) => {
    if (stt.kind !== "failed") return;
    const o = script.fibers[f][stt.step];
    const sendMsgs = sendsOf(o).map((x) => x.ch);
    const m = /^send on closed channel #(\d+)$/.exec(stt.message);
    const m2 = /^close of closed channel #(\d+)$/.exec(stt.message);
    if (m && sendMsgs.length > 0) {
      const ch = chanId.indexOf(+m[1]);
      if (!sendMsgs.includes(ch)) err(`${at(f, stt.step)} failed with "${stt.message}", a channel it does not send on`);
      else if (closeEnd[ch] === Infinity) err(`${at(f, stt.step)} failed with "${stt.message}" but c${ch} was never closed`);
    } else if (m2 && o.k === "close") {
      if (+m2[1] !== chanId[o.ch]) err(`${at(f, stt.step)} failed with "${stt.message}", not about c${o.ch} (#${chanId[o.ch]})`);
      else if (!(closeEnd[o.ch] < begin(f, stt.step))) err(`${at(f, stt.step)} failed with "${stt.message}" but c${o.ch} was not closed before it began`);
    } else err(`${at(f, stt.step)} failed unexpectedly: ${stt.message}`);
  });
  // every send or close that began after its channel was closed must fail
  script.fibers.forEach((ops, f) =>
    ops.forEach((o, s) => {
      const st = steps[f][s];
      if (!st || !ended(st)) return;
      if (o.k === "close") return; // a second successful close is reported above
      if ((o.k === "send" || o.k === "trySend") && closedBefore(o.ch, st.begin)) err(`${at(f, s)} completed on a channel closed before it began (${closer[o.ch]})`);
      if (o.k === "select" && st.res[0] >= 0 && st.res[0] < o.cases.length) {
        const cs = o.cases[st.res[0]];
        if (cs.send && closedBefore(cs.ch, st.begin)) err(`${at(f, s)} fired a send on c${cs.ch}, closed before it began (${closer[cs.ch]})`);
      }
    }),
  );

  // ── joins ──
  section = "join";
  const expectedJoins = result.exitCode === 0 ? F : joins.length;
  if (joins.length !== expectedJoins) err(`main joined ${joins.length} fibers, not ${expectedJoins}`);
  joins.forEach((j, i) => {
    if (j.f !== i) return void err(`main's join #${i} reported f${j.f}`);
    const stt = status[i];
    if (stt.kind === "stuck") return void err(`main joined f${i}, which is still blocked in ${at(i, stt.step)}`);
    const msg = stt.kind === "failed" ? stt.message : null;
    const want = msg === null ? [0, 0] : msg.startsWith(SEND_CLOSED) ? [1, +msg.slice(SEND_CLOSED.length)] : msg.startsWith(CLOSE_CLOSED) ? [2, +msg.slice(CLOSE_CLOSED.length)] : [3, 0];
    if (j.code !== want[0] || j.id !== want[1]) err(`join of f${i} returned failure code ${j.code} #${j.id}, the host saw ${msg ?? "no failure"}`);
  });

  // ── properties 1, 2, 6: every completed send received exactly once or still buffered ──
  section = "P1/P2/P6 delivery";
  const drainedAt = new Map<number, number>();
  drained.forEach((vs, ch) =>
    vs.forEach((v) => {
      if (drainedAt.has(v)) err(`value ${v} is buffered twice`);
      drainedAt.set(v, ch);
    }),
  );
  for (const s of sent) {
    const rs = recvOf.get(s.value) ?? [];
    const inBuffer = drainedAt.has(s.value);
    if (rs.length + (inBuffer ? 1 : 0) === 0) err(`lost: ${s.value} sent on c${s.ch} by ${at(s.f, s.step)} was never received and is not buffered`);
    if (rs.length + (inBuffer ? 1 : 0) > 1) {
      err(`duplicated: ${s.value} was received ${rs.length} times${inBuffer ? " and is still buffered" : ""} (${rs.map((r) => at(r.f, r.step)).join(", ")})`);
    }
  }
  for (const r of received) {
    const s = sentAt.get(r.value);
    if (!s) err(`invented: ${at(r.f, r.step)} received ${r.value}, which no completed send sent`);
    else if (s.ch !== r.ch) err(`${at(r.f, r.step)} received ${r.value} on c${r.ch}, but it was sent on c${s.ch}`);
    else {
      // causality: the send began before the receive ended; a rendezvous overlaps
      if (!(begin(s.f, s.step) < endOf(r.f, r.step))) err(`${at(r.f, r.step)} received ${r.value} before ${at(s.f, s.step)} began`);
      if (script.caps[r.ch] === 0 && !(begin(r.f, r.step) < endOf(s.f, s.step))) err(`unbuffered c${r.ch}: ${at(s.f, s.step)} completed before the receive ${at(r.f, r.step)} began`);
    }
  }
  drained.forEach((vs, ch) => {
    if (vs.length > script.caps[ch]) err(`c${ch} (capacity ${script.caps[ch]}) holds ${vs.length} values at the end`);
    if (state[ch] && state[ch].len !== vs.length) err(`c${ch}: len ${state[ch].len} but ${vs.length} values drained`);
    for (const v of vs) {
      const s = sentAt.get(v);
      if (!s) err(`invented: ${v} is buffered in c${ch} at the end, but no completed send sent it`);
      else if (s.ch !== ch) err(`${v} is buffered in c${ch}, but it was sent on c${s.ch}`);
    }
    const completed = sent.filter((s) => s.ch === ch).length;
    const got = received.filter((r) => r.ch === ch).length;
    if (got !== completed - vs.length) err(`counting c${ch}: ${got} receives, but ${completed} completed sends - ${vs.length} buffered = ${completed - vs.length}`);
  });

  // ── property 3: FIFO per sender per channel ──
  section = "P3 FIFO";
  for (let f = 0; f < F; f++) {
    for (let ch = 0; ch < K; ch++) {
      const seq = sent.filter((s) => s.f === f && s.ch === ch); // in step order
      const buffered = seq.map((s) => drainedAt.get(s.value) === ch);
      const firstBuffered = buffered.indexOf(true);
      if (firstBuffered >= 0 && buffered.slice(firstBuffered).includes(false)) {
        err(`FIFO c${ch} from f${f}: ${seq[buffered.lastIndexOf(false)].value} was received although the earlier ${seq[firstBuffered].value} is still buffered`);
      }
      const order = drained[ch].filter((v) => sentAt.get(v)?.f === f);
      const want = seq.filter((_, i) => buffered[i]).map((s) => s.value);
      if (order.join() !== want.join()) err(`FIFO c${ch} from f${f}: buffered as [${order}], sent as [${want}]`);
      for (let i = 0; i < seq.length; i++) {
        for (let j = i + 1; j < seq.length; j++) {
          const ri = (recvOf.get(seq[i].value) ?? []).find((r) => r.ch === ch);
          const rj = (recvOf.get(seq[j].value) ?? []).find((r) => r.ch === ch);
          if (ri && rj && endOf(rj.f, rj.step) < begin(ri.f, ri.step)) {
            err(`FIFO c${ch} from f${f}: ${seq[j].value} (${at(rj.f, rj.step)}) was received before ${seq[i].value} (${at(ri.f, ri.step)}), sent earlier`);
          }
        }
      }
    }
  }

  // ── property 4: receives on a closed channel ──
  section = "P4 closed receive";
  for (const x of closedRecvs) {
    if (!(closeEnd[x.ch] < x.end)) err(`${at(x.f, x.step)} reported Closed, but c${x.ch} was not closed before it returned`);
    if (drained[x.ch].length > 0) err(`${at(x.f, x.step)} reported Closed while c${x.ch} still holds [${drained[x.ch]}]`);
    for (const r of received) {
      if (r.ch === x.ch && begin(r.f, r.step) > x.end) err(`${at(r.f, r.step)} received ${r.value} from c${x.ch} after ${at(x.f, x.step)} had found it closed and drained`);
    }
  }
  for (const s of sent) {
    if (!(begin(s.f, s.step) < closeEnd[s.ch])) err(`${at(s.f, s.step)} completed a send on c${s.ch} that began after the close (${closer[s.ch]})`);
  }

  // ── end state: termination, or a deadlock in which nobody can move ──
  section = "end state";
  if (state.length === K) {
    for (let ch = 0; ch < K; ch++) {
      if (state[ch].closed !== (closeEnd[ch] !== Infinity)) err(`c${ch}: closed flag ${state[ch].closed}, but the log says ${closeEnd[ch] !== Infinity ? "closed" : "never closed"}`);
    }
  }
  const stuck = status.flatMap((stt, f) => (stt.kind === "stuck" ? [{ f, step: stt.step, op: script.fibers[f][stt.step] }] : []));
  if (result.exitCode === 0) {
    if (stuck.length) err(`main returned while ${stuck.map((x) => at(x.f, x.step)).join(", ")} never finished`);
    if (result.aliveAtEnd !== 0) err(`exit 0 with ${result.aliveAtEnd} fibers alive`);
    state.forEach((st, ch) => {
      if (st.ws !== 0 || st.wr !== 0) err(`c${ch}: ${st.ws} senders and ${st.wr} receivers still queued after every fiber ended`);
    });
  } else if (result.exitCode === 2) {
    if (!stuck.length) err("deadlock reported, but every fiber ended");
    if (result.aliveAtEnd !== stuck.length + 1) err(`deadlock with ${result.aliveAtEnd} fibers alive, expected main and ${stuck.length} stuck`);
    if (joins.length < F && status[joins.length].kind !== "stuck") err(`main is stuck joining f${joins.length}, which ended`);
    // who waits where at the end (a select waits on every case's channel)
    const waitSend = script.caps.map(() => [] as number[]);
    const waitRecv = script.caps.map(() => [] as number[]);
    for (const x of stuck) {
      if (x.op.k === "select" && x.op.poll) err(`${at(x.f, x.step)} is stuck in a poll`);
      else if (x.op.k !== "send" && x.op.k !== "recv" && x.op.k !== "select") err(`${at(x.f, x.step)} is stuck in a non-blocking operation`);
      for (const s of sendsOf(x.op)) waitSend[s.ch].push(x.f);
      for (const ch of recvChannelsOf(x.op)) waitRecv[ch].push(x.f);
    }
    for (const x of stuck) {
      if (x.op.k === "select" && x.op.poll) continue;
      for (const s of sendsOf(x.op)) {
        const ch = s.ch;
        if (closeEnd[ch] !== Infinity) err(`${at(x.f, x.step)} is still blocked sending on closed c${ch} (it should have failed)`);
        else if (drained[ch].length < script.caps[ch]) err(`${at(x.f, x.step)} is blocked sending on c${ch}, whose buffer has room (${drained[ch].length}/${script.caps[ch]})`);
        else if (waitRecv[ch].some((g) => g !== x.f)) err(`${at(x.f, x.step)} is blocked sending on c${ch} while f${waitRecv[ch].find((g) => g !== x.f)} is blocked receiving from it`);
      }
      for (const ch of recvChannelsOf(x.op)) {
        if (closeEnd[ch] !== Infinity) err(`${at(x.f, x.step)} is still blocked receiving from closed c${ch}`);
        else if (drained[ch].length > 0) err(`${at(x.f, x.step)} is blocked receiving from c${ch}, which holds [${drained[ch]}]`);
        else if (waitSend[ch].some((g) => g !== x.f)) err(`${at(x.f, x.step)} is blocked receiving from c${ch} while f${waitSend[ch].find((g) => g !== x.f)} is blocked sending on it`);
      }
      if (!result.leftAlive.some((l) => l.includes(`"f${x.f}" blocked (`))) err(`the deadlock dump does not show f${x.f} blocked: ${result.leftAlive.join(" | ")}`);
    }
    state.forEach((st, ch) => {
      if (st.ws !== waitSend[ch].length || st.wr !== waitRecv[ch].length) {
        err(`c${ch}: ${st.ws} senders / ${st.wr} receivers queued at the deadlock, expected ${waitSend[ch].length} / ${waitRecv[ch].length}`);
      }
    });
  } else {
    err(`exit code ${result.exitCode}: ${result.mainFailure ?? trace.stderr.join(" | ")}`);
  }
  return bad;
}

function describeOp(o: Op | undefined): string {
  if (!o) return "?";
  return showScript({ seed: 0, caps: [], strings: [], fibers: [[o]] }).split("f0: ")[1];
}

/** A readable dump of a run, for failure reports. */
export function showTrace(script: Script, trace: Trace): string {
  const names = ["", "BEGIN", "END", "CHAN", "JOIN", "STATE", "DRAIN", "REUSE"];
  const lines = trace.events.map(([e, a, b, c, d, x], i) => {
    if (e === EV.BEGIN) return `${i} f${a}.${b} begin ${describeOp(script.fibers[a]?.[b])}`;
    if (e === EV.END) return `${i} f${a}.${b} end ${c} ${d} ${x}`;
    return `${i} ${names[e] ?? e} ${a} ${b} ${c} ${d} ${x}`;
  });
  return [`exit ${trace.result.exitCode}, failures: ${trace.result.failures.map((f) => `${f.fiberName}: ${f.message}`).join("; ") || "none"}`, ...lines].join("\n");
}

// ─── the reference model: a replay of the log ────────────────────────────────────────────
//
// A sequential model of Go channels (FIFO buffers, FIFO queues of blocked senders and
// receivers, a blocked select queued on each of its cases' channels in case order, close
// waking the receivers and then the senders). It replays the log: at each BEGIN, the
// operation takes effect at once (no other fiber runs between a BEGIN and the operation's
// first action), either completing (its END must then be the very next event), failing,
// or queueing itself; a queued operation completes when a later operation of another fiber
// takes it off its queue, and its END, whenever it comes, must show exactly the result the
// model handed it. The only choices the model does not make are the runtime's random ones
// (which ready case a select takes): it reads them from the END and checks that the case
// was ready. At the end the model's buffers, queues and closed flags must be the program's,
// its blocked operations exactly the fibers left stuck, and the exit status 2 (deadlock)
// exactly when some operation is still blocked.

interface Waiter {
  f: number;
  step: number;
  /** Select case index, or -1 for a plain send/recv. */
  k: number;
  value: number;
}

class ModelChan {
  buf: number[] = [];
  closed = false;
  senders: Waiter[] = [];
  receivers: Waiter[] = [];
  constructor(readonly cap: number) {}
}

type Res = [number, number, number];
type FiberModel =
  | { s: "idle" }
  | { s: "now"; step: number; res: Res }
  | { s: "yield"; step: number }
  | { s: "blocked"; step: number }
  | { s: "woken"; step: number; res: Res }
  | { s: "failing"; step: number; messages: string[] }
  | { s: "lost"; step: number };

/** Replays the log against the sequential model; returns the disagreements. */
export function replay(script: Script, trace: Trace): string[] {
  const bad: string[] = [];
  const { result } = trace;
  // REUSE marks sit between a select's BEGIN and END and change nothing on the channels
  const events = trace.events.filter((e) => e[0] !== EV.REUSE);
  const chans = script.caps.map((c) => new ModelChan(c));
  const fm: FiberModel[] = script.fibers.map(() => ({ s: "idle" }));
  const at = (f: number, s: number) => `f${f} step ${s} (${describeOp(script.fibers[f][s])})`;
  const chanId: number[] = [];
  for (const [e, a, b] of events) if (e === EV.CHAN) chanId[a] = b;
  const sendMsg = (c: number) => `${SEND_CLOSED}${chanId[c]}`;

  const unqueue = (f: number) => {
    for (const ch of chans) {
      ch.senders = ch.senders.filter((w) => w.f !== f);
      ch.receivers = ch.receivers.filter((w) => w.f !== f);
    }
  };
  const wake = (w: Waiter, res: Res) => {
    const st = fm[w.f];
    if (st.s !== "blocked" || st.step !== w.step) bad.push(`model: internal: waking ${at(w.f, w.step)}, which is ${st.s}`);
    unqueue(w.f);
    fm[w.f] = { s: "woken", step: w.step, res };
  };
  const offer = (ch: ModelChan, v: number): boolean => {
    const w = ch.receivers.shift();
    if (w) {
      wake(w, w.k < 0 ? [v, OK, 0] : [w.k, v, 1]);
      return true;
    }
    if (ch.buf.length < ch.cap) {
      ch.buf.push(v);
      return true;
    }
    return false;
  };
  const take = (ch: ModelChan): number | null => {
    if (ch.buf.length > 0) {
      const v = ch.buf.shift()!;
      const w = ch.senders.shift();
      if (w) {
        ch.buf.push(w.value);
        wake(w, w.k < 0 ? [OK, 0, 0] : [w.k, 0, 0]);
      }
      return v;
    }
    const w = ch.senders.shift();
    if (w) {
      wake(w, w.k < 0 ? [OK, 0, 0] : [w.k, 0, 0]);
      return w.value;
    }
    return null;
  };
  const close = (c: number) => {
    const ch = chans[c];
    ch.closed = true;
    for (let w = ch.receivers.shift(); w; w = ch.receivers.shift()) wake(w, w.k < 0 ? [0, CLOSED, 0] : [w.k, 0, 0]);
    for (let w = ch.senders.shift(); w; w = ch.senders.shift()) {
      unqueue(w.f);
      fm[w.f] = { s: "failing", step: w.step, messages: [sendMsg(c)] };
    }
  };

  let pendingNow = -1;
  for (let i = 0; i < events.length; i++) {
    const [e, f, step] = events[i];
    if (pendingNow >= 0 && !(e === EV.END && f === pendingNow)) {
      const st = fm[pendingNow] as { step: number };
      bad.push(`model: ${at(pendingNow, st.step)} completes at once, but event ${i} came before its END`);
      fm[pendingNow] = { s: "lost", step: st.step };
    }
    pendingNow = -1;
    if (e === EV.END) {
      const st = fm[f];
      const res: Res = [events[i][3], events[i][4], events[i][5]];
      if ((st.s === "now" || st.s === "woken") && st.step === step) {
        if (res.join() !== st.res.join()) bad.push(`model: ${at(f, step)} ended with (${res}), the model says (${st.res})`);
      } else if (!(st.s === "yield" && st.step === step) && st.s !== "lost") {
        bad.push(`model: ${at(f, step)} ended while the model has it ${st.s}${st.s === "blocked" ? " (nobody completed it)" : ""}`);
      }
      unqueue(f);
      fm[f] = { s: "idle" };
      continue;
    }
    if (e !== EV.BEGIN) continue;
    if (fm[f].s !== "idle") {
      bad.push(`model: ${at(f, step)} began while its previous step is ${fm[f].s}`);
      unqueue(f);
    }
    const o = script.fibers[f][step];
    const next = events[i + 1];
    const endsNow = next !== undefined && next[0] === EV.END && next[1] === f && next[2] === step;
    const now = (res: Res) => {
      fm[f] = { s: "now", step, res };
      pendingNow = f;
    };
    const fail = (messages: string[]) => (fm[f] = { s: "failing", step, messages });
    const block = () => (fm[f] = { s: "blocked", step });
    switch (o.k) {
      case "send":
      case "trySend": {
        const ch = chans[o.ch];
        if (ch.closed) fail([sendMsg(o.ch)]);
        else if (offer(ch, o.value)) now([OK, 0, 0]);
        else if (o.k === "trySend") now([WOULD_BLOCK, 0, 0]);
        else {
          block();
          ch.senders.push({ f, step, k: -1, value: o.value });
        }
        break;
      }
      case "recv":
      case "tryRecv": {
        const ch = chans[o.ch];
        const v = take(ch);
        if (v !== null) now([v, OK, 0]);
        else if (ch.closed) now([0, CLOSED, 0]);
        else if (o.k === "tryRecv") now([0, WOULD_BLOCK, 0]);
        else {
          block();
          ch.receivers.push({ f, step, k: -1, value: 0 });
        }
        break;
      }
      case "close":
        if (chans[o.ch].closed) fail([`${CLOSE_CLOSED}${chanId[o.ch]}`]);
        else {
          close(o.ch);
          now([0, 0, 0]);
        }
        break;
      case "yield":
        fm[f] = { s: "yield", step };
        break;
      case "gc":
        now([0, 0, 0]);
        break;
      case "select": {
        const ready = o.cases.map((c) => {
          const ch = chans[c.ch];
          return c.send ? ch.closed || ch.receivers.length > 0 || ch.buf.length < ch.cap : ch.closed || ch.buf.length > 0 || ch.senders.length > 0;
        });
        const closedSends = o.cases.flatMap((c) => (c.send && chans[c.ch].closed ? [sendMsg(c.ch)] : []));
        if (endsNow) {
          const k = next[3];
          const c = o.cases[k];
          if (k === -1) {
            if (!o.poll || ready.includes(true)) bad.push(`model: ${at(f, step)} took the default, but case ${ready.indexOf(true)} was ready`);
            now([-1, 0, 0]);
          } else if (!c || !ready[k] || (c.send && chans[c.ch].closed)) {
            bad.push(`model: ${at(f, step)} fired case ${k}, which was not ready (ready: [${ready}])`);
            now([next[3], next[4], next[5]]);
          } else if (c.send) {
            offer(chans[c.ch], c.value);
            now([k, 0, 0]);
          } else {
            const v = take(chans[c.ch]);
            now(v !== null ? [k, v, 1] : [k, 0, 0]);
          }
        } else if (closedSends.length > 0) {
          fail(closedSends);
        } else if (!ready.includes(true) && !o.poll) {
          block();
          o.cases.forEach((c, k) => {
            const ch = chans[c.ch];
            if (c.send) ch.senders.push({ f, step, k, value: c.value });
            else ch.receivers.push({ f, step, k, value: 0 });
          });
        } else {
          bad.push(`model: ${at(f, step)} had ${o.poll ? "a poll" : `ready case ${ready.indexOf(true)}`} to complete at once, but did not`);
          fm[f] = { s: "lost", step };
        }
        break;
      }
    }
  }
  if (pendingNow >= 0) bad.push(`model: ${at(pendingNow, (fm[pendingNow] as { step: number }).step)} completes at once, but its END never came`);

  // ── the end state ──
  const failure = new Map<string, string>();
  for (const fl of result.failures) if (fl.fiberName) failure.set(fl.fiberName, fl.message);
  let blocked = 0;
  fm.forEach((st, f) => {
    const message = failure.get(`f${f}`);
    const ends = events.filter((e) => e[0] === EV.END && e[1] === f).length;
    switch (st.s) {
      case "idle":
        if (ends < script.fibers[f].length) bad.push(`model: f${f} ended after ${ends} of ${script.fibers[f].length} steps`);
        if (message !== undefined) bad.push(`model: f${f} failed (${message}) though every step it began completed`);
        break;
      case "failing":
        if (message === undefined) bad.push(`model: ${at(f, st.step)} must fail with ${st.messages.join(" or ")}, but f${f} did not fail`);
        else if (!st.messages.includes(message)) bad.push(`model: ${at(f, st.step)} failed with "${message}", the model expects ${st.messages.map((m) => `"${m}"`).join(" or ")}`);
        break;
      case "blocked":
        blocked++;
        if (message !== undefined) bad.push(`model: ${at(f, st.step)} is blocked in the model, but it failed: ${message}`);
        break;
      case "woken":
        bad.push(
          message !== undefined
            ? `model: ${at(f, st.step)} was completed with (${st.res}) but failed before it returned: ${message}`
            : `model: ${at(f, st.step)} was completed with (${st.res}) but never returned (lost wakeup)`,
        );
        break;
      case "yield":
        bad.push(`model: ${at(f, st.step)} never returned from yield`);
        break;
      case "now":
      case "lost":
        break;
    }
  });
  const wantExit = blocked > 0 ? 2 : 0;
  if (result.exitCode !== wantExit) bad.push(`model: exit status ${result.exitCode}, expected ${wantExit} (${blocked} operations blocked at the end)`);
  const drained: number[][] = script.caps.map(() => []);
  const state: Event[] = [];
  for (const ev of events) {
    if (ev[0] === EV.DRAIN) drained[ev[1]].push(ev[2]);
    if (ev[0] === EV.STATE) state[ev[1]] = ev;
  }
  chans.forEach((ch, c) => {
    if (ch.buf.join() !== drained[c].join()) bad.push(`model: c${c} should hold [${ch.buf}] at the end, holds [${drained[c]}]`);
    const st = state[c];
    if (!st) return;
    if ((st[3] === 1) !== ch.closed) bad.push(`model: c${c} closed is ${st[3] === 1}, the model says ${ch.closed}`);
    if (st[4] !== ch.senders.length || st[5] !== ch.receivers.length) {
      bad.push(`model: c${c} has ${st[4]} senders / ${st[5]} receivers queued, the model ${ch.senders.length} / ${ch.receivers.length}`);
    }
  });
  return bad;
}
