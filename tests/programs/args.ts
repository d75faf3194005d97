// spawnWith carries arguments of every wasm type; a managed argument stays alive for the GC.
import { spawnWith, yieldNow } from "weft";

class Payload {
  constructor(public label: string, public items: Array<i32>) {}
}

function onI32(v: i32): void { console.log("i32 " + v.toString()); }
function onU8(v: u8): void { console.log("u8 " + v.toString()); }
function onBool(v: bool): void { console.log("bool " + (v ? "true" : "false")); }
function onI64(v: i64): void { console.log("i64 " + v.toString()); }
function onF32(v: f32): void { console.log("f32 " + v.toString()); }
function onF64(v: f64): void { console.log("f64 " + v.toString()); }
function onString(v: string): void { console.log("string " + v); }
function onPayload(p: Payload): void {
  // the payload must survive collections while this fiber waits
  for (let i = 0; i < 3; i++) {
    yieldNow();
    __collect();
  }
  let sum = 0;
  for (let i = 0; i < p.items.length; i++) sum += p.items[i];
  console.log("payload " + p.label + " " + sum.toString());
}

export function main(): void {
  spawnWith(onI32, -42);
  spawnWith(onU8, <u8>200);
  spawnWith(onBool, true);
  spawnWith(onI64, 9_007_199_254_740_993);
  spawnWith(onF32, <f32>1.5);
  spawnWith(onF64, 3.141592653589793);
  spawnWith(onString, "hello " + "fiber");
  const items = new Array<i32>();
  for (let i = 1; i <= 100; i++) items.push(i);
  const f = spawnWith(onPayload, new Payload("p" + (7).toString(), items));
  f.join();
}
