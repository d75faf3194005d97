// fs.ts: files. Open, read and write through the handle calls (stream.ts), stat, and
// whole files at once.
//
//   const fd = open("log.txt", "a");                 // flags as Node's: r, r+, w, w+, a, a+, wx, ...
//   if (fd < 0) { console.log(errorName(fd) + ": " + lastError()); return; }
//   writeString(fd, "started\n");
//   close(fd);
//
//   const data = readFile("input.bin");              // Uint8Array, or null: lastErrno() says why
//   const text = readTextFile("notes.txt");          // UTF-8
//
// Every call parks only the calling fiber: the host runs the file system's work off the
// event loop (on Node, libuv's thread pool), so a slow disk never stalls the other fibers.
// A file handle has a cursor that `read` and `write` advance (as POSIX `read`/`write` on
// one descriptor: concurrent calls on one handle each take their own stretch); `readAt` and
// `writeAt` (stream.ts) give a position instead and leave the cursor alone.

import { HostCall } from "../hostcall";
import { Errno, fail } from "./errors";
import { hostOpenStart, hostStatStart, finish } from "./host";
import { MAX_IO_SIZE, read, readAt, write, close } from "./stream";

/**
 * Opens the file at `path` with Node's `flags` ("r" read, "r+" read/write, "w" create or
 * truncate, "wx" create new, "a" append, ...) and `mode` for a new file; returns its handle
 * or a negative Errno (ENOENT, EACCES, EEXIST, EISDIR, ...).
 */
export function open(path: string, flags: string = "r", mode: i32 = 0o666): i32 {
  let call = new HostCall("open");
  hostOpenStart(call.token, changetype<usize>(path), changetype<usize>(flags), mode);
  return finish(call);
}

/** What kind of file system object a `Stat` describes. */
export enum FileKind {
  Other = 0,
  File = 1,
  Directory = 2,
  SymbolicLink = 3,
}

/** A file's metadata (`stat`, `fstat`). Times are ms since the Unix epoch. */
export class Stat {
  kind: FileKind = FileKind.Other;
  /** Size in bytes. */
  size: f64 = 0;
  /** Permission and type bits, as POSIX `st_mode`. */
  mode: i32 = 0;
  /** Last modification. */
  mtimeMs: f64 = 0;
  /** Last access. */
  atimeMs: f64 = 0;
  /** Last status change. */
  ctimeMs: f64 = 0;

  /** True for a regular file. */
  get isFile(): bool {
    return this.kind == FileKind.File;
  }

  /** True for a directory. */
  get isDirectory(): bool {
    return this.kind == FileKind.Directory;
  }
}

/**
 * The stat record the host fills when the call completes: a pinned StaticArray<f64>.
 *
 *   byte 0      8      16     24        32        40        48
 *        ┌──────┬──────┬──────┬─────────┬─────────┬─────────┐
 *        │ kind │ size │ mode │ mtimeMs │ atimeMs │ ctimeMs │   f64 each
 *        └──────┴──────┴──────┴─────────┴─────────┴─────────┘
 *
 * (host/node/io/files.ts `writeStat` is the other side.)
 */
const STAT_FIELDS = 6;

function statOf(path: string | null, handle: i32): Stat | null {
  // the host writes the record into this pinned array when the call completes
  let out = new StaticArray<f64>(STAT_FIELDS);
  let call = new HostCall("stat", out);
  hostStatStart(call.token, changetype<usize>(path), handle, changetype<usize>(out));
  if (finish(call) < 0) return null;
  let st = new Stat();
  st.kind = <FileKind>(<i32>out[0]);
  st.size = out[1];
  st.mode = <i32>out[2];
  st.mtimeMs = out[3];
  st.atimeMs = out[4];
  st.ctimeMs = out[5];
  return st;
}

/** The metadata of the file at `path` (following symbolic links), or null (see `lastErrno`). */
export function stat(path: string): Stat | null {
  return statOf(path, -1);
}

/** The metadata of open file `handle`, or null (EBADF for a handle that is no file). */
export function fstat(handle: i32): Stat | null {
  return statOf(null, handle);
}

/** Bytes in a wasm32 memory at most (65536 pages of 64 KiB). */
const MEMORY_LIMIT: u64 = 1 << 32;

/**
 * The whole file at `path`, or null (see `lastErrno`): EFBIG beyond MAX_IO_SIZE, ENOMEM if
 * the module's memory cannot grow by that much.
 */
export function readFile(path: string): Uint8Array | null {
  let fd = open(path, "r");
  if (fd < 0) return null;
  let result = readAll(fd, path);
  // closing a handle that is open does not fail, so the read's error stays the last one
  close(fd);
  return result;
}

function readAll(fd: i32, path: string): Uint8Array | null {
  let st = fstat(fd);
  if (st === null) return null;
  if (st.isDirectory) {
    fail(Errno.EISDIR, "EISDIR: illegal operation on a directory, read '" + path + "'");
    return null;
  }
  let size = st.size;
  if (size > <f64>MAX_IO_SIZE) {
    fail(Errno.EFBIG, path + " has " + size.toString() + " bytes, more than one read may return (MAX_IO_SIZE = " + MAX_IO_SIZE.toString() + ")");
    return null;
  }
  if (!memoryCanGive(<i32>size)) {
    fail(Errno.ENOMEM, path + " has " + size.toString() + " bytes, more than the module's memory can still grow");
    return null;
  }
  if (size > 0) {
    // the size is known: read exactly that much (as Node's readFile does)
    let buf = new Uint8Array(<i32>size);
    let got = 0;
    while (got < buf.length) {
      let n = readAt(fd, buf, <f64>got, got);
      if (n < 0) return null;
      if (n == 0) return buf.slice(0, got); // shrank meanwhile
      got += n;
    }
    return buf;
  }
  // a size of 0 may be a file that is generated on reading (/proc): read to the end
  let buf = new Uint8Array(65536);
  let got = 0;
  while (true) {
    if (got == buf.length) {
      if (buf.length >= MAX_IO_SIZE) {
        fail(Errno.EFBIG, path + " has more than " + MAX_IO_SIZE.toString() + " bytes (MAX_IO_SIZE)");
        return null;
      }
      let bigger = new Uint8Array(min(buf.length * 2, MAX_IO_SIZE));
      bigger.set(buf);
      buf = bigger;
    }
    let n = read(fd, buf, got);
    if (n < 0) return null;
    if (n == 0) break;
    got += n;
  }
  return buf.slice(0, got);
}

/** True if an allocation of `bytes` fits below the memory's limit. */
function memoryCanGive(bytes: i32): bool {
  return (<u64>memory.size() << 16) + <u64>bytes + 65536 <= MEMORY_LIMIT;
}

/**
 * Writes `data` to the file at `path`, creating it or replacing its contents; returns the
 * bytes written or a negative Errno.
 */
export function writeFile(path: string, data: Uint8Array): i32 {
  let fd = open(path, "w");
  if (fd < 0) return fd;
  let n = write(fd, data);
  close(fd);
  return n;
}

/** The whole file at `path` as UTF-8 text, or null (see `readFile`). */
export function readTextFile(path: string): string | null {
  let data = readFile(path);
  if (data === null) return null;
  return String.UTF8.decodeUnsafe(data.dataStart, data.length);
}

/** Writes `text` as UTF-8 to the file at `path` (see `writeFile`). */
export function writeTextFile(path: string, text: string): i32 {
  return writeFile(path, Uint8Array.wrap(String.UTF8.encode(text)));
}
