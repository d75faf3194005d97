// weft/io: I/O for fibers. Every call that has to wait parks only the calling fiber.
//
//   import { open, read, write, close, listen, accept, STDIN, errorName } from "weft/io";
//
// Files, TCP, the standard streams and program arguments, over handles (small integers);
// failures are negative Errno values (errors.ts), never a failed fiber. The model, the
// error values, backpressure and buffer pinning: docs/IO.md. The host provides the
// `weft_io` imports: `weft run` (host/node/) does; a program that does not import weft/io
// needs none of them.

export { Errno, errorName, errnoOf, lastErrno, lastError } from "./errors";
export { MAX_IO_SIZE, CURSOR, read, readAt, write, writeAt, writeString, close } from "./stream";
export { open, stat, fstat, Stat, FileKind, readFile, writeFile, readTextFile, writeTextFile } from "./fs";
export { listen, accept, connect, localPort, shutdown } from "./net";
export { STDIN, STDOUT, STDERR, args } from "./stdio";
export { LineReader } from "./bufio";
