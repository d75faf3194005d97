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
//     if (!this.locked) { this.locked = true; return; }
//     block(this.waiters);   // parks until unlock() hands the lock over with wakeOne
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

  /** @internal appends a fiber (by address). */
  // @ts-ignore: decorator
  @inline push(f: usize): void {
    Rec.setNext(f, 0);
    if (this._tail != 0) Rec.setNext(this._tail, f);
    else this._head = f;
    this._tail = f;
    this.length++;
  }

  /** @internal removes and returns the first fiber, or 0. */
  // @ts-ignore: decorator
  @inline shift(): usize {
    let f = this._head;
    if (f != 0) {
      this._head = Rec.next(f);
      if (this._head == 0) this._tail = 0;
      Rec.setNext(f, 0);
      this.length--;
    }
    return f;
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
