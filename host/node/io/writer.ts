// writer.ts: a Node Writable (socket, stdout, stderr) written by fibers, with backpressure.
//
// A write copies the fiber's bytes and hands them to the stream at once. If the stream
// stays under its high-water mark (`write` returned true: the kernel took the bytes, or
// Node buffered a little), the fiber goes on without waiting. Otherwise the bytes are
// taken but the fiber parks until the stream drains ('drain'), so a fiber never gets more
// than one write ahead of what its peer reads: the answer EINPROGRESS tells the fiber to
// wait (`startDrain`).
//
// Errors that happen after a write returned (the kernel reports a reset later) are kept
// and returned by the next write; waiting fibers get them at once.

import type { Writable } from "node:stream";
import { type IoHost, copyOut, enqueue } from "./host.js";
import { type IoFailure, failureOf, ERRNO } from "./errno.js";

export class StreamWriter {
  private failure: IoFailure | null = null;
  private ended = false;
  private closed = false;
  private readonly drainWaiters: number[] = [];
  private listening = false;

  constructor(
    private readonly host: IoHost,
    private readonly stream: Writable,
    /**
     * Listen to the stream at once (sockets: an error without a listener would throw);
     * the process's stdout and stderr are listened to from the program's first write.
     */
    eager: boolean,
  ) {
    if (eager) this.listen();
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.stream.on("drain", () => this.wake(0));
    this.stream.on("error", (error) => this.onError(failureOf(error)));
    this.stream.on("close", () => {
      if (!this.failure && !this.ended) this.onError({ code: "EPIPE", message: "write to a stream that has closed" });
      else this.wake(this.failure ?? { code: "EPIPE", message: "write to a stream that has closed" });
    });
  }

  /** Writes `len` bytes at `ptr`: `len` if the stream took them, EINPROGRESS if it must drain first, or a failure. */
  tryWrite(ptr: number, len: number): number | IoFailure {
    if (this.closed) return { code: "EBADF", message: "write on a closed handle" };
    if (this.failure) return this.failure;
    if (this.ended) return { code: "ENOTCONN", message: "write after shutdown: this side of the connection has ended" };
    if (this.stream.destroyed || this.stream.writableEnded) return { code: "EPIPE", message: "write to a stream that has closed" };
    if (len === 0) return 0;
    this.listen();
    // no callback: a failed write also destroys the stream with the error ('error' above)
    const ok = this.stream.write(copyOut(this.host, ptr, len));
    return ok ? len : -ERRNO.EINPROGRESS;
  }

  /** Parks a fiber until the stream can take more (or fails). */
  startDrain(token: number): void {
    if (this.closed) return this.host.settle(token, { code: "EBADF", message: "write on a closed handle" });
    if (this.failure) return this.host.settle(token, this.failure);
    if (!this.stream.writableNeedDrain) return this.host.settle(token, 0);
    enqueue(this.host, this.drainWaiters, token, token);
  }

  /** Ends this side (shutdown): the buffered bytes go out, then end-of-stream. */
  end(): void {
    this.ended = true;
    this.stream.end();
  }

  /** The handle was closed: waiting fibers get EBADF. */
  close(): void {
    this.closed = true;
    this.wake({ code: "EBADF", message: "the handle was closed while a write waited" });
  }

  private onError(failure: IoFailure): void {
    if (!this.failure) this.failure = failure;
    this.wake(this.failure);
  }

  private wake(result: number | IoFailure): void {
    for (const token of this.drainWaiters.splice(0)) this.host.settle(token, result);
  }
}
