// Once: 10 concurrent callers, the function runs once and everyone proceeds after it.
import { Once, Outcome, spawnWith, yieldNow, Fiber } from "weft";

let once: Once = changetype<Once>(0); // made by setup()
let calls = 0;
let initialized = false;
let log = new Array<string>();

function init(): void {
  calls++;
  log.push("init start");
  // blocks meanwhile: every other caller arrives while it runs
  for (let k = 0; k < 5; k++) yieldNow();
  initialized = true;
  log.push("init end");
}

function caller(i: i32): void {
  log.push("caller " + i.toString() + " calls");
  const o = once.do(init);
  log.push("caller " + i.toString() + " proceeds: " + (o == Outcome.Ok ? "ok" : "??") + (initialized ? ", initialized" : ", NOT initialized"));
}

export function main(): void {
  setup();
  const fibers = new Array<Fiber>();
  for (let i = 0; i < 10; i++) fibers.push(spawnWith(caller, i, "c" + i.toString()));
  yieldNow();
  console.log("while init runs: done " + once.done.toString() + ", waiting " + once.waiting.toString());
  for (let i = 0; i < fibers.length; i++) fibers[i].join();
  for (let i = 0; i < log.length; i++) console.log(log[i]);
  // a later call returns at once, without running init again
  const o = once.do(init);
  console.log("late call: " + (o == Outcome.Ok ? "ok" : "??") + ", calls " + calls.toString() + ", done " + once.done.toString() + ", waiting " + once.waiting.toString());
}

/**
 * Makes the module-level objects, in the order of their declarations: in main, not at the
 * top level, so that tests/programs/sync2suite.ts can run this program beside others
 * without shifting their object ids (dumps and messages name objects by id).
 */
function setup(): void {
  once = new Once();
}
