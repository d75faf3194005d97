// channel.ts: Go's channels. `Channel<T>` with capacity 0 is a rendezvous: a send waits for
// a receiver and hands its value straight over. With capacity n, up to n values wait in a
// ring buffer.
//
//   const results = new Channel<string>(16);
//   spawnWith(worker, results);                 // worker: results.send("done " + id)
//   const msg = results.recv();
//   if (outcome() == Outcome.Closed) ...       // closed and drained: msg is null
//
// Semantics (as in Go):
//   - blocked senders and receivers are served first come, first served;
//   - a receive on a closed channel returns the buffered values first, then at once the
//     zero value (null for references) with outcome Closed;
//   - a send on a closed channel, and closing a closed channel, fail the calling fiber;
//     senders blocked when the channel closes fail the same way;
//   - values in the buffer or in flight are visible to the GC: the buffer is a managed
//     array, and a value handed to or held by a blocked fiber sits in its record's slot.
//
// Hand-off: a sender that finds a receiver waiting writes the value into the receiver's
// slot (the record's `slot`, record.ts) and makes it ready; a receiver that finds a sender waiting takes the
// value from the sender's slot (and, for a buffered channel, moves the sender's value into
// the buffer it just freed), so every value travels exactly once and in order.

import { Outcome, Rec, F_SLOT } from "../record";
import { misuseOf } from "../failure";
import { wakeOne, wakeAll, currentAddress, suspendOn, outcome } from "../sched/wait";
import { checkpoint } from "../sched/slice";
import { resumed, beginUnwind } from "../switch";
import { WaitList, WaitKind, newObjectId } from "./waitlist";
import { beginTimeout, endTimeout } from "../time";

/** The bits of a value of any type, as they travel through a fiber's slot. */
// @ts-ignore: decorator
@inline export function toBits<T>(value: T): u64 {
  if (isReference<T>()) return <u64>changetype<usize>(value);
  if (isFloat<T>()) {
    if (sizeof<T>() == 4) return <u64>reinterpret<u32>(<f32>value);
    return reinterpret<u64>(<f64>value);
  }
  // @ts-ignore: T is an integer or bool here
  if (sizeof<T>() == 8) return <u64>value;
  // @ts-ignore: T is an integer or bool here
  return <u64><u32>value;
}

/** The value whose bits `toBits` gave. */
// @ts-ignore: decorator
@inline export function fromBits<T>(bits: u64): T {
  if (isReference<T>()) return changetype<T>(<usize>bits);
  if (isFloat<T>()) {
    if (sizeof<T>() == 4) return <T>reinterpret<f32>(<u32>bits);
    return <T>reinterpret<f64>(bits);
  }
  return <T>bits;
}

/** The zero value of T: 0, false or null. */
// @ts-ignore: decorator
@inline export function zero<T>(): T {
  return fromBits<T>(0);
}

// Raw access to a channel by address. The hot paths use only these: every managed
// temporary (even the `this` of an inlined method) costs a shadow-stack slot that is
// zeroed on entry and copied out and back on every switch, which measured as a third of a
// channel hand-off.

// @ts-ignore: decorator
@inline export function sendersOf<T>(ch: usize): usize {
  return load<usize>(ch, offsetof<Channel<T>>("_senders"));
}
// @ts-ignore: decorator
@inline export function receiversOf<T>(ch: usize): usize {
  return load<usize>(ch, offsetof<Channel<T>>("_receivers"));
}
// @ts-ignore: decorator
@inline function bufferOf<T>(ch: usize): usize {
  return load<usize>(ch, offsetof<Channel<T>>("_buffer"));
}
// @ts-ignore: decorator
@inline function capacityOf<T>(ch: usize): i32 {
  return load<i32>(ch, offsetof<Channel<T>>("_capacity"));
}
// @ts-ignore: decorator
@inline function headOf<T>(ch: usize): i32 {
  return load<i32>(ch, offsetof<Channel<T>>("_head"));
}
// @ts-ignore: decorator
@inline function countOf<T>(ch: usize): i32 {
  return load<i32>(ch, offsetof<Channel<T>>("_count"));
}
// @ts-ignore: decorator
@inline function setHead<T>(ch: usize, v: i32): void {
  store<i32>(ch, v, offsetof<Channel<T>>("_head"));
}
// @ts-ignore: decorator
@inline function setCount<T>(ch: usize, v: i32): void {
  store<i32>(ch, v, offsetof<Channel<T>>("_count"));
}
// @ts-ignore: decorator
@inline export function isClosed<T>(ch: usize): bool {
  return load<bool>(ch, offsetof<Channel<T>>("_closed"));
}
/** Address of buffer element `index`. */
// @ts-ignore: decorator
@inline function slotAt<T>(ch: usize, index: i32): usize {
  return bufferOf<T>(ch) + (<usize>index << alignof<T>());
}

/** Hands `value` to a waiting receiver or buffers it; false if neither is possible. */
// @ts-ignore: decorator
@inline export function offer<T>(ch: usize, value: T): bool {
  let receiver = wakeOne(receiversOf<T>(ch), Outcome.Ok);
  if (receiver != 0) {
    Rec.setSlot(receiver, toBits<T>(value), isManaged<T>());
    if (isManaged<T>()) __link(receiver, changetype<usize>(value), false);
    return true;
  }
  let count = countOf<T>(ch);
  let capacity = capacityOf<T>(ch);
  if (count < capacity) {
    let at = headOf<T>(ch) + count;
    if (at >= capacity) at -= capacity;
    store<T>(slotAt<T>(ch, at), value);
    if (isManaged<T>()) __link(bufferOf<T>(ch), changetype<usize>(value), true);
    setCount<T>(ch, count + 1);
    return true;
  }
  return false;
}

/** Takes the received value's bits out of `me`'s slot (where a waker put them). */
// @ts-ignore: decorator
@inline export function takeSlot(me: usize): u64 {
  let bits = load<u64>(me, F_SLOT);
  Rec.setSlot(me, 0, false);
  return bits;
}

/**
 * Bits of the value the last successful `take` took. Read at once: until then the value
 * is referenced from nowhere else, which is sound only because nothing allocates (so no
 * GC step runs) between the take and the read.
 */
let takenBits: u64 = 0;

/**
 * A take succeeded: the running fiber's outcome (if a fiber runs) says Ok. The fiber is
 * read here rather than passed in, so that an inlined `recv` keeps no extra local alive
 * across the take (asyncify would save it on every switch).
 */
// @ts-ignore: decorator
@inline function markTaken(): void {
  let me = currentAddress();
  if (me != 0) Rec.setOutcome(me, Outcome.Ok);
}

/** The bits `take` left in `takenBits`. */
// @ts-ignore: decorator
@inline export function taken(): u64 {
  return takenBits;
}

/**
 * Takes the next value for the running fiber without blocking: from the buffer (refilled
 * from a waiting sender) or straight from a waiting sender, into `takenBits`, and sets the
 * fiber's outcome to Ok (`markTaken`). False if there is none.
 */
// @ts-ignore: decorator
@inline export function take<T>(ch: usize): bool {
  let count = countOf<T>(ch);
  if (count > 0) {
    let capacity = capacityOf<T>(ch);
    let head = headOf<T>(ch);
    let value = load<T>(slotAt<T>(ch, head));
    store<T>(slotAt<T>(ch, head), zero<T>());
    if (++head == capacity) head = 0;
    setHead<T>(ch, head);
    count--;
    // a blocked sender's value takes the freed place, keeping FIFO order
    let sender = wakeOne(sendersOf<T>(ch), Outcome.Ok);
    if (sender != 0) {
      let at = head + count;
      if (at >= capacity) at -= capacity;
      let moved = fromBits<T>(load<u64>(sender, F_SLOT));
      store<T>(slotAt<T>(ch, at), moved);
      if (isManaged<T>()) __link(bufferOf<T>(ch), changetype<usize>(moved), true);
      count++;
    }
    setCount<T>(ch, count);
    takenBits = toBits<T>(value);
    markTaken();
    return true;
  }
  let sender = wakeOne(sendersOf<T>(ch), Outcome.Ok);
  if (sender != 0) {
    // the sender clears its own slot when it resumes
    takenBits = load<u64>(sender, F_SLOT);
    markTaken();
    return true;
  }
  return false;
}

/**
 * A typed channel between fibers. `send` is a call of the suspend primitive `chanSend`;
 * `recv` first tries to take a value inline and calls `chanRecv` only when it may block.
 * The build inlines both primitives into their callers after the asyncify pass, so a
 * channel operation costs no call (docs/PERFORMANCE.md, "Channels", has the measurements,
 * including why `send` is not split the same way).
 */
export class Channel<T> {
  /** Shown in dumps as `chan #id`. */
  readonly id: u32;
  // Managed fields keep the buffer and the lists alive for the GC; the operations read
  // them by address (the functions above).
  private _buffer: StaticArray<T> | null;
  private _senders: WaitList;
  private _receivers: WaitList;
  private _capacity: i32;
  private _head: i32 = 0;
  private _count: i32 = 0;
  private _closed: bool = false;

  /** A channel holding up to `capacity` values; 0 (the default) makes it unbuffered. */
  constructor(capacity: i32 = 0) {
    if (capacity < 0) misuseOf("channel capacity must not be negative, got " + capacity.toString());
    let id = newObjectId();
    this.id = id;
    this._buffer = capacity > 0 ? new StaticArray<T>(capacity) : null;
    this._senders = new WaitList(WaitKind.ChannelSend, id);
    this._receivers = new WaitList(WaitKind.ChannelRecv, id);
    this._capacity = capacity;
  }

  /** Values waiting in the buffer. */
  get len(): i32 {
    return this._count;
  }

  /** Capacity of the buffer (0: unbuffered). */
  get cap(): i32 {
    return this._capacity;
  }

  /** True once `close()` was called. */
  get closed(): bool {
    return this._closed;
  }

  /** Fibers blocked sending. */
  get waitingSenders(): i32 {
    return this._senders.length;
  }

  /** Fibers blocked receiving. */
  get waitingReceivers(): i32 {
    return this._receivers.length;
  }

  /**
   * Sends `value`, blocking until a receiver takes it (unbuffered) or there is room in
   * the buffer. Fails the calling fiber if the channel is or becomes closed.
   */
  // @ts-ignore: decorator
  @inline send(value: T): Outcome {
    if (isManaged<T>()) return chanSend<T>(changetype<usize>(this), changetype<usize>(value));
    return chanSend<T>(changetype<usize>(this), toBits<T>(value));
  }

  /** `send`, giving up after `ms`: Ok, or TimedOut (the value was not sent), or Cancelled. */
  sendTimeout(value: T, ms: f64): Outcome {
    let previous = beginTimeout(ms);
    let result = this.send(value);
    endTimeout(previous);
    return result;
  }

  /** Sends without blocking: Ok, or WouldBlock if no receiver waits and the buffer is full. */
  trySend(value: T): Outcome {
    let ch = changetype<usize>(this);
    if (isClosed<T>(ch)) sendOnClosed(ch);
    return offer<T>(ch, value) ? Outcome.Ok : Outcome.WouldBlock;
  }

  /**
   * Receives a value, blocking until one is there. On a closed, drained channel returns
   * the zero value at once; `outcome()` then says Closed (Ok otherwise).
   */
  // @ts-ignore: decorator
  @inline recv(): T {
    let ch = changetype<usize>(this);
    if (take<T>(ch)) return fromBits<T>(taken());
    return fromBits<T>(chanRecv<T>(ch));
  }

  /**
   * `recv` with its outcome in one result, as Go's `v, ok := <-ch`: `ok` is true when a
   * value was received, false when the channel is closed and drained (or the wait was
   * cancelled or timed out: `outcome` says which), and `value` is then the zero value.
   * Fills `into` when given (no allocation), else a new Received.
   */
  recvOk(into: Received<T> | null = null): Received<T> {
    let value = this.recv();
    let result = into !== null ? into : new Received<T>();
    let o = outcome();
    result.value = value;
    result.outcome = o;
    result.ok = o == Outcome.Ok;
    return result;
  }

  /** `recv`, giving up after `ms`: then the zero value, and `outcome()` says TimedOut. */
  recvTimeout(ms: f64): T {
    let previous = beginTimeout(ms);
    let value = this.recv();
    endTimeout(previous);
    return value;
  }

  /** Receives without blocking; `outcome()` says Ok, WouldBlock or Closed. */
  tryRecv(): T {
    let ch = changetype<usize>(this);
    let me = currentAddress();
    if (take<T>(ch)) return fromBits<T>(taken());
    if (me != 0) Rec.setOutcome(me, isClosed<T>(ch) ? Outcome.Closed : Outcome.WouldBlock);
    return zero<T>();
  }

  /**
   * Closes the channel: receivers drain the buffer and then get the zero value with
   * outcome Closed; blocked senders fail. Closing twice fails the calling fiber.
   */
  close(): void {
    let ch = changetype<usize>(this);
    if (this._closed) closeClosed(ch);
    this._closed = true;
    wakeAll(receiversOf<T>(ch), Outcome.Closed);
    wakeAll(sendersOf<T>(ch), Outcome.Closed);
  }
}

/** A receive's value and outcome together (`Channel.recvOk`). */
export class Received<T> {
  /** The value received, or the zero value (0, false, null) when none was. */
  value: T = zero<T>();
  /** True when a value was received (`outcome` is Ok). */
  ok: bool = false;
  /** How the receive ended: Ok, Closed, Cancelled or TimedOut. */
  outcome: Outcome = Outcome.Ok;
}

// Cold paths, out of line: their strings would otherwise cost shadow-stack slots in the
// operations above.
function channelId(ch: usize): string {
  return load<u32>(ch, offsetof<Channel<i32>>("id")).toString();
}
export function sendOnClosed(ch: usize): void {
  misuseOf("send on closed channel #" + channelId(ch));
}
function closeClosed(ch: usize): void {
  misuseOf("close of closed channel #" + channelId(ch));
}
function wouldBlockOutside(ch: usize): void {
  misuseOf("send on channel #" + channelId(ch) + " would block outside a fiber");
}

/**
 * `Channel.send` as a suspend primitive (build/build.ts lists it): the whole operation runs
 * uninstrumented and the sending fiber's own function saves its frame around this one
 * call. On a rewind it is reached again with the same arguments and only finishes.
 */
export function chanSend<T>(ch: usize, bits: u64): Outcome {
  let me = currentAddress();
  if (resumed()) {
    Rec.setSlot(me, 0, false);
    let result = Rec.outcome(me);
    if (result == Outcome.Closed) sendOnClosed(ch);
    return result;
  }
  if (isClosed<T>(ch)) sendOnClosed(ch);
  if (offer<T>(ch, fromBits<T>(bits))) {
    // sent without blocking: a checkpoint, so that a sending loop needs no safepoint
    if (checkpoint(me)) beginUnwind();
    return Outcome.Ok;
  }
  if (me == 0) wouldBlockOutside(ch);
  Rec.setSlot(me, bits, isManaged<T>());
  if (isManaged<T>()) __link(me, <usize>bits, false);
  if (suspendOn(me, sendersOf<T>(ch))) return Outcome.Ok;
  // cancelled or timed out before blocking: the value was not sent
  Rec.setSlot(me, 0, false);
  return Rec.outcome(me);
}

/**
 * `Channel.recv` as a suspend primitive: returns the received value's bits, and the
 * fiber's outcome says Ok, Closed, Cancelled or TimedOut.
 */
export function chanRecv<T>(ch: usize): u64 {
  let me = currentAddress();
  // woken: the waker put the value in the slot and set the outcome
  if (resumed()) return takeSlot(me);
  if (take<T>(ch)) return taken();
  if (isClosed<T>(ch)) {
    if (me != 0) Rec.setOutcome(me, Outcome.Closed);
    return 0;
  }
  // the slot may still hold the fiber's spawn argument: a cancel or timeout would return it
  if (me != 0) Rec.setSlot(me, 0, false);
  if (suspendOn(me, receiversOf<T>(ch))) return 0;
  return takeSlot(me);
}
