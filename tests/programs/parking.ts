// park() and ready(): a fiber parks until another wakes it; misuse of ready() is an error.
import { Fiber, spawn, spawnWith, yieldNow, park, ready, currentFiber } from "weft";

let sleeper: Fiber | null = null;

function sleep(): void {
  console.log("sleeper parks");
  park();
  console.log("sleeper woke");
}

function waker(): void {
  console.log("waker wakes the sleeper");
  ready(sleeper!);
}

function wakeRunning(): void {
  ready(currentFiber());
}

let joinTarget: Fiber | null = null;
function longJob(): void {
  for (let i = 0; i < 3; i++) yieldNow();
}
function joiner(): void {
  joinTarget!.join();
}
function wakeJoiner(j: Fiber): void {
  ready(j);
}

export function main(): void {
  sleeper = spawn(sleep, "sleeper");
  yieldNow();
  console.log("sleeper is blocked: " + (sleeper!.state == 2 ? "yes" : "no"));
  spawn(waker, "waker").join();
  sleeper!.join();

  const bad = spawn(wakeRunning, "selfwaker").join();
  console.log(bad!.reason);

  joinTarget = spawn(longJob, "long");
  const j = spawn(joiner, "joiner");
  yieldNow();
  const bad2 = spawnWith(wakeJoiner, j, "meddler").join();
  console.log(bad2!.reason);
  j.join();
  console.log("joiner done: " + (j.failure === null ? "ok" : "failed"));
}
