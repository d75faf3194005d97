// waitlist.ts: the one wait-queue type behind every blocking primitive.
//
// A WaitList is a FIFO of blocked fibers, linked through their run-queue link (a blocked
// fiber is never on the run queue). Channels keep one for senders and one for receivers,
// a Mutex one for lockers, a WaitGroup one for waiters. Blocking and waking go through the
// scheduler (`block`, `wakeOne`, `wakeAll` in scheduler.ts), which also records on the
// fiber which list it waits on: dumps name it, and a fiber that fails while blocked is
// taken off it.
//
//   list ─► head ─► fiber ─next─► fiber ─next─► fiber ◄─ tail
//
// Example (the shape of every primitive):
//
//   lock(): void {
//     if (this._owner == 0) { this._owner = me; return; }
//     block(addressOf(this._waiters));   // parks until unlock() hands over with wakeOne
//   }
//
// The links are raw addresses: the fibers are kept alive by the scheduler's live list, and
// the list itself by its owner, which every fiber blocked on it holds on its stack.

import { Rec } from "../fiber";

/** What a list's waiters wait for, as shown in dumps. */
export enum WaitKind {
  ChannelSend = 0,
  ChannelRecv = 1,
  Mutex = 2,
  WaitGroup = 3,
}

let nextObjectId: u32 = 1;

/** A new id for a channel, mutex or wait group (shown in dumps: `chan #3`). */
export function newObjectId(): u32 {
  return nextObjectId++;
}

/**
 * Raw operations on a list by address: the blocking paths of the primitives use these so
 * that they hold no managed temporaries (each would cost a shadow-stack slot that is
 * zeroed on entry and copied on every switch).
 */
export namespace Waiters {
  // @ts-ignore: decorator
  @inline export function push(list: usize, f: usize): void {
    Rec.setNext(f, 0);
    let tail = load<usize>(list, offsetof<WaitList>("_tail"));
    if (tail != 0) Rec.setNext(tail, f);
    else store<usize>(list, f, offsetof<WaitList>("_head"));
    store<usize>(list, f, offsetof<WaitList>("_tail"));
    store<i32>(list, load<i32>(list, offsetof<WaitList>("length")) + 1, offsetof<WaitList>("length"));
  }

  /** Removes and returns the first fiber, or 0. */
  // @ts-ignore: decorator
  @inline export function shift(list: usize): usize {
    let f = load<usize>(list, offsetof<WaitList>("_head"));
    if (f != 0) {
      let next = Rec.next(f);
      store<usize>(list, next, offsetof<WaitList>("_head"));
      if (next == 0) store<usize>(list, 0, offsetof<WaitList>("_tail"));
      Rec.setNext(f, 0);
      store<i32>(list, load<i32>(list, offsetof<WaitList>("length")) - 1, offsetof<WaitList>("length"));
    }
    return f;
  }
}

/** A FIFO of blocked fibers. */
export class WaitList {
  /** @internal first fiber, or 0. */
  _head: usize = 0;
  /** @internal last fiber, or 0. */
  _tail: usize = 0;
  /** Fibers waiting. */
  length: i32 = 0;

  constructor(
    /** What they wait for. */
    public readonly kind: WaitKind,
    /** Id of the owning object. */
    public readonly ownerId: u32,
  ) {}

  /** True if no fiber waits. */
  get empty(): bool {
    return this._head == 0;
  }

  /** `chan #3 recv`, `mutex #2`, `waitgroup #4`. */
  describe(): string {
    let id = this.ownerId.toString();
    switch (this.kind) {
      case WaitKind.ChannelSend: return "chan #" + id + " send";
      case WaitKind.ChannelRecv: return "chan #" + id + " recv";
      case WaitKind.Mutex: return "mutex #" + id;
    }
    return "waitgroup #" + id;
  }

  /** @internal removes `f` if it is on the list (failure path: O(length)). */
  remove(f: usize): void {
    let prev: usize = 0;
    let p = this._head;
    while (p != 0) {
      let next = Rec.next(p);
      if (p == f) {
        if (prev != 0) Rec.setNext(prev, next);
        else this._head = next;
        if (this._tail == f) this._tail = prev;
        Rec.setNext(f, 0);
        this.length--;
        return;
      }
      prev = p;
      p = next;
    }
  }
}
