// Traced I/O (tests/trace.test.ts): main reads the file named by its first argument with
// weft/io; its waits on the host are named as I/O in the trace.
import { readTextFile, args } from "weft/io";

export function main(): void {
  const text = readTextFile(args()[0]);
  console.log(text !== null ? "read " + text.length.toString() : "no file");
}
