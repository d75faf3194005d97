// Bad input to weft/io gives error values; the program goes on.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, truncateSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import { Writable } from "node:stream";
import path from "node:path";
import { start } from "./iohelpers.js";
import { root } from "./helpers.js";
import { ERRNO } from "../host/node/io/errno.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "weft-bad-"));
  // sparse: 300 MiB on paper, nothing on disk
  writeFileSync(path.join(dir, "huge.bin"), "");
  truncateSync(path.join(dir, "huge.bin"), 300 * 1024 * 1024);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bad input", () => {
  it("missing files, bad handles, oversized reads, closed and reset sockets are error values", async () => {
    const run = await start("iobad", { args: [dir, path.join(dir, "huge.bin")] });
    // reset the connection the program reads from, after it has read the first bytes
    const [, port] = await run.line(/^reset server on (\d+)$/);
    const socket = net.connect(Number(port), "127.0.0.1");
    socket.on("error", () => {});
    socket.write("partial");
    await run.line(/^got partial$/);
    socket.resetAndDestroy();
    const result = await run.done;
    expect(run.stderr).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(run.stdout).toEqual([
      `open missing: ENOENT (ENOENT: no such file or directory, open '${dir}/missing.txt')`,
      "readFile missing: null ENOENT",
      "stat missing: null ENOENT",
      `open a directory for writing: EISDIR (EISDIR: illegal operation on a directory, open '${dir}')`,
      expect.stringMatching(/^open with bad flags: EINVAL \(.*nonsense.*\)$/),
      "read invalid handle: EBADF (read: bad handle 12345 (never opened, or closed))",
      "write invalid handle: EBADF (write: bad handle -1 (never opened, or closed))",
      "close invalid handle: EBADF (close: bad handle 777 (never opened, or closed))",
      "close: ok 0",
      "close again: EBADF (close: bad handle 3 (never opened, or closed))",
      "read closed handle: EBADF (read: bad handle 3 (never opened, or closed))",
      "accept on a file: EBADF (accept: handle 4 is a file, which cannot accept)",
      "read beyond the buffer: EINVAL (read of 1048576 bytes at offset 0 does not fit the buffer of 16 bytes)",
      "read at an offset outside the buffer: EINVAL (read: offset 17 is outside the buffer of 16 bytes)",
      "read over MAX_IO_SIZE: EFBIG (read of 268435457 bytes exceeds the per-call maximum of 268435456 bytes (MAX_IO_SIZE))",
      "readFile of a file over MAX_IO_SIZE: null EFBIG",
      "read still works: ok 10",
      expect.stringMatching(/^connect to a closed port: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/),
      "listen on a bad port: EINVAL (port 70000 is outside 0..65535)",
      expect.stringMatching(/^listen on a port in use: EADDRINUSE \(listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+\)$/),
      "read from a server handle: EBADF (read: handle 8 is a server, which cannot read)",
      // the server's fiber reports this before main takes its message
      "write after close: EBADF (write: bad handle 9 (never opened, or closed))",
      "write to a closed socket: read 0, then write failed: EPIPE",
      expect.stringMatching(/^reset server on \d+$/),
      "got partial",
      "read after the reset: ECONNRESET (read ECONNRESET)",
      "write after the reset: ECONNRESET (read ECONNRESET)",
      "shutdown: ok 0",
      "write after shutdown: ENOTCONN (write after shutdown: this side of the connection has ended)",
      "read after shutdown: answer after end",
      "still running: 42",
    ]);
  });
});

describe("deadlines and cancellation", () => {
  it("give ETIMEDOUT, ECANCELED and EBADF (handle closed meanwhile); a withdrawn read loses no byte", async () => {
    let out = "";
    let err = "";
    const run = await start("iotimeout", {
      stdout: new Writable({ write: (chunk, _, done) => ((out += chunk), done()) }),
      stderr: new Writable({ write: (chunk, _, done) => ((err += chunk), done()) }),
    });
    const result = await run.done;
    expect(run.stderr).toEqual([]);
    expect([out, err]).toEqual(["to stdout through handle 1\n", "to stderr through handle 2\n"]);
    expect(run.stdout).toEqual([
      "read with a deadline: ETIMEDOUT (i/o timeout: the fiber's deadline passed before read completed)",
      "next read: first",
      "cancelled read: ECANCELED (cancelled: the fiber's scope was cancelled before read completed)",
      "read after the cancelled one: second",
      "accept with a deadline: ETIMEDOUT",
      "open past the deadline: ETIMEDOUT",
      "end of stream: 0",
      "read of a handle closed meanwhile: EBADF (the handle was closed while a read waited)",
    ]);
    expect(result.exitCode).toBe(0);
  });
});

describe("error values", () => {
  it("the host's table and weft/io's Errno agree, and errorName knows every value", () => {
    const source = readFileSync(path.join(root, "assembly/io/errors.ts"), "utf8");
    const enumBody = /export enum Errno \{([\s\S]*?)\n\}/.exec(source)![1];
    const members = Object.fromEntries([...enumBody.matchAll(/^\s*(E[A-Z]+) = (-\d+),/gm)].map((m) => [m[1], -Number(m[2])]));
    expect(members).toEqual(ERRNO);
    const named = [...source.matchAll(/case Errno\.(E[A-Z]+): return "(E[A-Z]+)";/g)];
    for (const [, member, name] of named) expect(member).toBe(name);
    expect(new Set(named.map((m) => m[1]))).toEqual(new Set(Object.keys(ERRNO).filter((n) => n !== "EUNKNOWN")));
  });
});
