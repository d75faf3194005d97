// live.ts: the live list, every fiber that has not ended, and the main fiber.
//
// Model: a doubly linked list through the records' `liveNext`/`livePrev`, newest first,
// rooted in the global `liveHead`. It is what keeps fibers alive: the GC reaches every
// live record from that root (`liveNext` is the one link the record's `__visit` follows),
// so a fiber parked on something nobody references any more is still found by dumps and
// never freed while it can run.
//
// Invariants:
//   - a fiber is on the live list from its spawn until `finish` (Done or Failed);
//   - `S.alive` is the list's length; `S.peak` its largest length so far.
//
// The roots are module globals, not words of the shared record (state.ts): the collector
// finds roots only in globals. This layer sits below the Fiber class (fiber.ts), so they
// are typed `AnyFiber`, an empty class that only says "a managed object": the collector
// visits an object by its runtime type, so a Fiber held here is visited as a Fiber.

import { Rec } from "../record";
import { S } from "../state";

/** A fiber record seen from below the Fiber class: a managed object, nothing more. */
@final class AnyFiber {}

/** Newest live fiber; the GC's root for all of them. */
let liveHead: AnyFiber | null = null;
/** The program's `main` fiber (id 1) once started; kept for its failure after it ends. */
let mainFiber: AnyFiber | null = null;

/**
 * Puts a new fiber at the head of the live list. The fiber must come straight from
 * `__new` with no allocation since, so it is white: a store into a white object needs no
 * write barrier (itcms.ts `__link` acts only for a black or pinned parent), and the
 * collector reaches it through `liveHead`, a root it visits again before sweeping.
 */
// @ts-ignore: decorator
@inline export function liveAdd(f: usize): void {
  let head = changetype<usize>(liveHead);
  if (head != 0) {
    Rec.setLiveNext(f, head);
    Rec.setLivePrev(head, f);
  }
  liveHead = changetype<AnyFiber>(f);
  let alive = S.alive() + 1;
  S.setAlive(alive);
  if (alive > S.peak()) S.setPeak(alive);
}

/** Takes an ended fiber off the live list. */
export function liveRemove(f: usize): void {
  let prev = Rec.livePrev(f);
  let next = Rec.liveNext(f);
  if (prev != 0) {
    Rec.setLiveNext(prev, next);
    __link(prev, next, false);
  } else {
    liveHead = changetype<AnyFiber | null>(next);
  }
  if (next != 0) Rec.setLivePrev(next, prev);
  Rec.setLiveNext(f, 0);
  Rec.setLivePrev(f, 0);
  S.setAlive(S.alive() - 1);
}

/** The newest live fiber (walk on with `Rec.liveNext`), or 0. */
// @ts-ignore: decorator
@inline export function liveFirst(): usize {
  return changetype<usize>(liveHead);
}

/** The main fiber's record, or 0 before start. */
// @ts-ignore: decorator
@inline export function mainAddress(): usize {
  return changetype<usize>(mainFiber);
}

/** Records the main fiber (startMain). */
export function setMain(f: usize): void {
  mainFiber = changetype<AnyFiber>(f);
}
