// errno.ts: Node's error codes as weft/io's error values (assembly/io/errors.ts `Errno`
// holds the same table: negated Linux errno numbers, and weft's own beyond 1000).
// tests/io.test.ts checks that the two tables agree.

/** Error names and their numbers, as in assembly/io/errors.ts. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOTEMPTY: 39,
  ELOOP: 40,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EINPROGRESS: 115,
  ECANCELED: 125,
  ENOTFOUND: 1001,
  EUNKNOWN: 1002,
} as const;

export type ErrorName = keyof typeof ERRNO;

/** A failure as the program sees it: a name from the table and the host's message. */
export interface IoFailure {
  code: ErrorName;
  message: string;
}

/** Node's own codes for conditions that have a POSIX name. */
const NODE_CODES: Record<string, ErrorName> = {
  // writing to a stream that ended or was destroyed: the other side is gone
  ERR_STREAM_DESTROYED: "EPIPE",
  ERR_STREAM_WRITE_AFTER_END: "EPIPE",
  ERR_SOCKET_CLOSED: "EPIPE",
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION: "ECONNRESET",
  ERR_INVALID_ARG_VALUE: "EINVAL",
  ERR_INVALID_ARG_TYPE: "EINVAL",
  ERR_OUT_OF_RANGE: "EINVAL",
  ERR_SOCKET_BAD_PORT: "EINVAL",
  ERR_FS_FILE_TOO_LARGE: "EFBIG",
  EAI_AGAIN: "ENOTFOUND",
  EAI_NONAME: "ENOTFOUND",
  EAI_FAIL: "ENOTFOUND",
};

/** The failure a Node error stands for; unknown codes become EUNKNOWN, named in the message. */
export function failureOf(error: unknown): IoFailure {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (code in ERRNO) return { code: code as ErrorName, message };
  if (code in NODE_CODES) return { code: NODE_CODES[code], message };
  return { code: "EUNKNOWN", message: code ? `${code}: ${message}` : message };
}

/** The negative number the program receives for `failure`. */
export function errnoOf(failure: IoFailure): number {
  return -ERRNO[failure.code];
}
