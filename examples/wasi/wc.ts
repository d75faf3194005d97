// wc: counts the lines, words and bytes of each file in its own fiber, concurrently, and
// prints them in argument order as wc does, with a total for several files. A fiber reads
// 4 KiB at a time and yields between reads, so the files are read interleaved.
//
//   node bin/weft.js wasi --dir examples/wasi/data examples/.out/wasi/wc.wasm \
//     examples/wasi/data/lorem.txt examples/wasi/data/tale.txt examples/wasi/data/empty.txt
//
// A file that cannot be read is reported on stderr (`wc: x: No such file or directory`)
// and the exit status is 1, as wc's.
import { Fiber, spawnWith, yieldNow } from "weft";
import { File } from "weft/wasi";

class Count {
  lines: i64 = 0;
  words: i64 = 0;
  bytes: i64 = 0;
  error: string | null = null;
  constructor(public path: string) {}
}

function isSpace(c: u8): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d);
}

function count(c: Count): void {
  const file = File.open(c.path);
  if (!file.ok) {
    c.error = file.errorText;
    return;
  }
  const buffer = new Uint8Array(4096);
  let inWord = false;
  for (let n = file.read(buffer); n > 0; n = file.read(buffer)) {
    for (let i = 0; i < n; i++) {
      const b = unchecked(buffer[i]);
      if (b == 0x0a) c.lines++;
      if (isSpace(b)) inWord = false;
      else if (!inWord) {
        inWord = true;
        c.words++;
      }
    }
    c.bytes += n;
    yieldNow(); // let the other files' fibers read too
  }
  if (!file.ok) c.error = file.errorText;
  file.close();
}

function pad(n: i64, width: i32): string {
  let s = n.toString();
  while (s.length < width) s = " " + s;
  return s;
}

export function main(): void {
  const paths = process.argv.slice(1);
  if (paths.length == 0) {
    console.error("usage: wc FILE...");
    process.exit(2);
  }
  const counts = new Array<Count>();
  const fibers = new Array<Fiber>();
  for (let i = 0; i < paths.length; i++) {
    const c = new Count(paths[i]);
    counts.push(c);
    fibers.push(spawnWith(count, c, "wc " + paths[i]));
  }
  const total = new Count("total");
  for (let i = 0; i < fibers.length; i++) {
    fibers[i].join();
    const c = counts[i];
    if (c.error === null) {
      total.lines += c.lines;
      total.words += c.words;
      total.bytes += c.bytes;
    }
  }
  // as GNU wc: every column as wide as the largest number, the total's bytes
  const width = max(1, total.bytes.toString().length);
  let failed = false;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c.error !== null) {
      console.error("wc: " + c.path + ": " + c.error!);
      failed = true;
      continue;
    }
    console.log(pad(c.lines, width) + " " + pad(c.words, width) + " " + pad(c.bytes, width) + " " + c.path);
  }
  if (counts.length > 1) {
    console.log(pad(total.lines, width) + " " + pad(total.words, width) + " " + pad(total.bytes, width) + " total");
  }
  if (failed) process.exit(1);
}
