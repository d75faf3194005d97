// fs.ts: reading files in a WASI program. Errors are values, never traps.
//
//   import { File } from "weft/wasi";
//
//   const file = File.open("data/words.txt");
//   if (!file.ok) { console.error("words.txt: " + file.errorText); return; }
//   const buffer = new Uint8Array(65536);
//   for (let n = file.read(buffer); n > 0; n = file.read(buffer)) { ...; yieldNow(); }
//   file.close();
//
// The model. WASI gives a program only the directories its runtime preopened
// (`weft wasi --dir`, `wasmtime --dir`); a path is resolved against the preopened
// directory that contains it (the longest matching name; "." takes relative paths) and
// opened with `path_open` there. A path outside every preopened directory fails with
// ENOTCAPABLE, like any other error, as a value on the File.
//
// A read is one `fd_read` and does not park the fiber: regular files are always ready,
// and preview1 runtimes answer readiness polls for them at once, so there is nothing to
// wait for. The instance is busy for the length of the call, as in any WASI program; a
// fiber that reads a large file should yield between chunks (the `wc` demo does) so the
// others read too.
//
// Preopen table (built once, on the first open): fd, name, for fds 3, 4, ... until
// `fd_prestat_get` says EBADF.

import {
  path_open,
  fd_read,
  fd_close,
  fd_filestat_get,
  filestat,
  filetype,
  fd_prestat_get,
  fd_prestat_dir_name,
  errno,
  errnoToString,
  rights,
  lookupflags,
  prestat,
} from "bindings/wasi_snapshot_preview1";

// @ts-ignore: decorator
@lazy const SCRATCH: usize = memory.data(16, 8);
// @ts-ignore: decorator
@lazy const STAT: usize = memory.data(64, 8);

/** A preopened directory: its fd and the name the runtime gave it. */
class Preopen {
  constructor(public fd: u32, public name: string) {}
}

// @ts-ignore: decorator
@lazy let preopens: Preopen[] | null = null;

function preopenTable(): Preopen[] {
  let table = preopens;
  if (table !== null) return table;
  table = new Array<Preopen>();
  for (let fd: u32 = 3; ; fd++) {
    if (fd_prestat_get(fd, changetype<prestat>(SCRATCH)) != errno.SUCCESS) break;
    if (load<u8>(SCRATCH) != 0) continue; // not a directory
    let length = load<usize>(SCRATCH, 4);
    let buf = heap.alloc(length);
    if (fd_prestat_dir_name(fd, buf, length) == errno.SUCCESS) {
      // some runtimes count a trailing NUL
      let n = length;
      while (n > 0 && load<u8>(buf + n - 1) == 0) n--;
      table.push(new Preopen(fd, String.UTF8.decodeUnsafe(buf, n)));
    }
    heap.free(buf);
  }
  preopens = table;
  return table;
}

/** `a/./b//c/` → `a/b/c`, keeping a leading "/"; "." for nothing. */
function clean(path: string): string {
  let absolute = path.startsWith("/");
  let parts = path.split("/");
  let kept = new Array<string>();
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i];
    if (part.length == 0 || part == ".") continue;
    kept.push(part);
  }
  let joined = kept.join("/");
  if (absolute) return "/" + joined;
  return joined.length > 0 ? joined : ".";
}

/** The preopen that holds `path` and the path relative to it, or null. */
function resolve(path: string): Preopen | null {
  let target = clean(path);
  let best: Preopen | null = null;
  let bestLength = -1;
  let table = preopenTable();
  for (let i = 0; i < table.length; i++) {
    let dir = clean(table[i].name);
    let length = -1;
    if (dir == ".") {
      if (!target.startsWith("/")) length = 0;
    } else if (dir == "/") {
      if (target.startsWith("/")) length = 1;
    } else if (target == dir || target.startsWith(dir + "/")) {
      length = dir.length;
    }
    if (length > bestLength) {
      best = table[i];
      bestLength = length;
    }
  }
  if (best !== null) {
    let dir = clean(best.name);
    let rest = dir == "." ? target : target.substring(dir.length);
    while (rest.startsWith("/")) rest = rest.substring(1);
    relative = rest.length > 0 ? rest : ".";
  }
  return best;
}
// @ts-ignore: decorator
@lazy let relative: string = "";

/** The short name of a WASI error: `ENOENT`, `EACCES`, ... (`OK` for 0). */
export function errorName(code: u16): string {
  return code == 0 ? "OK" : "E" + errnoToString(code);
}

/** A sentence for a WASI error, as `strerror` gives it, for the common ones. */
export function errorText(code: u16): string {
  switch (code) {
    case errno.SUCCESS: return "Success";
    case errno.NOENT: return "No such file or directory";
    case errno.ACCES: return "Permission denied";
    case errno.ISDIR: return "Is a directory";
    case errno.NOTDIR: return "Not a directory";
    case errno.BADF: return "Bad file descriptor";
    case errno.INVAL: return "Invalid argument";
    case errno.IO: return "Input/output error";
    case errno.NAMETOOLONG: return "File name too long";
    case errno.LOOP: return "Too many levels of symbolic links";
    case errno.PERM: return "Operation not permitted";
    case errno.NOTCAPABLE: return "Not permitted by the program's WASI capabilities (outside every preopened directory?)";
  }
  return errorName(code);
}

/** A file opened for reading, or the error that kept it from opening (`ok`, `error`). */
export class File {
  private constructor(
    /** The WASI file descriptor, or -1. */
    public readonly fd: i32,
    /** The path it was opened with. */
    public readonly path: string,
    /** The last error of this file (0 while all went well): a WASI errno. */
    public error: u16,
  ) {}

  /** Opens `path` for reading; check `ok` (or `error`) before reading. */
  static open(path: string): File {
    let dir = resolve(path);
    if (dir === null) return new File(-1, path, errno.NOTCAPABLE);
    let bytes = String.UTF8.encode(relative);
    let code = path_open(
      dir.fd,
      lookupflags.SYMLINK_FOLLOW,
      changetype<usize>(bytes),
      <usize>bytes.byteLength,
      0,
      rights.FD_READ | rights.FD_SEEK | rights.FD_TELL | rights.FD_FILESTAT_GET,
      0,
      0,
      SCRATCH,
    );
    if (code != errno.SUCCESS) return new File(-1, path, code);
    let fd = load<u32>(SCRATCH);
    // a directory opens, but cannot be read as a file: say so now
    if (fd_filestat_get(fd, changetype<filestat>(STAT)) == errno.SUCCESS && load<u8>(STAT, 16) == filetype.DIRECTORY) {
      fd_close(fd);
      return new File(-1, path, errno.ISDIR);
    }
    return new File(<i32>fd, path, 0);
  }

  /** True if the file is open and no read failed. */
  get ok(): bool {
    return this.fd >= 0 && this.error == 0;
  }

  /** The last error's name (`ENOENT`, ...), or `OK`. */
  get errorName(): string {
    return errorName(this.error);
  }

  /** The last error as a sentence. */
  get errorText(): string {
    return errorText(this.error);
  }

  /**
   * Reads up to `buffer.length` bytes into `buffer`: returns how many (0 at the end of
   * the file), or -1 after an error (`error` says which).
   */
  read(buffer: Uint8Array): i32 {
    if (this.fd < 0) {
      if (this.error == 0) this.error = errno.BADF;
      return -1;
    }
    store<usize>(SCRATCH, buffer.dataStart, 0);
    store<usize>(SCRATCH, <usize>buffer.length, 4);
    let code = fd_read(<u32>this.fd, SCRATCH, 1, SCRATCH + 8);
    if (code != errno.SUCCESS) {
      this.error = code;
      return -1;
    }
    return <i32>load<usize>(SCRATCH, 8);
  }

  /** Closes the file; returns the WASI errno (0 if it closed). Closing twice is EBADF. */
  close(): u16 {
    if (this.fd < 0) return errno.BADF;
    let code = fd_close(<u32>this.fd);
    store<i32>(changetype<usize>(this), -1, offsetof<File>("fd"));
    return code;
  }
}
