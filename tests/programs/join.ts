// join() on fibers in every state, join order, and joining oneself.
import { Fiber, FiberState, spawn, spawnWith, yieldNow, currentFiber } from "weft";

function stateText(f: Fiber): string {
  const s = f.state;
  if (s == FiberState.Ready) return "ready";
  if (s == FiberState.Running) return "running";
  if (s == FiberState.Blocked) return "blocked";
  if (s == FiberState.Done) return "done";
  return "failed";
}

function quick(): void {
  console.log("quick runs");
}

function slow(): void {
  for (let i = 0; i < 3; i++) {
    console.log("slow step " + i.toString());
    yieldNow();
  }
}

function crash(): void {
  console.log("crash about to abort");
  throw new Error("boom");
}

let target: Fiber | null = null;

function joiner(n: i32): void {
  console.log("joiner " + n.toString() + " waits");
  const failure = target!.join();
  console.log("joiner " + n.toString() + " woke, failure=" + (failure === null ? "none" : failure.reason));
}

function selfJoin(): void {
  console.log("self-join attempt");
  currentFiber().join();
  console.log("unreachable after self-join");
}

export function main(): void {
  // ready: spawned, never ran
  const q = spawn(quick, "quick");
  console.log("quick is " + stateText(q));
  const r1 = q.join();
  console.log("joined quick: " + (r1 === null ? "ok" : "failed") + ", now " + stateText(q));

  // done: join again returns at once
  const r2 = q.join();
  console.log("joined quick again: " + (r2 === null ? "ok" : "failed"));

  // started and suspended mid-way
  const s = spawn(slow, "slow");
  yieldNow();
  console.log("slow is " + stateText(s));
  s.join();
  console.log("joined slow: " + stateText(s));

  // failed
  const c = spawn(crash, "crash");
  const r3 = c.join();
  console.log("joined crash: " + stateText(c) + ", message=" + r3!.reason + ", line>0=" + (r3!.line > 0 ? "yes" : "no"));
  console.log("failure text: " + r3!.toString().split(" at ")[0]);
  // the message alone says who failed, what and where
  console.log("message alone: " + (r3!.message == r3!.toString() ? "same as toString" : "differs") + ", " + r3!.message.split(" at join.ts:")[0]);

  // join order: three joiners of one fiber wake in the order they joined
  target = spawn(slow, "target");
  const j1 = spawnWith(joiner, 1);
  const j2 = spawnWith(joiner, 2);
  const j3 = spawnWith(joiner, 3);
  yieldNow();
  console.log("target is " + stateText(target!) + ", joiners are " + stateText(j1) + "/" + stateText(j2) + "/" + stateText(j3));
  j1.join();
  j2.join();
  j3.join();

  // joining oneself fails that fiber with a clear message
  const sj = spawn(selfJoin, "selfish");
  const r4 = sj.join();
  console.log("self-join: " + stateText(sj) + ": " + r4!.reason);
  console.log("main done");
}
