// chanprops: an interpreter for random channel/select scripts (tests/chanprops.test.ts).
//
// The host hands the script over as a stream of i32s (`script.op(i)` is word i) and
// collects what happened through `script.record`. Layout of the stream:
//
//   [0] seed of Math.random (select's case order), so that a run is reproducible
//   [1] K, the number of channels; [2 .. 2+K) their capacities, plus 256 for a channel of
//       strings ("v<value>", null for the zero value) instead of i32
//   [2+K] F, the number of fibers; [3+K .. 3+K+F] F+1 offsets: fiber f's operations are
//   the words [off_f, off_{f+1})
//
// Operations (opcode, operands):
//   1 SEND c v     2 RECV c     3 TRYSEND c v     4 TRYRECV c     5 CLOSE c
//   6 SELECT flags n (kind c v)*n    kind 0 = send v on c, 1 = recv on c; flags: 1 = poll()
//                                  instead of wait(), 2 = reuse this fiber's earlier Select
//                                  with the same cases (new send values)
//   7 YIELD        8 GC n (n = 0: a full collection, __collect(); else n allocations that
//                  drive the incremental collector)
//
// Events (record(event, x0, x1, x2, x3, x4)):
//   1 BEGIN f step opcode          before an operation
//   2 END   f step a b c           after it: send/trySend a = Outcome; recv/tryRecv a = value,
//                                  b = outcome(); select a = fired index (-1 default),
//                                  b = received value, c = ok (1/0) for a receive case
//   3 CHAN  c id                   main made channel c; its id (failure messages use it)
//   4 JOIN  f code id              main joined fiber f: code 0 ok, 1 "send on closed channel
//                                  #id", 2 "close of closed channel #id", 3 anything else
//   5 STATE c len closed waitingSenders waitingReceivers   (drainAll, after the run)
//   6 DRAIN c value outcome        (drainAll) a value still buffered at the end
//   7 REUSE f step                 the select of this step reuses an earlier Select
// The fiber index f is -1 for main; a fiber's spawn name is "f<index>".
import { Channel, Fiber, Outcome, Select, RecvCase, SendCase, spawnWith, yieldNow, outcome } from "weft";

// @ts-ignore: decorator
@external("script", "op")
declare function op(i: i32): i32;

// @ts-ignore: decorator
@external("script", "record")
declare function record(event: i32, x0: i32, x1: i32, x2: i32, x3: i32, x4: i32): void;

const OP_SEND = 1;
const OP_RECV = 2;
const OP_TRYSEND = 3;
const OP_TRYRECV = 4;
const OP_CLOSE = 5;
const OP_SELECT = 6;
const OP_YIELD = 7;
const OP_GC = 8;

const EV_BEGIN = 1;
const EV_END = 2;
const EV_CHAN = 3;
const EV_JOIN = 4;
const EV_STATE = 5;
const EV_DRAIN = 6;
const EV_REUSE = 7;

const SEND_CLOSED = "send on closed channel #";
const CLOSE_CLOSED = "close of closed channel #";

let K = 0;
let F = 0;
// Channel c carries i32 values (ints[c]) or, to put managed values in flight for the GC,
// strings "v<value>" (strs[c]); the other array holds null at c.
type Str = string | null;
const ints = new Array<Channel<i32> | null>();
const strs = new Array<Channel<Str> | null>();
const fibers = new Array<Fiber>();
let garbage: string = "";

function isStr(c: i32): bool {
  return strs[c] !== null;
}
/** A fresh string for each send. */
function toStr(v: i32): Str {
  return "v" + v.toString();
}
/** The value a received string carries; 0 for null, -1 for a string that is not ours. */
function fromStr(s: Str): i32 {
  if (s === null) return 0;
  if (s.length < 2 || s.charCodeAt(0) != 0x76) return -1;
  return I32.parseInt(s.substring(1));
}

class CachedSelect {
  sel: Select = new Select();
  sendI: Array<SendCase<i32> | null>;
  sendS: Array<SendCase<Str> | null>;
  recvI: Array<RecvCase<i32> | null>;
  recvS: Array<RecvCase<Str> | null>;
  constructor(n: i32) {
    this.sendI = new Array<SendCase<i32> | null>(n);
    this.sendS = new Array<SendCase<Str> | null>(n);
    this.recvI = new Array<RecvCase<i32> | null>(n);
    this.recvS = new Array<RecvCase<Str> | null>(n);
  }
}

function worker(f: i32): void {
  const selects = new Map<string, CachedSelect>();
  let pos = op(3 + K + f);
  const end = op(4 + K + f);
  let step = 0;
  while (pos < end) {
    const code = op(pos);
    record(EV_BEGIN, f, step, code, 0, 0);
    if (code == OP_SEND || code == OP_TRYSEND) {
      const c = op(pos + 1);
      const v = op(pos + 2);
      let o: Outcome;
      if (code == OP_SEND) o = isStr(c) ? strs[c]!.send(toStr(v)) : ints[c]!.send(v);
      else o = isStr(c) ? strs[c]!.trySend(toStr(v)) : ints[c]!.trySend(v);
      record(EV_END, f, step, <i32>o, 0, 0);
      pos += 3;
    } else if (code == OP_RECV || code == OP_TRYRECV) {
      const c = op(pos + 1);
      let v: i32;
      let o: Outcome;
      if (isStr(c)) {
        const s = code == OP_RECV ? strs[c]!.recv() : strs[c]!.tryRecv();
        o = outcome();
        v = fromStr(s);
      } else {
        v = code == OP_RECV ? ints[c]!.recv() : ints[c]!.tryRecv();
        o = outcome();
      }
      record(EV_END, f, step, v, <i32>o, 0);
      pos += 2;
    } else if (code == OP_CLOSE) {
      const c = op(pos + 1);
      if (isStr(c)) strs[c]!.close();
      else ints[c]!.close();
      record(EV_END, f, step, 0, 0, 0);
      pos += 2;
    } else if (code == OP_SELECT) {
      const flags = op(pos + 1);
      const n = op(pos + 2);
      // flag 2: reuse the fiber's earlier Select over the same cases (only the send values
      // change), as Select's documentation recommends for a select in a loop
      let key = "";
      for (let k = 0; k < n; k++) key += op(pos + 3 + 3 * k).toString() + ":" + op(pos + 4 + 3 * k).toString() + ",";
      let cached: CachedSelect | null = null;
      if ((flags & 2) != 0 && selects.has(key)) {
        cached = selects.get(key);
        record(EV_REUSE, f, step, 0, 0, 0);
      }
      if (cached === null) {
        cached = new CachedSelect(n);
        for (let k = 0; k < n; k++) {
          const at = pos + 3 + 3 * k;
          const c = op(at + 1);
          const send = op(at) == 0;
          if (isStr(c)) {
            if (send) cached.sendS[k] = cached.sel.send<Str>(strs[c]!, toStr(op(at + 2)));
            else cached.recvS[k] = cached.sel.recv<Str>(strs[c]!);
          } else {
            if (send) cached.sendI[k] = cached.sel.send<i32>(ints[c]!, op(at + 2));
            else cached.recvI[k] = cached.sel.recv<i32>(ints[c]!);
          }
        }
        selects.set(key, cached);
      } else {
        for (let k = 0; k < n; k++) {
          const v = op(pos + 5 + 3 * k);
          const si = cached.sendI[k];
          if (si !== null) si.value = v;
          const ss = cached.sendS[k];
          if (ss !== null) ss.value = toStr(v);
        }
      }
      const fired = (flags & 1) != 0 ? cached.sel.poll() : cached.sel.wait();
      let value = 0;
      let ok = 0;
      if (fired >= 0 && fired < n) {
        const ri = cached.recvI[fired];
        const rs = cached.recvS[fired];
        if (ri !== null) {
          value = ri.value;
          ok = ri.ok ? 1 : 0;
        } else if (rs !== null) {
          value = fromStr(rs.value);
          ok = rs.ok ? 1 : 0;
        }
      }
      record(EV_END, f, step, fired, value, ok);
      pos += 3 + 3 * n;
    } else if (code == OP_YIELD) {
      yieldNow();
      record(EV_END, f, step, 0, 0, 0);
      pos += 1;
    } else if (code == OP_GC) {
      const churn = op(pos + 1);
      if (churn == 0) __collect();
      else for (let i = 0; i < churn; i++) garbage = "g" + i.toString(); // incremental GC steps
      record(EV_END, f, step, 0, 0, 0);
      pos += 2;
    } else {
      abort("chanprops: bad opcode " + code.toString() + " at " + pos.toString());
    }
    step++;
  }
}

export function main(): void {
  Math.seedRandom(<i64>op(0));
  K = op(1);
  for (let c = 0; c < K; c++) {
    const word = op(2 + c);
    const cap = word & 0xff;
    let id: u32;
    if ((word >> 8) != 0) {
      const ch = new Channel<Str>(cap);
      id = ch.id;
      ints.push(null);
      strs.push(ch);
    } else {
      const ch = new Channel<i32>(cap);
      id = ch.id;
      ints.push(ch);
      strs.push(null);
    }
    record(EV_CHAN, c, <i32>id, 0, 0, 0);
  }
  F = op(2 + K);
  for (let f = 0; f < F; f++) fibers.push(spawnWith(worker, f, "f" + f.toString()));
  for (let f = 0; f < F; f++) {
    const failure = fibers[f].join();
    let code = 0;
    let id = 0;
    if (failure !== null) {
      const message = failure.reason;
      if (message.startsWith(SEND_CLOSED)) {
        code = 1;
        id = I32.parseInt(message.substring(SEND_CLOSED.length));
      } else if (message.startsWith(CLOSE_CLOSED)) {
        code = 2;
        id = I32.parseInt(message.substring(CLOSE_CLOSED.length));
      } else {
        code = 3;
      }
    }
    record(EV_JOIN, f, code, id, 0, 0);
  }
}

/**
 * Called by the host after the run (main returned, or the program deadlocked): reports
 * each channel's state and the values still in its buffer, oldest first. Takes exactly
 * the `len` values buffered now (a take refills the buffer from a blocked sender, whose
 * value is not part of the buffer at the end and is not taken).
 */
export function drainAll(): void {
  for (let c = 0; c < K; c++) {
    if (isStr(c)) {
      const ch = strs[c]!;
      record(EV_STATE, c, ch.len, ch.closed ? 1 : 0, ch.waitingSenders, ch.waitingReceivers);
    } else {
      const ch = ints[c]!;
      record(EV_STATE, c, ch.len, ch.closed ? 1 : 0, ch.waitingSenders, ch.waitingReceivers);
    }
  }
  for (let c = 0; c < K; c++) {
    if (isStr(c)) {
      const ch = strs[c]!;
      const n = ch.len;
      for (let i = 0; i < n; i++) {
        const v = ch.tryRecv();
        record(EV_DRAIN, c, fromStr(v), <i32>outcome(), 0, 0);
      }
    } else {
      const ch = ints[c]!;
      const n = ch.len;
      for (let i = 0; i < n; i++) {
        const v = ch.tryRecv();
        record(EV_DRAIN, c, v, <i32>outcome(), 0, 0);
      }
    }
  }
}
