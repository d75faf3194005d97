// Fetches every URL the host sends to port "urls", each in its own fiber, reading bodies
// in chunks of CHUNK bytes, and reports each to port "results" as one line:
//   <url> status=<n> bytes=<n> chunks=<n> fnv=<hash> [hex=<body as hex, if small>] [error=<code>: <message>]
// A "POST <url> <text>" line posts <text> and reports the answer's text instead of hex;
// "WAIT <ms> <url>" gives up on the head after <ms>.
// When the host closes "urls", main waits for the fetchers and closes "results".
import { fromHost, toHost, fetch, FetchOptions, WaitGroup, spawnWith, Channel } from "weft";

const CHUNK = 1000;
const HEX_LIMIT = 4096;

const results = new Channel<string | null>();
const group = new WaitGroup();

function hex(bytes: Uint8Array, n: i32): string {
  const digits = "0123456789abcdef";
  let out = new Array<string>();
  for (let i = 0; i < n; i++) {
    out.push(digits.charAt(bytes[i] >> 4));
    out.push(digits.charAt(bytes[i] & 15));
  }
  return out.join("");
}

function get(line: string): void {
  let post = line.startsWith("POST ");
  let wait = line.startsWith("WAIT ");
  let url = post ? line.substring(5, line.indexOf(" ", 5)) : wait ? line.substring(line.indexOf(" ", 5) + 1) : line;
  let options: FetchOptions | null = null;
  if (wait) {
    options = new FetchOptions();
    options.timeoutMs = parseFloat(line.substring(5, line.indexOf(" ", 5)));
  }
  if (post) {
    options = new FetchOptions();
    options.method = "POST";
    options.headers = "Content-Type: text/plain\nX-Weft: fiber";
    options.body = line.substring(line.indexOf(" ", 5) + 1);
  }
  const response = fetch(url, options);
  let report = url + " status=" + response.status.toString();
  if (response.status == 0) {
    results.send(report + " error=" + response.code! + ": " + response.error!);
    group.done();
    return;
  }
  if (post) {
    report += " type=" + (response.header("content-type") || "none") + " text=" + response.text();
    results.send(report);
    group.done();
    return;
  }
  let buffer = new Uint8Array(CHUNK);
  let all = new Uint8Array(HEX_LIMIT);
  let total = 0;
  let chunks = 0;
  let hash: u32 = 2166136261;
  while (true) {
    const n = response.read(buffer);
    if (n < 0) {
      report += " error=" + response.code! + ": " + response.error!;
      break;
    }
    if (n == 0) break;
    for (let i = 0; i < n; i++) {
      hash = (hash ^ buffer[i]) * 16777619;
      if (total + i < HEX_LIMIT) all[total + i] = buffer[i];
    }
    total += n;
    chunks++;
  }
  report += " bytes=" + total.toString() + " chunks=" + chunks.toString() + " fnv=" + hash.toString();
  if (total <= HEX_LIMIT) report += " hex=" + hex(all, total);
  results.send(report);
  group.done();
}

export function main(): void {
  const urls = fromHost("urls");
  const forwarder = toHost("results", results);
  let line = urls.recv();
  while (line !== null) {
    group.add(1);
    spawnWith(get, line!, "fetch");
    line = urls.recv();
  }
  group.wait();
  results.close();
  forwarder.join();
}
