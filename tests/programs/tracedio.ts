// Traced I/O (tests/trace.test.ts): fiber "reader" reads the file named by the first
// argument with weft/io; its waits on the host are named as I/O in the trace. With a
// second argument "self" the program traces itself around that (traceStart/traceStop).
import { spawnWith, traceStart, traceStop } from "weft";
import { readTextFile, args } from "weft/io";

function reader(path: string): void {
  const text = readTextFile(path);
  console.log(text !== null ? "read " + text.length.toString() : "no file");
}

export function main(): void {
  const a = args();
  const self = a.length > 1 && a[1] == "self";
  if (self) traceStart();
  spawnWith(reader, a[0], "reader").join();
  if (self) traceStop();
}
