// host.ts: the boundary between weft/io and the host's I/O (the `weft_io` import module;
// host/node/io/ implements it on Node), and the one way a fiber waits for it.
//
// The protocol. An operation that may have to wait is tried synchronously first: the host
// answers at once with a result (bytes read, a new handle, ...), a negative Errno, or
// EAGAIN ("would block"). Only then does the fiber create a HostCall and start the
// operation with the call's token (`..._start` imports); the host completes the token
// later and the fiber parks until then, the others running meanwhile. Data already
// buffered (a request that arrived while the fiber was busy, a socket with room for a
// write) therefore costs one import call and no allocation. Operations that always take
// a trip through the host's event loop (open, stat, connect, file reads) skip the try.
//
//   fiber                              host (host/node/io/)
//   ─────                              ────────────────────
//   read(h, ptr, len) ───────────────► data queued? copy it, return n
//                     ◄─────────────── EAGAIN
//   call = new HostCall("read", buf)   (pins buf until the call completes)
//   read_start(token, h, ptr, len) ──► remember (token, ptr, len)
//   call.wait()  … parked …            'data' → copy into memory at ptr,
//                                      program.complete(token, n)
//   ◄───────────────────────────────── (scheduler pass: the fiber is ready)
//
// EINPROGRESS is the other answer of a synchronous try: the host took the request (a write's
// bytes) but the fiber must wait before it goes on (backpressure: Node's buffer is over its
// high-water mark); the fiber then waits on `drain_start`.
//
// Memory the host writes into (a read's buffer, a stat record) is pinned by the HostCall
// until the host completes it; AssemblyScript's heap never moves objects, so the address
// stays valid. The host copies a write's bytes at the call, so writes pin nothing. A fiber
// whose wait ends early (deadline, cancellation) tells the host (`cancel`): a read that has
// not happened yet is withdrawn, so no byte is written into memory the fiber has moved on
// from, and no byte is lost; work already under way completes and its result is dropped.

import { HostCall } from "../hostcall";
import { traceOn, traceIo } from "../trace";
import { Outcome } from "../record";
import { Errno, errnoOf, fail } from "./errors";

// @ts-ignore: decorator
@external("weft_io", "read")
export declare function hostRead(handle: i32, ptr: usize, len: i32): i32;
// @ts-ignore: decorator
@external("weft_io", "read_start")
export declare function hostReadStart(token: u32, handle: i32, ptr: usize, len: i32, position: f64): void;
// @ts-ignore: decorator
@external("weft_io", "write")
export declare function hostWrite(handle: i32, ptr: usize, len: i32, position: f64): i32;
// @ts-ignore: decorator
@external("weft_io", "write_start")
export declare function hostWriteStart(token: u32, handle: i32, ptr: usize, len: i32, position: f64): void;
// @ts-ignore: decorator
@external("weft_io", "drain_start")
export declare function hostDrainStart(token: u32, handle: i32): void;
// @ts-ignore: decorator
@external("weft_io", "accept")
export declare function hostAccept(handle: i32): i32;
// @ts-ignore: decorator
@external("weft_io", "accept_start")
export declare function hostAcceptStart(token: u32, handle: i32): void;
// @ts-ignore: decorator
@external("weft_io", "close")
export declare function hostClose(handle: i32): i32;
// @ts-ignore: decorator
@external("weft_io", "shutdown")
export declare function hostShutdown(handle: i32): i32;
// @ts-ignore: decorator
@external("weft_io", "local_port")
export declare function hostLocalPort(handle: i32): i32;
// @ts-ignore: decorator
@external("weft_io", "open_start")
export declare function hostOpenStart(token: u32, path: usize, flags: usize, mode: i32): void;
// @ts-ignore: decorator
@external("weft_io", "stat_start")
export declare function hostStatStart(token: u32, path: usize, handle: i32, out: usize): void;
// @ts-ignore: decorator
@external("weft_io", "listen_start")
export declare function hostListenStart(token: u32, host: usize, port: i32, backlog: i32): void;
// @ts-ignore: decorator
@external("weft_io", "connect_start")
export declare function hostConnectStart(token: u32, host: usize, port: i32): void;
// @ts-ignore: decorator
@external("weft_io", "cancel")
declare function hostCancel(token: u32): void;
// @ts-ignore: decorator
@external("weft_io", "error_message")
declare function hostErrorMessage(ptr: usize, capacity: i32): i32;
// @ts-ignore: decorator
@external("weft_io", "args")
export declare function hostArgs(ptr: usize, capacity: i32): i32;

/** Where the host writes the message of a synchronous failure (UTF-16 units). */
const MESSAGE_UNITS: i32 = 512;
const messageBuffer = new StaticArray<u16>(MESSAGE_UNITS);

/**
 * A synchronous try failed with `code`: records the host's message and returns `code`.
 * (The host keeps the message of its latest synchronous failure until asked.)
 */
export function syncFailure(code: i32): i32 {
  let units = hostErrorMessage(changetype<usize>(messageBuffer), MESSAGE_UNITS);
  if (units > MESSAGE_UNITS) units = MESSAGE_UNITS;
  return fail(<Errno>code, String.UTF16.decodeUnsafe(changetype<usize>(messageBuffer), <usize>units << 1));
}

/**
 * Parks the calling fiber until the host completes `call`; returns the call's result as
 * an i32 (bytes, a handle, 0) or a negative Errno: the host's, or ETIMEDOUT / ECANCELED
 * when the fiber's wait ended first (the host is told, see above).
 */
export function finish(call: HostCall): i32 {
  if (traceOn) traceIo(call.token);
  let outcome = call.wait();
  // a call the host completed in the same pass in which the deadline passed still counts
  if (!call.done) {
    hostCancel(call.token);
    return outcome == Outcome.TimedOut
      ? fail(Errno.ETIMEDOUT, "i/o timeout: the fiber's deadline passed before " + call.what + " completed")
      : fail(Errno.ECANCELED, "cancelled: the fiber's scope was cancelled before " + call.what + " completed");
  }
  if (call.code !== null || call.error !== null) {
    let message = call.error;
    return fail(errnoOf(call.code), message !== null ? message : call.code!);
  }
  return <i32>call.result;
}
