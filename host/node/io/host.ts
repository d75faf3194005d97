// host.ts: what the I/O resources (reader.ts, writer.ts, files.ts, net.ts) need from the
// program they serve: its memory, and a way to complete its host calls.
//
// Completions may be asked for at any time: from the event loop's callbacks (the usual
// case), but also from inside an import, while a fiber runs (a close that fails the reads
// waiting on the handle). Completing a call enters wasm, which must not happen while wasm
// is running, so the host defers those to a microtask (index.ts `NodeIo.settle`).

import type { IoFailure } from "./errno.js";

export interface IoHost {
  /** The program's memory as of now (it is replaced when the memory grows: never cache it). */
  memory(): ArrayBuffer;
  /** Completes host call `token` with a result (a number) or a failure. */
  settle(token: number, result: number | IoFailure): void;
  /**
   * Registers how to withdraw the pending call `token` if its fiber stops waiting (remove
   * a queued request, or note that the result is unwanted). A call may be settled after
   * that; the settlement is then ignored.
   */
  onCancel(token: number, cancel: () => void): void;
}

/** Copies `bytes` into the program's memory at `ptr`. */
export function copyIn(host: IoHost, ptr: number, bytes: Uint8Array): void {
  new Uint8Array(host.memory(), ptr, bytes.length).set(bytes);
}

/** A copy of `len` bytes of the program's memory at `ptr` (the program may reuse them). */
export function copyOut(host: IoHost, ptr: number, len: number): Buffer {
  return Buffer.copyBytesFrom(new Uint8Array(host.memory(), ptr, len));
}

/** Appends `item` to `queue` (requests waiting to be served); withdrawn if its fiber stops waiting first. */
export function enqueue<T>(host: IoHost, queue: T[], item: T, token: number): void {
  queue.push(item);
  host.onCancel(token, () => {
    const i = queue.indexOf(item);
    if (i >= 0) queue.splice(i, 1);
  });
}
