// errors.ts: I/O failures as values. Every I/O call returns a number: a result (bytes, a
// handle, 0) when it worked, or a negative `Errno` when it did not; calls that return an
// object return null on failure. A failure never fails the fiber, let alone the runtime.
//
//   const fd = open("config.json");
//   if (fd < 0) {
//     if (fd == Errno.ENOENT) useDefaults();
//     else console.log("open: " + errorName(fd) + ": " + lastError());   // "EACCES: ..."
//   }
//
// The model. The numbers are Linux's errno values, negated, so they read as POSIX does
// (`-2` is ENOENT); the host (host/node/io/errno.ts keeps the same table) maps its errors
// onto them, and every code it has no number for becomes EUNKNOWN with the host's own code
// in the message. Two values are weft's own, from how a fiber waits: ETIMEDOUT when the
// fiber's deadline passed (time.ts `setDeadline`, or a `...Timeout` call) and ECANCELED
// when its scope was cancelled; the operation may still complete in the host, and its
// result is then dropped (hostcall.ts).
//
// The message: `lastError()` is the host's text for the most recent failed call of the
// program, like C's `errno` per thread. Fibers switch only where they block, so it is the
// calling fiber's own until that fiber's next blocking call: read it straight after the
// failure. The code itself is the value the call returned, which nothing overwrites.
//
// Rejected: an error object per call (Go's `(n, err)`) costs an allocation on the hot path
// of every read and write, and AssemblyScript has no tuples to return it beside a count; a
// per-fiber error slot would need a field in every fiber record for the few that do I/O.

/** Why an I/O call failed: negated Linux errno values (and weft's own beyond 1000). */
export enum Errno {
  /** Operation not permitted. */
  EPERM = -1,
  /** No such file or directory. */
  ENOENT = -2,
  /** Input/output error. */
  EIO = -5,
  /** Bad handle: never opened, already closed, or the wrong kind for the call. */
  EBADF = -9,
  /** Would block (internal: the call continues in the host). */
  EAGAIN = -11,
  /** Not enough memory for the request. */
  ENOMEM = -12,
  /** Permission denied. */
  EACCES = -13,
  /** Resource busy. */
  EBUSY = -16,
  /** File exists. */
  EEXIST = -17,
  /** Not a directory. */
  ENOTDIR = -20,
  /** Is a directory. */
  EISDIR = -21,
  /** Invalid argument (an offset or length outside the buffer, a bad port, ...). */
  EINVAL = -22,
  /** Too many open files in the system. */
  ENFILE = -23,
  /** Too many open files in the process. */
  EMFILE = -24,
  /** Too large: beyond the per-call maximum (`MAX_IO_SIZE`) or the largest buffer. */
  EFBIG = -27,
  /** No space left on device. */
  ENOSPC = -28,
  /** Illegal seek: a position given for a stream. */
  ESPIPE = -29,
  /** Read-only file system. */
  EROFS = -30,
  /** Broken pipe: writing to a connection or pipe the other side has closed. */
  EPIPE = -32,
  /** File name too long. */
  ENAMETOOLONG = -36,
  /** Directory not empty. */
  ENOTEMPTY = -39,
  /** Too many levels of symbolic links. */
  ELOOP = -40,
  /** Address already in use. */
  EADDRINUSE = -98,
  /** Address not available. */
  EADDRNOTAVAIL = -99,
  /** Network is down. */
  ENETDOWN = -100,
  /** Network is unreachable. */
  ENETUNREACH = -101,
  /** Connection aborted. */
  ECONNABORTED = -103,
  /** Connection reset by peer. */
  ECONNRESET = -104,
  /** Not connected (or no longer writable: after `shutdown`). */
  ENOTCONN = -107,
  /** The fiber's deadline passed before the call completed. */
  ETIMEDOUT = -110,
  /** Connection refused. */
  ECONNREFUSED = -111,
  /** No route to host. */
  EHOSTUNREACH = -113,
  /** (internal) The call was accepted and continues in the host. */
  EINPROGRESS = -115,
  /** The fiber's scope was cancelled before the call completed. */
  ECANCELED = -125,
  /** Host name not found (DNS). */
  ENOTFOUND = -1001,
  /** Any other failure; `lastError()` names the host's code. */
  EUNKNOWN = -1002,
}

/** The name of an error value (`"ENOENT"`), `"OK"` for a result that is not an error. */
export function errorName(code: i32): string {
  if (code >= 0) return "OK";
  switch (code) {
    case Errno.EPERM: return "EPERM";
    case Errno.ENOENT: return "ENOENT";
    case Errno.EIO: return "EIO";
    case Errno.EBADF: return "EBADF";
    case Errno.EAGAIN: return "EAGAIN";
    case Errno.ENOMEM: return "ENOMEM";
    case Errno.EACCES: return "EACCES";
    case Errno.EBUSY: return "EBUSY";
    case Errno.EEXIST: return "EEXIST";
    case Errno.ENOTDIR: return "ENOTDIR";
    case Errno.EISDIR: return "EISDIR";
    case Errno.EINVAL: return "EINVAL";
    case Errno.ENFILE: return "ENFILE";
    case Errno.EMFILE: return "EMFILE";
    case Errno.EFBIG: return "EFBIG";
    case Errno.ENOSPC: return "ENOSPC";
    case Errno.ESPIPE: return "ESPIPE";
    case Errno.EROFS: return "EROFS";
    case Errno.EPIPE: return "EPIPE";
    case Errno.ENAMETOOLONG: return "ENAMETOOLONG";
    case Errno.ENOTEMPTY: return "ENOTEMPTY";
    case Errno.ELOOP: return "ELOOP";
    case Errno.EADDRINUSE: return "EADDRINUSE";
    case Errno.EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case Errno.ENETDOWN: return "ENETDOWN";
    case Errno.ENETUNREACH: return "ENETUNREACH";
    case Errno.ECONNABORTED: return "ECONNABORTED";
    case Errno.ECONNRESET: return "ECONNRESET";
    case Errno.ENOTCONN: return "ENOTCONN";
    case Errno.ETIMEDOUT: return "ETIMEDOUT";
    case Errno.ECONNREFUSED: return "ECONNREFUSED";
    case Errno.EHOSTUNREACH: return "EHOSTUNREACH";
    case Errno.EINPROGRESS: return "EINPROGRESS";
    case Errno.ECANCELED: return "ECANCELED";
    case Errno.ENOTFOUND: return "ENOTFOUND";
  }
  return "EUNKNOWN";
}

/** The error value named `name` (`"ECONNRESET"`), or EUNKNOWN. */
export function errnoOf(name: string | null): Errno {
  if (name === null || name == "EUNKNOWN") return Errno.EUNKNOWN;
  // the table is errorName's: the names are few and failures are not a hot path
  for (let code = -1; code >= -125; code--) {
    if (errorName(code) == name) return <Errno>code;
  }
  if (name == "ENOTFOUND") return Errno.ENOTFOUND;
  return Errno.EUNKNOWN;
}

let lastCode: Errno = 0;
let lastMessage: string = "";

/** The error value of the program's most recent failed I/O call (0 before any). */
export function lastErrno(): Errno {
  return lastCode;
}

/**
 * The host's message for the most recent failed I/O call, e.g.
 * `ENOENT: no such file or directory, open 'missing.txt'`. The calling fiber's own until
 * it next blocks.
 */
export function lastError(): string {
  return lastMessage;
}

/** @internal records a failure; returns `code` for the caller to return. */
export function fail(code: Errno, message: string): i32 {
  lastCode = code;
  lastMessage = message;
  return code;
}
