// platform.wasi.ts: platform.ts for the WASI target (the build maps `./platform` here when
// it builds with `--target wasi`). The clock is WASI's monotonic clock instead of the JS
// host's `weft.now` import; nothing above platform.ts knows which one it got.

import { clock_time_get, clockid } from "bindings/wasi_snapshot_preview1";

// @ts-ignore: decorator
@lazy const TIME_OUT: usize = memory.data(8, 8);

/** The WASI monotonic clock, in milliseconds from an arbitrary origin (fractional). */
export function hostNow(): f64 {
  // precision 1 µs: a hint; runtimes give what the OS clock gives
  clock_time_get(clockid.MONOTONIC, 1000, TIME_OUT);
  return <f64>load<u64>(TIME_OUT) / 1e6;
}
