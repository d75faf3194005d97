// waitlist.ts: the one wait-queue type behind every blocking primitive.
//
// A WaitList is a FIFO of blocked fibers, linked through their run-queue link (a blocked
// fiber is never on the run queue); a fiber blocked in a select is represented on each of
// its cases' lists by a WaitNode instead (below). Channels keep one for senders and one
// for receivers, a Mutex one for lockers, a WaitGroup one for waiters, a fiber one for its
// joiners. Blocking and waking go through the scheduler (`block`, `wakeOne`, `wakeAll` in
// sched/wait.ts), which also records on the fiber which list it waits on: dumps name it,
// and a fiber that fails or is cancelled while blocked is taken off it. `Waiters.remove`
// is the one removal from the middle of a list in the runtime (the run queue never needs
// one, sched/runqueue.ts).
//
//   list ─► head ─► fiber ─next─► fiber ─next─► fiber ◄─ tail
//
// Example (the shape of every primitive):
//
//   lock(): void {
//     if (this._owner == 0) { this._owner = me; return; }
//     block(changetype<usize>(this._waiters));   // parks until unlock() hands over (wakeOne)
//   }
//
// The links are raw addresses: the fibers are kept alive by the scheduler's live list, and
// the list itself by its owner, which every fiber blocked on it holds on its stack.

import { Rec, fiberLabel } from "../record";
import { misuse } from "../failure";
import { schedThreads } from "../sched/runq";

/** What a list's waiters wait for, as shown in dumps. */
export enum WaitKind {
  ChannelSend = 0,
  ChannelRecv = 1,
  Mutex = 2,
  WaitGroup = 3,
  /** Semaphore.acquire() (sync/semaphore.ts). */
  Semaphore = 4,
  /** Once.do() while another fiber runs the function (sync/once.ts). */
  Once = 5,
  /** Cond.wait() until a signal (sync/cond.ts). */
  Cond = 6,
  /** HostCall.wait() until the host completes the call (hostcall.ts). */
  HostCall = 7,
  /** Fiber.join() until the fiber ends (sched/join.ts); the owner is the fiber's record. */
  Join = 8,
  /** Scope.wait() (scope.ts). */
  Scope = 10,
}

let nextObjectId: u32 = 1;

/** A new id for a channel, mutex or wait group (shown in dumps: `chan #3`). */
export function newObjectId(): u32 {
  return nextObjectId++;
}

/**
 * Entries of a list are fibers (their record address) or, for a fiber waiting in a
 * `select`, one WaitNode per case (its address with the low bit set: records and nodes
 * are 16-byte aligned). Fibers link through their run-queue link, nodes through their own.
 */
// @ts-ignore: decorator
@inline export const NODE_TAG: usize = 1;

// @ts-ignore: decorator
@inline function entryNext(e: usize): usize {
  return e & NODE_TAG ? load<usize>(e & ~NODE_TAG, offsetof<WaitNode>("_next")) : Rec.next(e);
}

// @ts-ignore: decorator
@inline function setEntryNext(e: usize, v: usize): void {
  if (e & NODE_TAG) store<usize>(e & ~NODE_TAG, v, offsetof<WaitNode>("_next"));
  else Rec.setNext(e, v);
}

/**
 * Raw operations on a list by address: the blocking paths of the primitives use these so
 * that they hold no managed temporaries (each would cost a shadow-stack slot that is
 * zeroed on entry and copied on every switch).
 */
export namespace Waiters {
  /** Appends an entry (a fiber, or a tagged WaitNode). */
  // @ts-ignore: decorator
  @inline export function push(list: usize, e: usize): void {
    setEntryNext(e, 0);
    let tail = load<usize>(list, offsetof<WaitList>("_tail"));
    if (tail != 0) setEntryNext(tail, e);
    else store<usize>(list, e, offsetof<WaitList>("_head"));
    store<usize>(list, e, offsetof<WaitList>("_tail"));
    store<i32>(list, load<i32>(list, offsetof<WaitList>("length")) + 1, offsetof<WaitList>("length"));
  }

  /** Removes and returns the first entry, or 0. */
  // @ts-ignore: decorator
  @inline export function shift(list: usize): usize {
    let e = load<usize>(list, offsetof<WaitList>("_head"));
    if (e != 0) {
      let next = entryNext(e);
      store<usize>(list, next, offsetof<WaitList>("_head"));
      if (next == 0) store<usize>(list, 0, offsetof<WaitList>("_tail"));
      setEntryNext(e, 0);
      store<i32>(list, load<i32>(list, offsetof<WaitList>("length")) - 1, offsetof<WaitList>("length"));
    }
    return e;
  }

  /** Removes entry `e` if it is on the list (O(length): failure, cancel, select paths). */
  export function remove(list: usize, e: usize): void {
    let prev: usize = 0;
    let p = load<usize>(list, offsetof<WaitList>("_head"));
    while (p != 0) {
      let next = entryNext(p);
      if (p == e) {
        if (prev != 0) setEntryNext(prev, next);
        else store<usize>(list, next, offsetof<WaitList>("_head"));
        if (load<usize>(list, offsetof<WaitList>("_tail")) == e) store<usize>(list, prev, offsetof<WaitList>("_tail"));
        setEntryNext(e, 0);
        store<i32>(list, load<i32>(list, offsetof<WaitList>("length")) - 1, offsetof<WaitList>("length"));
        return;
      }
      prev = p;
      p = next;
    }
  }
}

/**
 * One case of a fiber blocked in `select`, queued on that case's list. The Select (a
 * SelectState) keeps its nodes alive; the first node woken fires the select and takes its
 * siblings off their lists, so a select completes exactly one case.
 */
export class WaitNode {
  /** @internal link to the next entry of the list. */
  _next: usize = 0;
  /** @internal address of the list this node is queued on (while queued). */
  _list: usize = 0;
  /** @internal address of the owning SelectState. */
  _select: usize = 0;
  /** Index of the case in its select. */
  index: i32 = 0;
  /** A send case: `bits` is the value to hand over. */
  isSend: bool = false;
  /** `bits` holds a managed reference (kept alive by the case that owns it). */
  isRef: bool = false;
  /** Value bits of a send case. */
  bits: u64 = 0;
}

/** What the scheduler needs of a select blocked on several lists (sync/select.ts). */
export class SelectState {
  /** @internal the waiting fiber's record address. */
  _fiber: usize = 0;
  /** Index of the case that fired, or -1. */
  fired: i32 = -1;
  /** @internal one node per blocking case. */
  _nodes: Array<WaitNode> = new Array<WaitNode>();
}

/** Takes every node of a select off its list (the select fired, failed or was cancelled). */
export function unlinkSelect(select: usize, except: usize): void {
  let nodes = changetype<SelectState>(select)._nodes;
  for (let i = 0, n = nodes.length; i < n; i++) {
    let node = changetype<usize>(unchecked(nodes[i]));
    if (node == except) continue;
    let list = load<usize>(node, offsetof<WaitNode>("_list"));
    if (list != 0) {
      Waiters.remove(list, node | NODE_TAG);
      store<usize>(node, 0, offsetof<WaitNode>("_list"));
    }
  }
}

/** `select (chan #3 recv, chan #4 send)`: what a fiber blocked in a select waits for. */
export function describeSelect(select: usize): string {
  let nodes = changetype<SelectState>(select)._nodes;
  let parts = new Array<string>();
  for (let i = 0, n = nodes.length; i < n; i++) {
    let list = load<usize>(changetype<usize>(unchecked(nodes[i])), offsetof<WaitNode>("_list"));
    if (list != 0) parts.push(changetype<WaitList>(list).describe());
  }
  return parts.length > 0 ? "select: " + parts.join(", ") : "select: no enabled case";
}

/** A FIFO of blocked fibers. */
export class WaitList {
  /** @internal first fiber, or 0. */
  _head: usize = 0;
  /** @internal last fiber, or 0. */
  _tail: usize = 0;
  /** Fibers waiting. */
  length: i32 = 0;

  /** What they wait for. */
  readonly kind: WaitKind;
  /** Id of the owning object. */
  readonly ownerId: u32;
  /** @internal what dumps call the owner (a host call's `what`), or null. */
  _label: string | null;
  /** @internal address of the owning fiber (WaitKind.Join), or 0. */
  _owner: usize = 0;

  constructor(kind: WaitKind, ownerId: u32, label: string | null = null) {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) {
      if (kind != WaitKind.Join && schedThreads() > 1) notOnThreads(kind);
    }
    this.kind = kind;
    this.ownerId = ownerId;
    this._label = label;
  }

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
      case WaitKind.Semaphore: return "sema #" + id;
      case WaitKind.Once: return "once #" + id;
      case WaitKind.Cond: return "cond #" + id;
      case WaitKind.Scope: return "scope #" + id + " wait";
      case WaitKind.HostCall: {
        let label = this._label;
        return label !== null ? "host " + label + " #" + id : "host call #" + id;
      }
      case WaitKind.Join: return "join " + fiberLabel(this._owner);
    }
    return "waitgroup #" + id;
  }

  /** @internal removes fiber `f` if it is on the list (failure path: O(length)). */
  remove(f: usize): void {
    Waiters.remove(changetype<usize>(this), f);
  }
}

// Waiters and the debug checks (sched/check.ts) work on these three fields by offset: the
// build fails if the class is ever reordered.
// @ts-ignore: compile-time check
if (offsetof<WaitList>("_head") != 0 || offsetof<WaitList>("_tail") != 4 || offsetof<WaitList>("length") != 8) ERROR("WaitList: _head, _tail, length must be its first fields (Waiters reads them by offset)");

/**
 * Threads build: every primitive but `join` keeps its state unlocked so far (docs/THREADS.md,
 * step 2's next part); with more than one scheduler thread, making one fails the fiber
 * with that said, rather than racing.
 */
function notOnThreads(kind: WaitKind): void {
  let what = kind <= WaitKind.ChannelRecv ? "channels and select" : kind == WaitKind.Mutex ? "Mutex" :
    kind == WaitKind.WaitGroup ? "WaitGroup" : kind == WaitKind.Semaphore ? "Semaphore" : kind == WaitKind.Once ? "Once" :
    kind == WaitKind.Cond ? "Cond" : kind == WaitKind.HostCall ? "host calls" : "Scope";
  misuse(what + " cannot run on more than one thread yet (docs/THREADS.md): run this program on one thread");
}
