// Closed-channel semantics and the non-blocking operations.
import { Channel, outcome, outcomeName, spawnWith, yieldNow } from "weft";

function waiter(ch: Channel<string | null>): void {
  const v = ch.recv();
  console.log("waiter got " + (v === null ? "null" : v!) + " (" + outcomeName(outcome()) + ")");
}

export function main(): void {
  const ch = new Channel<string | null>(2);
  console.log("len " + ch.len.toString() + " cap " + ch.cap.toString());
  console.log("trySend a: " + outcomeName(ch.trySend("a")));
  console.log("trySend b: " + outcomeName(ch.trySend("b")));
  console.log("trySend c: " + outcomeName(ch.trySend("c")) + ", len " + ch.len.toString());
  ch.close();
  let v = ch.recv();
  console.log("recv " + v! + " (" + outcomeName(outcome()) + ")");
  v = ch.tryRecv();
  console.log("tryRecv " + v! + " (" + outcomeName(outcome()) + ")");
  v = ch.recv();
  console.log("recv " + (v === null ? "null" : v!) + " (" + outcomeName(outcome()) + ")");

  const empty = new Channel<i32>();
  const n = empty.tryRecv();
  console.log("tryRecv on empty: " + n.toString() + " (" + outcomeName(outcome()) + ")");

  const un = new Channel<string | null>();
  const w = spawnWith(waiter, un, "waiter");
  yieldNow();
  un.close();
  w.join();
}
