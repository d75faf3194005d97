// ticker.ts: Timer (a channel that receives the time once), Ticker (every period) and
// `after(ms)`: Go's time.Timer, time.Ticker and time.After.
//
//   const ticker = new Ticker(100);        // every 100 ms
//   for (let i = 0; i < 5; i++) {
//     const t = ticker.channel.recv();      // now(), as of the tick
//     console.log("tick at " + t.toString());
//   }
//   ticker.stop();                          // else it keeps the program waiting
//
//   // a timeout case in any select:
//   const sel = new Select();
//   sel.recv(results);
//   sel.recv(after(500));                 // fires SELECT index 1 after 500 ms
//
// A running timer has one entry in the timer heap (timer.ts); when it fires, the
// scheduler sends the time on its channel without blocking, and a ticker re-arms one
// period later. The channel holds one value: as in Go, a receiver that falls behind misses
// ticks instead of finding a backlog, and a ticker stays on its period's grid (missed
// ticks are skipped, never fired late in a burst).
//
// A running timer is kept alive by the runtime (it must fire even if nobody else holds
// it) and counts as pending, so a program waiting on it is never a deadlock. Stop
// tickers you no longer read.

import { Channel } from "./sync/channel";
import { TimerHeap, TICKER_TAG, TIMER_WHERE } from "./timer";
import { hostNow } from "./platform";
import { misuseOf } from "./failure";
import { sinceStart } from "./time";

/** Timers with an armed entry: the runtime's references to them (the heap's are raw). */
const running = new Set<Timer>();

/** A channel that receives `now()` once, `ms` from now. */
export class Timer {
  /** @internal its timer-heap back-pointer, or 0 (first: timer.ts `TIMER_WHERE`). */
  _timer: u32 = 0;
  /** Receives the time (ms, `now()`'s clock) when the timer fires. Capacity 1. */
  readonly channel: Channel<f64> = new Channel<f64>(1);
  /** @internal the period (Ticker), or 0. */
  _period: f64 = 0;
  /** @internal when it fires next (host clock). */
  _next: f64 = 0;

  /** Fires once, `ms` from now (0 or more). */
  constructor(ms: f64) {
    checkDuration(ms);
    this.arm(hostNow() + ms);
  }

  /**
   * Stops it: it will not fire (a value already in the channel stays there). True if this
   * call stopped it, false if it had already fired or been stopped (Go's `Timer.Stop`).
   */
  stop(): bool {
    let pending = this._timer != 0;
    if (pending) TimerHeap.cancel(this._timer);
    running.delete(this);
    return pending;
  }

  /**
   * Re-arms it to fire once, `ms` from now (0 or more), whether or not it had fired. True
   * if it was still pending, as Go's `Timer.Reset` (a value already in the channel stays).
   */
  reset(ms: f64): bool {
    checkDuration(ms);
    let pending = this.stop();
    this.arm(hostNow() + ms);
    return pending;
  }

  /** True while it will fire again. */
  get running(): bool {
    return this._timer != 0;
  }

  /** @internal */
  arm(at: f64): void {
    this._next = at;
    TimerHeap.push(at, changetype<usize>(this) | TICKER_TAG);
    running.add(this);
  }
}

/** A channel that receives `now()` every `periodMs`; the first tick one period from now. */
export class Ticker extends Timer {
  constructor(periodMs: f64) {
    super(periodMs);
    checkPeriod(periodMs);
    this._period = periodMs;
  }

  /**
   * Restarts it with a new period, the next tick one period from now. True if it was
   * running (false after `stop()`).
   */
  reset(periodMs: f64): bool {
    checkPeriod(periodMs);
    let pending = this.stop();
    this._period = periodMs;
    this.arm(hostNow() + periodMs);
    return pending;
  }
}

function checkDuration(ms: f64): void {
  if (!(ms >= 0) || ms == Infinity) misuseOf("a timer needs a finite duration of 0 ms or more, got " + ms.toString());
}

function checkPeriod(periodMs: f64): void {
  if (!(periodMs > 0) || periodMs == Infinity) misuseOf("a ticker's period must be a positive number of ms, got " + periodMs.toString());
}

// timer.ts writes the back-pointer at TIMER_WHERE without knowing this class.
// @ts-ignore: compile-time check
if (offsetof<Timer>("_timer") != TIMER_WHERE) ERROR("ticker.ts: Timer._timer must be at timer.ts TIMER_WHERE");

/** A channel that receives `now()` once, `ms` from now: `new Timer(ms).channel`. */
export function after(ms: f64): Channel<f64> {
  return new Timer(ms).channel;
}

/** The scheduler fires a timer's entry (sched/fire.ts `fireTimers`). */
export function tickerFired(t: usize, now: f64): void {
  let timer = changetype<Timer>(t);
  // a full channel: the receiver is behind, and this tick is dropped (as in Go)
  if (!timer.channel.closed) timer.channel.trySend(sinceStart(now));
  let period = timer._period;
  if (period == 0) {
    running.delete(timer);
    return;
  }
  // stay on the grid: skip the ticks that are already past
  let next = timer._next + period;
  if (next <= now) next += Math.floor((now - next) / period + 1) * period;
  timer._next = next;
  TimerHeap.push(next, t | TICKER_TAG);
}
