// trace.ts: the host's side of tracing. Drains the core's ring of trace records
// (assembly/trace.ts) into a bounded store; host/tracejson.ts turns the store into a
// Chrome Trace Event file. Standard web APIs only.
//
// The model. The core appends 24-byte records to a ring in linear memory; the runtime
// calls `drain` after every scheduler call (`__weft_run`), which copies the records
// [tail, head) and the strings they refer to, then tells the core they are free
// (`__weft_trace_drained`). Each drain is one chunk.
//
// Bounds, and what is dropped:
//   - in the core: a ring that fills up before the host drains it drops the newest
//     records and counts them; the chunk carries the count (`droppedAfter`) and the trace
//     shows a gap there;
//   - in the host: at most `maxRecords` records are kept; when a new chunk would exceed
//     that, the oldest chunks go (a flight recorder: the end of a long run is kept), and
//     the trace starts with a mark that counts what went. Fiber names are kept apart from
//     the chunks, so tracks keep their names.

import type { WeftExports } from "./abi.js";
import { readString } from "./abi.js";

/** Bytes per record (assembly/trace.ts). */
export const RECORD_SIZE = 24;

/** Record kinds (assembly/trace.ts TraceKind). */
export const Kind = {
  Switch: 1,
  Wake: 2,
  Spawn: 3,
  End: 4,
  Fail: 5,
  HostCall: 6,
  HostDone: 7,
  Io: 8,
  Gc: 9,
  RunBegin: 10,
  RunEnd: 11,
  Toggle: 12,
  Mark: 13,
} as const;

/** Why a run slice ended (assembly/trace.ts Out). */
export const Out = { None: 0, Yield: 1, Block: 2 } as const;

/** How tracing runs. */
export interface TraceOptions {
  /** Records the core's ring holds (rounded up to a power of two; default 65,536). */
  capacity?: number;
  /**
   * Frequent records (switches, wakes, spawns) read the clock every `stampEvery`-th time
   * (default 8; 1: always, exact but slower); the others get interpolated times.
   */
  stampEvery?: number;
  /** Records the host keeps at most (default 1,048,576: 24 MiB); the oldest go first. */
  maxRecords?: number;
}

/** One drain: raw records and the strings they refer to (by index + 1). */
export interface TraceChunk {
  bytes: Uint8Array;
  strings: (string | null)[];
  /** Records the core dropped after these because its ring was full. */
  droppedAfter: number;
}

/** What the core's header says (assembly/trace.ts `traceHeader`). */
interface Header {
  on: boolean;
  head: number;
  tail: number;
  capacity: number;
  ring: number;
  dropped: number;
  stampEvery: number;
  strings: number;
}

/** Exports of a module that can trace (modules built before tracing existed lack them). */
interface TraceExports {
  __weft_trace_start(capacity: number, stampEvery: number): number;
  __weft_trace_stop(): void;
  __weft_trace_header(): number;
  __weft_trace_string(index: number): number;
  __weft_trace_drained(): void;
}

/** True if the module has the tracing exports. */
export function canTrace(exports: WeftExports): boolean {
  return typeof (exports as unknown as Partial<TraceExports>).__weft_trace_header === "function";
}

/** True if the core of a module that can trace holds records or drops not yet drained. */
export function tracePending(exports: WeftExports): boolean {
  const x = exports as WeftExports & TraceExports;
  const w = new Uint32Array(x.memory.buffer, x.__weft_trace_header(), 7);
  return w[2] !== w[3] || w[6] !== 0;
}

/** Collects a program's trace records. */
export class TraceRecorder {
  readonly chunks: TraceChunk[] = [];
  /** Fiber names by id, from every spawn record seen (kept when chunks are dropped). */
  readonly names = new Map<number, string>();
  /** Records dropped by the host's bound (the oldest). */
  droppedOldest = 0;
  /** Records the core dropped (ring full), in total. */
  droppedInCore = 0;
  private records = 0;
  readonly maxRecords: number;
  stampEvery = 8;
  private readonly x: WeftExports & TraceExports;

  /** Buffers of dropped chunks, reused by the next drains (no fresh memory once the bound is reached). */
  private readonly spare: ArrayBuffer[] = [];

  constructor(exports: WeftExports, maxRecords = 1 << 20) {
    if (!canTrace(exports)) throw new Error("this module cannot trace: it was built by a weft without tracing; rebuild it with `weft build`");
    this.x = exports as WeftExports & TraceExports;
    this.maxRecords = Math.max(1, maxRecords);
  }

  /** Starts the core's tracing; false if it was on already. */
  start(options: TraceOptions = {}): boolean {
    const capacity = options.capacity ?? 0;
    const every = options.stampEvery ?? 0;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`trace capacity must be a whole number of records, got ${capacity}`);
    if (!Number.isInteger(every) || every < 0) throw new RangeError(`stampEvery must be a whole number, got ${every}`);
    return this.x.__weft_trace_start(capacity, every) === 1;
  }

  /** Stops the core's tracing and drains what it recorded. */
  stop(): void {
    this.x.__weft_trace_stop();
    this.drain();
  }

  /** True while the core records. */
  get on(): boolean {
    return this.header().on;
  }

  /** Total records kept. */
  get size(): number {
    return this.records;
  }

  private header(): Header {
    const at = this.x.__weft_trace_header();
    const w = new Uint32Array(this.x.memory.buffer, at, 10);
    return { on: w[1] === 1, head: w[2], tail: w[3], capacity: w[4], ring: w[5], dropped: w[6], stampEvery: w[7], strings: w[8] };
  }

  /** Copies the records the core holds into a new chunk; returns how many. */
  drain(): number {
    const h = this.header();
    const count = (h.head - h.tail) >>> 0;
    if (count === 0 && h.dropped === 0) return 0;
    this.stampEvery = h.stampEvery;
    const memory = this.x.memory.buffer;
    const size = count * RECORD_SIZE;
    const reuse = this.spare.length && this.spare[this.spare.length - 1].byteLength >= size ? this.spare.pop()! : null;
    const bytes = reuse ? new Uint8Array(reuse, 0, size) : new Uint8Array(size);
    const first = h.tail & (h.capacity - 1);
    const run = Math.min(count, h.capacity - first);
    bytes.set(new Uint8Array(memory, h.ring + first * RECORD_SIZE, run * RECORD_SIZE), 0);
    if (run < count) bytes.set(new Uint8Array(memory, h.ring, (count - run) * RECORD_SIZE), run * RECORD_SIZE);
    const strings: (string | null)[] = [];
    for (let i = 0; i < h.strings; i++) strings.push(readString(this.x.memory, this.x.__weft_trace_string(i)));
    this.x.__weft_trace_drained();
    // names outlive chunks (only named spawns have strings)
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < count && strings.length > 0; i++) {
      const p = i * RECORD_SIZE;
      if (bytes[p] === Kind.Spawn) {
        const s = view.getUint32(p + 12, true);
        if (s !== 0 && strings[s - 1] != null) this.names.set(view.getUint32(p + 4, true), strings[s - 1]!);
      }
    }
    this.chunks.push({ bytes, strings, droppedAfter: h.dropped });
    this.records += count;
    this.droppedInCore += h.dropped;
    while (this.records > this.maxRecords && this.chunks.length > 1) {
      const old = this.chunks.shift()!;
      const n = old.bytes.length / RECORD_SIZE;
      if (this.spare.length < 4) this.spare.push(old.bytes.buffer as ArrayBuffer);
      this.records -= n;
      this.droppedOldest += n;
    }
    return count;
  }
}
