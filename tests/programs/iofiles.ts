// 100 fibers write and read files at once: each its own file in chunks through one
// handle, then all of them one shared file at their own positions (writeAt/readAt).
// Every byte is checked here, and again by the test on disk.
import { spawnWith, WaitGroup, yieldNow } from "weft";
import { open, read, write, writeAt, readAt, close, readFile, stat, errorName, lastError, args } from "weft/io";

const FIBERS = 100;
/** Bytes of fiber i's own file (tests/io.test.ts computes the same). */
function sizeOf(i: i32): i32 {
  return 1000 + i * 137;
}
/** Byte k of fiber i's own file. */
function byteOf(i: i32, k: i32): u8 {
  return <u8>((i * 31 + k * 7 + (k >> 8)) & 0xff);
}
/** Each fiber's stretch of the shared file. */
const SLICE = 512;

let dir = "";
const wg = new WaitGroup();
let inFlight = 0;
let peakInFlight = 0;
let failures = 0;

function begin(): void {
  inFlight++;
  if (inFlight > peakInFlight) peakInFlight = inFlight;
}

function problem(i: i32, what: string, code: i32): void {
  failures++;
  console.log("fiber " + i.toString() + ": " + what + ": " + errorName(code) + " " + lastError());
}

function worker(i: i32): void {
  const path = dir + "/f" + i.toString() + ".bin";
  begin();
  const fd = open(path, "w");
  inFlight--;
  if (fd < 0) return problem(i, "open", fd);
  // write in chunks of varying size, yielding between them
  const size = sizeOf(i);
  const data = new Uint8Array(size);
  for (let k = 0; k < size; k++) data[k] = byteOf(i, k);
  let at = 0;
  let chunk = 100 + (i % 7) * 50;
  while (at < size) {
    const n = min(chunk, size - at);
    begin();
    const w = write(fd, data, at, n);
    inFlight--;
    if (w != n) return problem(i, "write", w);
    at += n;
    yieldNow();
  }
  close(fd);
  // read it back through a small buffer
  const rd = open(path, "r");
  if (rd < 0) return problem(i, "open for reading", rd);
  const buf = new Uint8Array(333);
  let got = 0;
  while (true) {
    const n = read(rd, buf);
    if (n < 0) return problem(i, "read", n);
    if (n == 0) break;
    for (let k = 0; k < n; k++) {
      if (buf[k] != byteOf(i, got + k)) {
        failures++;
        console.log("fiber " + i.toString() + ": byte " + (got + k).toString() + " differs");
        close(rd);
        return;
      }
    }
    got += n;
  }
  close(rd);
  if (got != size) return problem(i, "read " + got.toString() + " of " + size.toString() + " bytes", 0);
  const whole = readFile(path);
  if (whole === null || whole.length != size) return problem(i, "readFile", whole === null ? <i32>-1 : 0);
  const st = stat(path);
  if (st === null || st.size != <f64>size || !st.isFile) return problem(i, "stat", -1);
  // my stretch of the shared file
  const shared = open(dir + "/shared.bin", "r+");
  if (shared < 0) return problem(i, "open shared", shared);
  const mine = new Uint8Array(SLICE);
  for (let k = 0; k < SLICE; k++) mine[k] = <u8>(i ^ (k & 0xff));
  const w = writeAt(shared, mine, <f64>(i * SLICE));
  if (w != SLICE) return problem(i, "writeAt", w);
  yieldNow();
  const back = new Uint8Array(SLICE);
  const r = readAt(shared, back, <f64>(i * SLICE));
  if (r != SLICE) return problem(i, "readAt", r);
  for (let k = 0; k < SLICE; k++) {
    if (back[k] != mine[k]) return problem(i, "readAt byte " + k.toString(), 0);
  }
  close(shared);
}

function run(i: i32): void {
  worker(i);
  wg.done();
}

export function main(): void {
  dir = args()[0];
  // the shared file exists before the fibers start
  const created = open(dir + "/shared.bin", "w");
  if (created < 0) {
    console.log("cannot create the shared file: " + lastError());
    return;
  }
  close(created);
  wg.add(FIBERS);
  for (let i = 0; i < FIBERS; i++) spawnWith(run, i);
  wg.wait();
  let total = 0;
  for (let i = 0; i < FIBERS; i++) total += sizeOf(i);
  console.log("fibers " + FIBERS.toString() + ", failures " + failures.toString() + ", bytes " + total.toString());
  console.log("peak operations in flight " + peakInFlight.toString());
}
