// files.ts: file handles on Node's asynchronous fs calls (libuv's thread pool), so a
// slow disk parks only the fiber that waits for it.
//
// Reads go into a Node buffer first and are copied into the program's memory when they
// complete: the thread pool must never write into wasm memory, which may be replaced
// (grown) meanwhile. A read whose fiber stopped waiting is completed without the copy.
// Writes copy the fiber's bytes at the call and loop over short writes. The descriptor is
// closed when the handle is closed and no call on it is still under way (the OS reuses
// descriptor numbers: closing under a running read could make it read another file).

import fs from "node:fs";
import { type IoHost, copyIn, copyOut } from "./host.js";
import { type IoFailure, failureOf } from "./errno.js";

/** Stat kinds (assembly/io/fs.ts FileKind). */
const FILE_KIND = { other: 0, file: 1, directory: 2, symlink: 3 } as const;

export class FileHandle {
  private busy = 0;
  private closed = false;

  constructor(
    private readonly host: IoHost,
    readonly fd: number,
  ) {}

  /** Reads up to `len` bytes at `position` (negative: the cursor) into memory at `ptr`. */
  read(token: number, ptr: number, len: number, position: number): void {
    if (len === 0) return this.host.settle(token, 0);
    const buffer = Buffer.allocUnsafe(len);
    let abandoned = false;
    this.host.onCancel(token, () => (abandoned = true));
    this.run((done) =>
      fs.read(this.fd, buffer, 0, len, position < 0 ? null : position, (error, n) => {
        done();
        if (error) return this.host.settle(token, failureOf(error));
        if (!abandoned) copyIn(this.host, ptr, buffer.subarray(0, n));
        this.host.settle(token, n);
      }),
    );
  }

  /** Writes the `len` bytes at `ptr` (copied now) at `position` (negative: the cursor). */
  write(token: number, ptr: number, len: number, position: number): void {
    const data = copyOut(this.host, ptr, len);
    this.host.onCancel(token, () => {}); // it goes on: the bytes were taken
    this.run((done) => {
      let written = 0;
      const next = (): void => {
        if (written === len) {
          done();
          return this.host.settle(token, len);
        }
        fs.write(this.fd, data, written, len - written, position < 0 ? null : position + written, (error, n) => {
          if (error) {
            done();
            return this.host.settle(token, failureOf(error));
          }
          written += n;
          next();
        });
      };
      next();
    });
  }

  /** Writes the metadata of this file into the program's stat record at `out`. */
  stat(token: number, out: number): void {
    this.run((done) =>
      fs.fstat(this.fd, (error, st) => {
        done();
        if (error) return this.host.settle(token, failureOf(error));
        writeStat(this.host, out, st);
        this.host.settle(token, 0);
      }),
    );
  }

  /** Closes the handle; the descriptor once no call on it runs. */
  close(): void {
    this.closed = true;
    if (this.busy === 0) fs.close(this.fd, () => {});
  }

  private run(start: (done: () => void) => void): void {
    this.busy++;
    start(() => {
      this.busy--;
      if (this.closed && this.busy === 0) fs.close(this.fd, () => {});
    });
  }
}

/** Opens `path`; completes `token` with a handle from `register`, or the failure. */
export function openFile(host: IoHost, token: number, path: string, flags: string, mode: number, register: (file: FileHandle) => number): void {
  let abandoned = false;
  host.onCancel(token, () => (abandoned = true));
  try {
    fs.open(path, flags, mode, (error, fd) => {
      if (error) return host.settle(token, failureOf(error));
      // nobody waits for it: close it rather than leak the descriptor
      if (abandoned) return fs.close(fd, () => host.settle(token, 0));
      host.settle(token, register(new FileHandle(host, fd)));
    });
  } catch (error) {
    // Node checks the flags and mode before it starts
    host.settle(token, failureOf(error));
  }
}

/** Writes the metadata of `path` into the stat record at `out`. */
export function statPath(host: IoHost, token: number, path: string, out: number): void {
  fs.stat(path, (error, st) => {
    if (error) return host.settle(token, failureOf(error));
    writeStat(host, out, st);
    host.settle(token, 0);
  });
}

/** The stat record (assembly/io/fs.ts): kind, size, mode, mtime, atime, ctime as f64. */
function writeStat(host: IoHost, out: number, st: fs.Stats): void {
  const kind = st.isFile() ? FILE_KIND.file : st.isDirectory() ? FILE_KIND.directory : st.isSymbolicLink() ? FILE_KIND.symlink : FILE_KIND.other;
  new Float64Array(host.memory(), out, 6).set([kind, st.size, st.mode, st.mtimeMs, st.atimeMs, st.ctimeMs]);
}

export type { IoFailure };
