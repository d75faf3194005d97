// The classic leak: a fiber waits on a channel nobody will ever write to. main returns and
// the host reports the leaked fiber with its dump line.
//
//   weft build examples/leak.ts -o leak.wasm && weft run leak.wasm
//
// examples/leakfix.ts is the same program with the fix: the waiter lives in a scope that
// main cancels when it no longer needs the answer.
import { Channel, spawnWith, yieldNow } from "weft";

function lookup(results: Channel<string>): void {
  const answer = results.recv(); // nobody sends: blocked forever
  console.log("lookup got " + answer);
}

export function main(): void {
  const results = new Channel<string>();
  spawnWith(lookup, results, "lookup");
  yieldNow();
  console.log("main gives up waiting and returns");
}
