// GC torture for WASI builds (tests/wasigc.test.ts): top-level objects of several layouts
// and sizes (wasigcdata.ts, imported before weft), fibers that hold object graphs across
// yields and full collections, churners that allocate garbage of every size class. Every
// object is verified after every resume; the output is counts only, the same on every
// target and in every build mode.
//
// `--use WASIGC_FIBERS=0` runs the same checks without spawning (main alone).
import { Node, SIZES, errors, verified, check, makeNode, checkNode, checkTopLevel } from "./wasigcdata";
import { Fiber, spawnWith, yieldNow } from "weft";

const FIBERS: i32 = isDefined(WASIGC_FIBERS) ? WASIGC_FIBERS : 60;
const ROUNDS: i32 = 12;
const CHAIN = 4;

// ─── fibers ────────────────────────────────────────────────────────────────────────────

function holder(seed: i32): void {
  let head: Node | null = null;
  for (let i = 0; i < CHAIN; i++) head = makeNode(seed * 10 + i, SIZES[(seed + i) % SIZES.length], head);
  for (let round = 0; round < ROUNDS; round++) {
    yieldNow();
    if ((seed + round) % 5 == 0) __collect();
    let node = head;
    for (let i = CHAIN - 1; i >= 0; i--) {
      if (node === null) {
        check(false, "chain of " + seed.toString());
        break;
      }
      checkNode(node, seed * 10 + i, SIZES[(seed + i) % SIZES.length]);
      node = node.next;
    }
    checkTopLevel();
    // the first node is replaced: the old one is garbage while this fiber is suspended
    head = makeNode(seed * 10 + CHAIN - 1, SIZES[(seed + CHAIN - 1) % SIZES.length], head!.next);
  }
}

function churn(id: i32): void {
  for (let round = 0; round < ROUNDS * 2; round++) {
    for (let k = 0; k < SIZES.length; k++) {
      let junk = new ArrayBuffer(SIZES[k]);
      store<u8>(changetype<usize>(junk), <u8>k, 0);
    }
    let strings = new Array<string>();
    for (let k = 0; k < 20; k++) strings.push("junk " + k.toString());
    if (round % 3 == id % 3) __collect();
    yieldNow();
  }
}

export function main(): void {
  __collect();
  checkTopLevel();
  let fibers = new Array<Fiber>();
  for (let i = 0; i < FIBERS; i++) {
    fibers.push(spawnWith(holder, i, "holder"));
    if (i % 20 == 0) fibers.push(spawnWith(churn, i / 20, "churn"));
  }
  for (let i = 0; i < fibers.length; i++) fibers[i].join();
  for (let i = 0; i < 20; i++) {
    __collect();
    let garbage = new ArrayBuffer(SIZES[i % SIZES.length]);
    checkTopLevel();
  }
  console.log("verified " + verified.toString());
  console.log("errors " + errors.toString());
}
