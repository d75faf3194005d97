// bufio.ts: reading a handle line by line.
//
//   const lines = new LineReader(STDIN);
//   for (let line = lines.readLine(); line !== null; line = lines.readLine()) {
//     console.log("> " + line);
//   }
//   if (lines.error < 0) console.log("read failed: " + errorName(lines.error));
//
// One buffer per reader, refilled with `read` (which parks only the calling fiber); a
// line longer than the buffer grows it, up to MAX_IO_SIZE (then EFBIG).

import { Errno, fail } from "./errors";
import { MAX_IO_SIZE, read } from "./stream";

/** Splits what `handle` delivers into lines (UTF-8; "\n" or "\r\n" ends a line). */
export class LineReader {
  /** 0 while lines come and at a clean end; a negative Errno once a read failed. */
  error: i32 = 0;
  private buf: Uint8Array;
  private start: i32 = 0;
  private end: i32 = 0;
  private atEnd: bool = false;

  /** Reads `handle` through a buffer of `size` bytes. */
  constructor(public readonly handle: i32, size: i32 = 4096) {
    this.buf = new Uint8Array(max(size, 16));
  }

  /**
   * The next line without its line break, or null at the end of the stream or on an
   * error (`error` says which). A last line without a line break is returned too.
   */
  readLine(): string | null {
    let scanned = this.start;
    while (true) {
      let data = this.buf.dataStart;
      for (let i = scanned; i < this.end; i++) {
        if (load<u8>(data + <usize>i) == 0x0a) {
          let stop = i > this.start && load<u8>(data + <usize>i - 1) == 0x0d ? i - 1 : i;
          let line = String.UTF8.decodeUnsafe(data + <usize>this.start, <usize>(stop - this.start));
          this.start = i + 1;
          return line;
        }
      }
      scanned = this.end;
      if (this.atEnd || this.error < 0) {
        if (this.start == this.end) return null;
        let line = String.UTF8.decodeUnsafe(data + <usize>this.start, <usize>(this.end - this.start));
        this.start = this.end;
        return line;
      }
      // makeRoom moves the unread bytes to the front: what was scanned moves with them
      let shift = this.start;
      if (!this.makeRoom()) return null;
      scanned -= shift;
      let n = read(this.handle, this.buf, this.end);
      if (n < 0) this.error = n;
      else if (n == 0) this.atEnd = true;
      else this.end += n;
    }
  }

  /** Moves unread bytes to the front, or grows the buffer; false (EFBIG) if it cannot. */
  private makeRoom(): bool {
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end < this.buf.length) return true;
    if (this.buf.length >= MAX_IO_SIZE) {
      this.error = fail(Errno.EFBIG, "a line longer than " + MAX_IO_SIZE.toString() + " bytes (MAX_IO_SIZE)");
      return false;
    }
    let bigger = new Uint8Array(min(this.buf.length * 2, MAX_IO_SIZE));
    bigger.set(this.buf.subarray(0, this.end));
    this.buf = bigger;
    return true;
  }
}
