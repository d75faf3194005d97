// stdio.ts: the process's standard streams and arguments.
//
//   const lines = new LineReader(STDIN);          // bufio.ts
//   let line = lines.readLine();                  // parks this fiber only
//   writeString(STDOUT, "you said: " + line! + "\n");
//
// The standard streams are handles 0, 1 and 2 from the start, and the calls of stream.ts
// work on them: a read of STDIN parks only the calling fiber while the others run, and a
// write to STDOUT waits, as any write, while the stream is backed up (a slow pipe).
// `console.log` writes to the same stream, in order with writes to STDOUT.

import { hostArgs } from "./host";

/** Standard input. */
export const STDIN: i32 = 0;
/** Standard output. */
export const STDOUT: i32 = 1;
/** Standard error. */
export const STDERR: i32 = 2;

/** The program's arguments (`weft run app.wasm --port 8080` gives `["--port", "8080"]`). */
export function args(): string[] {
  // the host writes them as UTF-16, each followed by a NUL; asking with no room gives the size
  let units = hostArgs(0, 0);
  let result = new Array<string>();
  if (units <= 0) return result;
  let buf = new StaticArray<u16>(units);
  hostArgs(changetype<usize>(buf), units);
  let start = 0;
  for (let i = 0; i < units; i++) {
    if (buf[i] == 0) {
      result.push(String.UTF16.decodeUnsafe(changetype<usize>(buf) + (<usize>start << 1), <usize>(i - start) << 1));
      start = i + 1;
    }
  }
  return result;
}
