// GC torture: 10,000 fibers hold chains of managed objects (strings, arrays, class
// instances) across many yields while churn fibers allocate enough garbage to drive many
// incremental GC cycles and call __collect(). Every holder verifies its whole chain after
// every resume.
import { Fiber, spawnWith, yieldNow } from "weft";

const HOLDERS: i32 = isDefined(GC_HOLDERS) ? GC_HOLDERS : 10_000;
const ROUNDS: i32 = isDefined(GC_ROUNDS) ? GC_ROUNDS : 20;
const CHURNERS = 10;
const CHAIN = 5;

class Link {
  constructor(
    public value: i32,
    public label: string,
    public values: Array<i32>,
    public next: Link | null,
  ) {}
}

let verified = 0;
let errors = 0;

function labelOf(seed: i32, i: i32): string {
  return "f" + seed.toString() + "-" + i.toString();
}

function expect(ok: bool, seed: i32, what: string): void {
  if (!ok) {
    if (errors < 10) console.log("holder " + seed.toString() + ": bad " + what);
    errors++;
  }
}

function holder(seed: i32): void {
  let head: Link | null = null;
  for (let i = 0; i < CHAIN; i++) {
    const values = new Array<i32>();
    for (let j = 0; j < 4; j++) values.push(seed * 31 + i * 7 + j);
    head = new Link(seed + i, labelOf(seed, i), values, head);
  }
  const name = "holder-" + seed.toString();
  const floats = new StaticArray<f64>(3);
  for (let k = 0; k < 3; k++) floats[k] = <f64>seed + <f64>k * 0.5;

  for (let round = 0; round < ROUNDS; round++) {
    yieldNow();
    // verify everything this fiber holds
    let link = head;
    let i = CHAIN - 1;
    while (link !== null) {
      expect(link.value == seed + i, seed, "value");
      expect(link.label == labelOf(seed, i), seed, "label");
      expect(link.values.length == 4, seed, "array length");
      for (let j = 0; j < 4; j++) expect(link.values[j] == seed * 31 + i * 7 + j, seed, "array item");
      link = link.next;
      i--;
    }
    expect(i == -1, seed, "chain length");
    expect(name == "holder-" + seed.toString(), seed, "name");
    for (let k = 0; k < 3; k++) expect(floats[k] == <f64>seed + <f64>k * 0.5, seed, "float");
    verified++;
    // replace some objects: the old ones become garbage while this fiber is suspended
    head!.label = labelOf(seed, CHAIN - 1);
    head!.next!.values = head!.next!.values.slice(0);
  }
}

function churn(id: i32): void {
  for (let round = 0; round < ROUNDS * 4; round++) {
    // about 1 MiB of garbage per round
    for (let k = 0; k < 16; k++) {
      const buffer = new ArrayBuffer(65536);
      store<u8>(changetype<usize>(buffer), <u8>k);
    }
    for (let k = 0; k < 50; k++) {
      const junk = new Array<string>();
      junk.push("junk " + k.toString());
    }
    // a full collection now and then; incremental steps run in between, on allocation
    if (round % 40 == 39 && id % 3 == 0) __collect();
    yieldNow();
  }
}

export function main(): void {
  const fibers = new Array<Fiber>();
  for (let i = 0; i < HOLDERS; i++) {
    fibers.push(spawnWith(holder, i * 3 + 1, "holder"));
    if (i % 1000 == 999) fibers.push(spawnWith(churn, i / 1000, "churn"));
  }
  for (let i = 0; i < fibers.length; i++) fibers[i].join();
  console.log("verified " + verified.toString());
  console.log("errors " + errors.toString());
}
