// stream.ts: read, write and close, the same three calls for every kind of handle: files,
// TCP connections, stdin/stdout/stderr. A handle is a small integer the host gave out
// (`open`, `accept`, `connect`, `listen`; 0, 1, 2 are the standard streams). Handles are
// never reused while the program runs, so a stale one gives EBADF, never someone else's
// file.
//
//   const buf = new Uint8Array(4096);
//   for (;;) {
//     const n = read(conn, buf);              // parks this fiber only, until data comes
//     if (n <= 0) break;                      // 0: end of stream; < 0: an Errno
//     if (write(conn, buf, 0, n) < 0) break;  // parks while the connection is backed up
//   }
//   close(conn);
//
// Reads return what is there (at least one byte, unless at the end), as POSIX `read` does.
// Writes are all or nothing: `write` returns once the host has taken every byte, and parks
// the fiber while the host is backed up (a socket's or pipe's buffer over its high-water
// mark waits for 'drain'; a file write waits for the write itself). That is backpressure:
// a fiber that writes faster than its peer reads waits, instead of filling memory.

import { HostCall } from "../hostcall";
import { Errno, fail } from "./errors";
import { hostRead, hostReadStart, hostWrite, hostWriteStart, hostDrainStart, hostClose, syncFailure, finish } from "./host";

/**
 * Largest read or write one call may ask for: 256 MiB. Larger requests (and `readFile`
 * of a larger file) give EFBIG.
 */
export const MAX_IO_SIZE: i32 = 256 << 20;

/** "No position": read or write at the handle's own position (a file's cursor, a stream). */
export const CURSOR: f64 = -1;

/**
 * Checks a request of `length` bytes (-1: to the end) at `offset` of `buf`; returns the
 * length, or a negative Errno (recorded).
 */
export function spanOf(buf: Uint8Array, offset: i32, length: i32, what: string): i32 {
  let size = buf.length;
  if (offset < 0 || offset > size) {
    return fail(Errno.EINVAL, what + ": offset " + offset.toString() + " is outside the buffer of " + size.toString() + " bytes");
  }
  let len = length < 0 ? size - offset : length;
  if (len > MAX_IO_SIZE) {
    return fail(Errno.EFBIG, what + " of " + len.toString() + " bytes exceeds the per-call maximum of " + MAX_IO_SIZE.toString() + " bytes (MAX_IO_SIZE)");
  }
  if (len > size - offset) {
    return fail(Errno.EINVAL, what + " of " + len.toString() + " bytes at offset " + offset.toString() + " does not fit the buffer of " + size.toString() + " bytes");
  }
  return len;
}

/**
 * Reads up to `length` bytes (default: to the end of `buf`) into `buf` at `offset`;
 * parks the calling fiber until some are there. Returns the count, 0 at the end of the
 * stream (or for a request of 0 bytes), or a negative Errno.
 */
export function read(handle: i32, buf: Uint8Array, offset: i32 = 0, length: i32 = -1): i32 {
  return readAt(handle, buf, CURSOR, offset, length);
}

/**
 * `read` at byte `position` of a file, leaving its cursor alone (POSIX `pread`; fibers may
 * read one file at different positions at once). Streams give ESPIPE.
 */
export function readAt(handle: i32, buf: Uint8Array, position: f64, offset: i32 = 0, length: i32 = -1): i32 {
  let len = spanOf(buf, offset, length, "read");
  if (len < 0) return len;
  let ptr = buf.dataStart + <usize>offset;
  if (position < 0) {
    let r = hostRead(handle, ptr, len);
    if (r != Errno.EAGAIN) return r >= 0 ? r : syncFailure(r);
  }
  let call = new HostCall("read", buf);
  hostReadStart(call.token, handle, ptr, len, position);
  return finish(call);
}

/**
 * Writes `length` bytes (default: to the end of `buf`) from `buf` at `offset`, all of
 * them, parking the fiber while the host is backed up. Returns the count or a negative
 * Errno (EPIPE, ECONNRESET: the other side is gone).
 */
export function write(handle: i32, buf: Uint8Array, offset: i32 = 0, length: i32 = -1): i32 {
  return writeAt(handle, buf, CURSOR, offset, length);
}

/** `write` at byte `position` of a file (POSIX `pwrite`). Streams give ESPIPE. */
export function writeAt(handle: i32, buf: Uint8Array, position: f64, offset: i32 = 0, length: i32 = -1): i32 {
  let len = spanOf(buf, offset, length, "write");
  if (len < 0) return len;
  let ptr = buf.dataStart + <usize>offset;
  let r = hostWrite(handle, ptr, len, position);
  if (r >= 0) return r;
  if (r == Errno.EINPROGRESS) {
    // the host took the bytes; wait until it can take more (backpressure)
    let call = new HostCall("write");
    hostDrainStart(call.token, handle);
    let done = finish(call);
    return done < 0 ? done : len;
  }
  if (r != Errno.EAGAIN) return syncFailure(r);
  // a file: the host copies the bytes now and completes when they are written
  let call = new HostCall("write");
  hostWriteStart(call.token, handle, ptr, len, position);
  return finish(call);
}

/** Writes `text` as UTF-8; returns the bytes written or a negative Errno. */
export function writeString(handle: i32, text: string): i32 {
  return write(handle, Uint8Array.wrap(String.UTF8.encode(text)));
}

/**
 * Closes `handle`: a connection's written bytes still go out, then it closes; fibers
 * waiting on it get EBADF. Returns 0, or EBADF if it was not open.
 */
export function close(handle: i32): i32 {
  let r = hostClose(handle);
  return r >= 0 ? r : syncFailure(r);
}
