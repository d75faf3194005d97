// The leak of examples/leak.ts, fixed: the waiter runs in a Scope; when main gives up, it
// cancels the scope, the blocked receive returns with Outcome.Cancelled, and the fiber ends.
//
//   weft build examples/leakfix.ts -o leakfix.wasm && weft run leakfix.wasm
import { Channel, Scope, spawnWith, yieldNow, outcome, Outcome } from "weft";

function lookup(results: Channel<string | null>): void {
  const answer = results.recv();
  if (outcome() == Outcome.Cancelled) {
    console.log("lookup cancelled: nobody needs the answer any more");
    return;
  }
  console.log("lookup got " + answer!);
}

export function main(): void {
  const results = new Channel<string | null>();
  const scope = new Scope();
  scope.spawnWith(lookup, results, "lookup");
  yieldNow();
  console.log("main gives up waiting");
  scope.cancel();
  scope.wait();
  console.log("no fiber left behind");
}
