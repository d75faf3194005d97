// platform.ts: what the core needs from the world outside the module, and nothing else.
//
// Only the clock, for now. A JavaScript host provides it as the `weft.now` import
// (performance.now()); the WASI target swaps this file for one that asks the WASI clock
// (the build maps the module per target), so nothing above this file knows which it is.

// @ts-ignore: decorator
@external("weft", "now")
declare function weftNow(): f64;

/** The host's monotonic clock, in milliseconds from an arbitrary origin. */
export function hostNow(): f64 {
  return weftNow();
}
