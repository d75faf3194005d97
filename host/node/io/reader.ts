// reader.ts: a Node Readable (socket, stdin) read by fibers.
//
// The stream flows into a queue of chunks; a fiber's read takes from the queue at once
// (`tryRead`), or, when it is empty, leaves (token, address, length) and parks
// (`startRead`): the next chunk is copied straight into its buffer and its call completed.
// Several fibers reading one stream are served in the order they asked. When more than
// `highWater` bytes wait for a reader the stream is paused, so a peer that sends faster
// than the program reads is held back by TCP's flow control, not by our memory.
//
// End of stream completes waiting reads with 0; an error (ECONNRESET, ...) completes them
// with the error, and every later read gets it too (after the data that came before it).

import type { Readable } from "node:stream";
import { type IoHost, copyIn, enqueue } from "./host.js";
import { type IoFailure, failureOf, ERRNO } from "./errno.js";

interface PendingRead {
  token: number;
  ptr: number;
  len: number;
}

export class StreamReader {
  private readonly chunks: Buffer[] = [];
  /** Bytes of chunks[0] already taken. */
  private head = 0;
  private buffered = 0;
  private ended = false;
  private failure: IoFailure | null = null;
  private readonly waiting: PendingRead[] = [];
  private started = false;
  private paused = false;
  private closed = false;

  constructor(
    private readonly host: IoHost,
    private readonly stream: Readable,
    private readonly highWater: number,
  ) {}

  /** Starts taking data from the stream (sockets at once; stdin at the first read). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stream.on("data", (chunk: Buffer | string) => this.onData(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    this.stream.on("end", () => this.onEnd());
    this.stream.on("error", (error) => this.onError(failureOf(error)));
    this.stream.on("close", () => {
      // closed without an end or error: reset by our side, or a stream that just stops
      if (!this.ended && !this.failure) this.onError({ code: "ECONNRESET", message: "the connection closed before its end was read" });
    });
    this.stream.resume();
  }

  /** Bytes for a read of at most `len` at `ptr` if any are there; else EAGAIN, 0 (end) or an error. */
  tryRead(ptr: number, len: number): number | IoFailure {
    if (this.closed) return { code: "EBADF", message: "read on a closed handle" };
    if (len === 0) return 0;
    if (this.buffered > 0) return this.take(ptr, len);
    if (this.failure) return this.failure;
    if (this.ended) return 0;
    this.start();
    return -ERRNO.EAGAIN;
  }

  /** Parks a read: completed by the next data, the end, or an error. */
  startRead(token: number, ptr: number, len: number): void {
    const now = this.tryRead(ptr, len);
    if (now !== -ERRNO.EAGAIN) {
      this.host.settle(token, now);
      return;
    }
    enqueue(this.host, this.waiting, { token, ptr, len }, token);
  }

  /** The handle was closed: waiting reads get EBADF, the stream is left alone. */
  close(): void {
    this.closed = true;
    this.finishAll({ code: "EBADF", message: "the handle was closed while a read waited" });
    this.chunks.length = 0;
    this.buffered = 0;
  }

  private take(ptr: number, len: number): number {
    let done = 0;
    while (done < len && this.chunks.length) {
      const chunk = this.chunks[0];
      const n = Math.min(len - done, chunk.length - this.head);
      copyIn(this.host, ptr + done, chunk.subarray(this.head, this.head + n));
      done += n;
      this.head += n;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.buffered -= done;
    if (this.paused && this.buffered < this.highWater) {
      this.paused = false;
      this.stream.resume();
    }
    return done;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let at = 0;
    while (this.waiting.length && at < chunk.length) {
      const read = this.waiting.shift()!;
      const n = Math.min(read.len, chunk.length - at);
      copyIn(this.host, read.ptr, chunk.subarray(at, at + n));
      at += n;
      this.host.settle(read.token, n);
    }
    if (at === chunk.length) return;
    this.chunks.push(at === 0 ? chunk : chunk.subarray(at));
    this.buffered += chunk.length - at;
    if (!this.paused && this.buffered >= this.highWater) {
      this.paused = true;
      this.stream.pause();
    }
  }

  private onEnd(): void {
    this.ended = true;
    this.finishAll(0);
  }

  private onError(failure: IoFailure): void {
    if (this.failure) return;
    this.failure = failure;
    this.finishAll(failure);
  }

  private finishAll(result: number | IoFailure): void {
    const waiting = this.waiting.splice(0);
    for (const read of waiting) this.host.settle(read.token, result);
  }

  /** Stops reading for good (the program ended). */
  stop(): void {
    this.closed = true;
    if (this.started) this.stream.pause();
  }
}
