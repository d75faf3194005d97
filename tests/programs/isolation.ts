// One fiber fails (by the kind the host names: failKind) among 100 others that all complete.
import { Fiber, spawnWith, yieldNow } from "weft";

const KIND: i32 = failKind();
let completed = 0;
let total: i64 = 0;

class Box {
  constructor(public value: i32) {}
}

function worker(id: i32): void {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    sum += id * i;
    yieldNow();
  }
  total += sum;
  completed++;
}

function failing(id: i32): void {
  yieldNow();
  if (KIND == 0) {
    assert(id < 0, "id must be negative");
  } else if (KIND == 1) {
    unreachable();
  } else if (KIND == 2) {
    // an out-of-bounds load: far past the end of linear memory
    total += <i64>load<i32>(<usize>0xFFFF_FFF0);
  } else if (KIND == 3) {
    const list = new Array<Box>(3);
    total += list[1].value; // null element: runtime error
  } else {
    const items: i32[] = [1, 2, 3];
    total += items[id]; // index out of range
  }
  console.log("unreachable: failing fiber went on");
}

export function main(): void {
  const fibers = new Array<Fiber>();
  for (let i = 0; i < 101; i++) {
    if (i == 50) fibers.push(spawnWith(failing, 50, "failing"));
    else fibers.push(spawnWith(worker, i, "worker"));
  }
  let failures = 0;
  for (let i = 0; i < fibers.length; i++) {
    if (fibers[i].join() !== null) failures++;
  }
  console.log("completed " + completed.toString() + ", failed " + failures.toString() + ", total " + total.toString());
}

/**
 * How the failing fiber fails, 0 to 4: one program for every kind, so that the tests
 * build it once. The JavaScript host says it through the `isolation.kind` import
 * (RuntimeOptions.imports); a WASI command, which gets no imports but WASI's, through its
 * first argument.
 */
function failKind(): i32 {
  // @ts-ignore: ASC_WASI is defined by the WASI build
  if (isDefined(ASC_WASI)) {
    const given = process.argv.slice(1);
    return given.length > 0 ? I32.parseInt(given[0]) : 0;
  }
  return hostKind();
}

// @ts-ignore: decorator
@external("isolation", "kind")
declare function hostKind(): i32;
