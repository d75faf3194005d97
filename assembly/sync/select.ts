// select.ts: waits on several channel operations and completes exactly one, as Go's select.
//
//   const sel = new Select();
//   const fromA = sel.recv(a);            // cases are made once and reused by every wait
//   const toB = sel.send(b, 42);
//   while (true) {
//     const i = sel.wait();               // blocks until one case can complete
//     if (i == fromA.index) {
//       if (!fromA.ok) break;             // a closed and drained
//       use(fromA.value);
//     } else if (i == toB.index) {
//       toB.value = next();               // the value the next wait sends
//     }
//   }
//   // with a default case: sel.poll() returns SELECT_DEFAULT instead of blocking
//
// Disabling a case (Go's nil channel): `c.enabled = false` takes a case out of the waits
// that follow, without rebuilding the select; `c.enabled = true` puts it back. A select
// whose cases are all disabled (or that has none) only ends at its timeout, the fiber's
// deadline or a cancellation; with none of those it would block forever, and fails the
// fiber as a misuse instead.
//
// Cancellation: a fiber whose scope is cancelled gets SELECT_CANCELLED instead of
// blocking (or is woken with it); ready cases still complete.
//
// Choice: when several cases are ready, each wait tries them in a fresh random order, so
// each ready case is chosen with equal probability and none starves. A receive from a
// closed channel is ready (value zero, `ok` false); a send on a closed channel fails the
// fiber, as in Go.
//
// Blocking: a WaitNode per case goes on that case's channel list (sync/waitlist.ts). The
// first node a channel operation takes fires the select: the scheduler unlinks the other
// nodes and readies the fiber; a send case's value moves into the fiber's slot where the
// receiving channel reads it, a receive case's value arrives in that slot.
//
// Timeouts: `wait(timeoutMs)` returns SELECT_TIMED_OUT when no case completed in time (the
// timeout narrows the fiber's deadline for the wait, time.ts); `recv(after(ms))` is the
// other way, a timer channel as one more case (ticker.ts).

import { Outcome, Rec, CANCELLED, HAS_DEADLINE } from "../record";
import { misuseOf } from "../failure";
import { beginTimeout, endTimeout } from "../time";
import { currentAddress, blockSelect } from "../sched/wait";
import { WaitNode, SelectState, Waiters, NODE_TAG } from "./waitlist";
import { Channel, sendersOf, receiversOf, isClosed, offer, take, taken, takeSlot, toBits, fromBits, zero, sendOnClosed } from "./channel";

/** `poll()` found no ready case. */
export const SELECT_DEFAULT: i32 = -1;
/** The timeout of `wait(timeoutMs)` passed (needs timers). */
export const SELECT_TIMED_OUT: i32 = -2;
/** The waiting fiber was cancelled (its scope was): no case completed. */
export const SELECT_CANCELLED: i32 = -3;

/** One case of a select (a receive or a send on one channel). */
export class SelectCase {
  /** Position of the case in its select: what `wait()`/`poll()` return when it fires. */
  index: i32 = 0;
  /**
   * False takes the case out of the select's next waits and polls (Go's nil-channel case);
   * true (the default) puts it back.
   */
  enabled: bool = true;
  /** @internal tries to complete now. */
  poll(me: usize): bool {
    return unreachable();
  }
  /** @internal address of the list a blocked select waits on for this case. */
  list(): usize {
    return unreachable();
  }
  /** @internal fills the node for blocking. */
  prepare(node: WaitNode): void {
    unreachable();
  }
  /** @internal collects the result after the case fired while blocked. */
  finish(me: usize, outcome: Outcome): void {
    unreachable();
  }
}

/** A receive case: after it fired, `value` and `ok` hold the result. */
export class RecvCase<T> extends SelectCase {
  /** The value received (zero when the channel was closed). */
  value: T = zero<T>();
  /** False when the channel was closed and drained. */
  ok: bool = false;

  constructor(public readonly channel: Channel<T>) {
    super();
  }

  poll(me: usize): bool {
    let ch = changetype<usize>(this.channel);
    if (take<T>(ch)) {
      this.value = fromBits<T>(taken());
      this.ok = true;
      return true;
    }
    if (isClosed<T>(ch)) {
      this.value = zero<T>();
      this.ok = false;
      return true;
    }
    return false;
  }

  list(): usize {
    return receiversOf<T>(changetype<usize>(this.channel));
  }

  prepare(node: WaitNode): void {
    node.isSend = false;
    node.isRef = false;
    node.bits = 0;
  }

  finish(me: usize, outcome: Outcome): void {
    let bits = takeSlot(me);
    this.ok = outcome == Outcome.Ok;
    this.value = this.ok ? fromBits<T>(bits) : zero<T>();
  }
}

/** A send case: sends `value` (which may be changed between waits). */
export class SendCase<T> extends SelectCase {
  constructor(public readonly channel: Channel<T>, public value: T) {
    super();
  }

  poll(me: usize): bool {
    let ch = changetype<usize>(this.channel);
    if (isClosed<T>(ch)) sendOnClosed(ch);
    return offer<T>(ch, this.value);
  }

  list(): usize {
    return sendersOf<T>(changetype<usize>(this.channel));
  }

  prepare(node: WaitNode): void {
    node.isSend = true;
    node.isRef = isManaged<T>();
    node.bits = toBits<T>(this.value);
  }

  finish(me: usize, outcome: Outcome): void {
    takeSlot(me);
    if (outcome == Outcome.Closed) sendOnClosed(changetype<usize>(this.channel));
  }
}

/** A set of channel operations to wait on; build it once, wait on it as often as needed. */
export class Select extends SelectState {
  private _cases: Array<SelectCase> = new Array<SelectCase>();
  private _order: Array<i32> = new Array<i32>();

  /** Adds a receive from `channel`; the returned case holds the value once it fired. */
  recv<T>(channel: Channel<T>): RecvCase<T> {
    let c = new RecvCase<T>(channel);
    this.add(c);
    return c;
  }

  /** Adds a send of `value` on `channel`. */
  send<T>(channel: Channel<T>, value: T): SendCase<T> {
    let c = new SendCase<T>(channel, value);
    this.add(c);
    return c;
  }

  /** Number of cases. */
  get length(): i32 {
    return this._cases.length;
  }

  /**
   * Completes one enabled case, blocking until one can; returns its index. With
   * `timeoutMs` >= 0, returns SELECT_TIMED_OUT if no case could complete within it (0 is
   * `poll()`, but answers SELECT_TIMED_OUT); negative (the default) waits forever. The
   * fiber's deadline (time.ts) applies too. With no enabled case it waits for the timeout
   * (Go's select with only a timer case); without a timeout, a deadline or a cancellation
   * it would block forever, and fails the fiber as a misuse.
   */
  wait(timeoutMs: f64 = -1): i32 {
    if (timeoutMs < 0) return this.run(true);
    if (timeoutMs == 0) {
      let i = this.run(false);
      return i == SELECT_DEFAULT ? SELECT_TIMED_OUT : i;
    }
    let previous = beginTimeout(timeoutMs);
    let i = this.run(true);
    endTimeout(previous);
    return i;
  }

  /** Completes one ready enabled case and returns its index, or SELECT_DEFAULT if none is ready. */
  poll(): i32 {
    return this.run(false);
  }

  private add(c: SelectCase): void {
    c.index = this._cases.length;
    this._cases.push(c);
    this._order.push(c.index);
    this._nodes.push(new WaitNode());
  }

  private run(blocking: bool): i32 {
    let cases = this._cases;
    let n = cases.length;
    let me = currentAddress();
    // a fresh random order each time: every ready case is equally likely to win
    let order = this._order;
    for (let i = n - 1; i > 0; i--) {
      let j = <i32>(Math.random() * <f64>(i + 1));
      let t = unchecked(order[i]);
      unchecked((order[i] = unchecked(order[j])));
      unchecked((order[j] = t));
    }
    let enabled = 0;
    for (let i = 0; i < n; i++) {
      let c = unchecked(cases[unchecked(order[i])]);
      if (!c.enabled) continue;
      enabled++;
      if (c.poll(me)) {
        this.fired = c.index;
        return c.index;
      }
    }
    if (!blocking) {
      // the one status vocabulary (docs/API.md): SELECT_DEFAULT is WouldBlock
      if (me != 0) Rec.setOutcome(me, Outcome.WouldBlock);
      this.fired = SELECT_DEFAULT;
      return SELECT_DEFAULT;
    }
    // nothing to wait for but time or a cancellation
    if (enabled == 0 && (me == 0 || (Rec.flags(me) & (CANCELLED | HAS_DEADLINE)) == 0)) {
      misuseOf(n == 0 ? "select with no cases would block forever" : "select with every case disabled would block forever");
    }
    this.fired = -1;
    // the slot may still hold the fiber's spawn argument: a close leaves it untouched
    if (me != 0) Rec.setSlot(me, 0, false);
    let self = changetype<usize>(this);
    let nodes = this._nodes;
    for (let i = 0; i < n; i++) {
      let c = unchecked(cases[i]);
      let node = unchecked(nodes[i]);
      if (!c.enabled) {
        // on no list this time: the publication queues only the nodes that name one
        node._list = 0;
        continue;
      }
      node._select = self;
      node.index = i;
      c.prepare(node);
      let list = c.list();
      // queued on the list when the fiber is published, after its frames are saved
      node._list = list;
    }
    let outcome = blockSelect(this);
    let fired = this.fired;
    if (fired < 0) {
      // no case fired: the fiber was cancelled, or its deadline passed
      fired = outcome == Outcome.TimedOut ? SELECT_TIMED_OUT : SELECT_CANCELLED;
      this.fired = fired;
      return fired;
    }
    unchecked(cases[fired]).finish(me, outcome);
    return fired;
  }
}
