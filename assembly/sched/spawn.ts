// spawn.ts: making fibers.
//
// Model: a spawn allocates the record (no constructor, see `newFiber`), gives it the next
// id, its entry (`fn` and `kind`: the table index and its parameter's wasm type) and its
// argument's bits, makes it a member of the spawner's scope (or of the scope `Scope.spawn`
// named), puts it on the live list and at the tail of the run queue. It first runs when
// the scheduler reaches it; the spawner keeps running until it yields or blocks.
//
// Threads build: ids come from an atomic counter (unique across threads, increasing on each
// thread), the live-list insertion takes the scheduler lock (lock.ts), and the fiber is
// complete before `enqueue` makes it visible: another thread may start it at once.
//
// Invariants: ids increase from 1 (`main`) in spawn order (with threads: unique, and
// increasing in each thread's spawn order); a new record stays white (no
// allocation between `__new` and `liveAdd`), so none of its stores needs a write barrier.

import { EntryKind, FiberState, Rec, SLOT_IS_REF, F_NAME } from "../record";
import { T, S } from "../state";
import { misuse } from "../failure";
import { addMember } from "../scopecore";
import { Fiber } from "../fiber";
import { enqueue } from "./runqueue";
import { liveAdd } from "./live";
import { lockSched, unlockSched } from "./lock";
import { readyAddress } from "./wait";
import { traceOn, traceSpawn } from "../trace";

/** Threads build: `kind` flag from spawnWith, the argument is managed (newFiber marks the slot). */
// @ts-ignore: decorator
@inline const KIND_REF: u8 = 0x80;

function newFiber(name: string | null, kind: u8, fn: u32, arg: u64): Fiber {
  // Allocated without running a constructor: AssemblyScript's would store a zero into
  // every field of memory that `__new` has just zeroed, and call the write barrier for
  // each managed one (about a third of a spawn). Nothing between `__new` and `liveAdd`
  // allocates, so no GC step runs before the live list holds the record, and the record
  // stays white until then.
  let f = __new(offsetof<Fiber>(), idof<Fiber>());
  Rec.setId(f, S.nextId());
  Rec.initRef(f, F_NAME, changetype<usize>(name));
  Rec.setState(f, FiberState.Blocked); // not yet queued (enqueue makes it Ready)
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    // a managed argument (spawnWith) is marked before the fiber is queued: another thread
    // may take it from the ring and start it at once
    if (kind & KIND_REF) {
      kind &= ~KIND_REF;
      Rec.setFlags(f, SLOT_IS_REF);
    }
  }
  Rec.setKind(f, kind);
  Rec.setFn(f, fn);
  Rec.initSlot(f, arg);
  let scope = T.spawnScope();
  if (scope != 0) T.setSpawnScope(0);
  else {
    let current = T.current();
    if (current != 0) scope = Rec.scope(current);
  }
  if (scope != 0) addMember(f, scope);
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    // other threads spawn and end fibers at the same time (lock.ts)
    lockSched();
    liveAdd(f);
    unlockSched();
  } else {
    liveAdd(f);
  }
  if (traceOn) traceSpawn(f, T.current());
  S.countSpawn();
  enqueue(f);
  return changetype<Fiber>(f);
}

/**
 * Starts `fn` as a new fiber. It runs when the scheduler reaches it in the run queue (the
 * caller keeps running until it yields or blocks).
 */
export function spawn(fn: () => void, name: string | null = null): Fiber {
  return newFiber(name, <u8>EntryKind.NoArg, fn.index, 0);
}

/**
 * Starts `fn(arg)` as a new fiber. AssemblyScript functions cannot capture variables, so
 * this is how data reaches a fiber; a managed `arg` is kept alive by the fiber.
 */
export function spawnWith<T>(fn: (arg: T) => void, arg: T, name: string | null = null): Fiber {
  let kind: u8;
  let bits: u64;
  if (isManaged<T>()) {
    kind = <u8>EntryKind.I32;
    bits = <u64>changetype<usize>(arg);
  } else if (isFloat<T>()) {
    if (sizeof<T>() == 4) {
      kind = <u8>EntryKind.F32;
      bits = <u64>reinterpret<u32>(<f32>arg);
    } else {
      kind = <u8>EntryKind.F64;
      bits = reinterpret<u64>(<f64>arg);
    }
  } else if (sizeof<T>() == 8) {
    kind = <u8>EntryKind.I64;
    bits = <u64>arg;
  } else {
    kind = <u8>EntryKind.I32;
    // @ts-ignore: T is an integer, a bool or an unmanaged pointer here
    bits = <u64><u32>arg;
  }
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    // newFiber marks the slot before it queues the fiber (the barrier is empty there)
    return newFiber(name, isManaged<T>() ? kind | KIND_REF : kind, fn.index, bits);
  }
  let fiber = newFiber(name, kind, fn.index, bits);
  if (isManaged<T>()) {
    let f = changetype<usize>(fiber);
    Rec.setFlags(f, SLOT_IS_REF);
    __link(f, changetype<usize>(arg), false);
  }
  return fiber;
}

/** Makes the next spawn a member of the scope at `scope` (Scope.spawn). */
export function spawnInto(scope: usize): void {
  T.setSpawnScope(scope);
}

/** The running fiber. Fails the caller if called outside any fiber (in top-level code). */
export function currentFiber(): Fiber {
  let f = T.current();
  if (f == 0) misuse("currentFiber() called outside a fiber");
  return changetype<Fiber>(f);
}

/** Makes a fiber blocked in `park()` ready again (it goes to the tail of the run queue). */
export function ready(fiber: Fiber): void {
  readyAddress(changetype<usize>(fiber));
}


