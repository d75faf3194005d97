// Closed-channel semantics and the non-blocking operations.
import { Channel, outcome, Outcome, spawnWith, yieldNow } from "weft";

function name(o: Outcome): string {
  switch (o) {
    case Outcome.Ok: return "ok";
    case Outcome.Closed: return "closed";
    case Outcome.WouldBlock: return "would block";
  }
  return "other";
}

function waiter(ch: Channel<string | null>): void {
  const v = ch.recv();
  console.log("waiter got " + (v === null ? "null" : v!) + " (" + name(outcome()) + ")");
}

export function main(): void {
  const ch = new Channel<string | null>(2);
  console.log("len " + ch.len.toString() + " cap " + ch.cap.toString());
  console.log("trySend a: " + name(ch.trySend("a")));
  console.log("trySend b: " + name(ch.trySend("b")));
  console.log("trySend c: " + name(ch.trySend("c")) + ", len " + ch.len.toString());
  ch.close();
  let v = ch.recv();
  console.log("recv " + v! + " (" + name(outcome()) + ")");
  v = ch.tryRecv();
  console.log("tryRecv " + v! + " (" + name(outcome()) + ")");
  v = ch.recv();
  console.log("recv " + (v === null ? "null" : v!) + " (" + name(outcome()) + ")");

  const empty = new Channel<i32>();
  const n = empty.tryRecv();
  console.log("tryRecv on empty: " + n.toString() + " (" + name(outcome()) + ")");

  const un = new Channel<string | null>();
  const w = spawnWith(waiter, un, "waiter");
  yieldNow();
  un.close();
  w.join();
}
