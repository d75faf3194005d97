// Two-phase suspension, observed: every suspension below is published by the trampoline
// after its frames are saved (assembly/sched/suspend.ts), which a debug build counts
// (`__weft_debug_published`) and checks (sched/check.ts `checkPublish`).
import { spawn, yieldNow, Channel, sleep } from "weft";

const ch = new Channel<i32>();

function a(): void {
  yieldNow(); // published on the run queue
  yieldNow();
}

function b(): void {
  const v = ch.recv(); // published on the channel's receivers
  console.log("b got " + v.toString());
}

export function main(): void {
  const fa = spawn(a, "a");
  const fb = spawn(b, "b");
  fa.join(); // published on a's joiners
  ch.send(7); // b waits: a hand-over, no suspension
  fb.join(); // published on b's joiners
  sleep(1); // a pending sleep: armed by the trampoline when the slice ends, not published
  console.log("done");
}
