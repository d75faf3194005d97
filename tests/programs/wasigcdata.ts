// The top-level objects of tests/programs/wasigctorture.ts, in a module of their own that
// imports nothing: objects of several layouts and sizes, allocated by top-level code before
// `main`. The torture program imports this module before it imports weft, so asc compiles
// the allocator first from this module's top-level code (the layout that broke WASI builds
// until the collector was set up before any top-level allocation, assembly/wasi/abort.ts).

/** A node with a string, a buffer of `size` bytes (a pattern) and a link. */
export class Node {
  constructor(
    public id: i32,
    public name: string,
    public bytes: ArrayBuffer,
    public next: Node | null,
  ) {}
}

/** Only value fields: a pointer-free object of its own layout. */
class Plain {
  a: i32 = 7;
  b: f64 = 2.5;
  c: u8 = 1;
}

export let errors = 0;
export let verified = 0;

export function check(ok: bool, what: string): void {
  if (!ok) {
    if (errors < 10) console.log("bad " + what);
    errors++;
  }
}

function pattern(id: i32, k: i32): u8 {
  return <u8>(id * 7 + k * 13);
}

export function makeNode(id: i32, size: i32, next: Node | null): Node {
  let bytes = new ArrayBuffer(size);
  for (let k = 0; k < size; k++) store<u8>(changetype<usize>(bytes) + k, pattern(id, k));
  return new Node(id, "node-" + id.toString(), bytes, next);
}

export function checkNode(node: Node, id: i32, size: i32): void {
  check(node.id == id, "id " + id.toString());
  check(node.name == "node-" + id.toString(), "name " + id.toString());
  check(node.bytes.byteLength == size, "size " + id.toString());
  // a sample of the bytes: every one for small buffers, every 97th for large ones
  let step = size > 4096 ? 97 : 1;
  for (let k = 0; k < size; k += step) {
    if (load<u8>(changetype<usize>(node.bytes) + k) != pattern(id, k)) {
      check(false, "byte " + k.toString() + " of " + id.toString());
      return;
    }
  }
}

// ─── top-level objects, allocated before `main` by the program's own code ──────────────

/** Object sizes across TLSF's small and large classes, the repro's 68 among them. */
export const SIZES: i32[] = [0, 1, 12, 20, 68, 100, 256, 1000, 4096, 20000, 70000];

let plain = new Plain();
let keepers = new Array<Node>();
for (let i = 0; i < SIZES.length; i++) keepers.push(makeNode(i, SIZES[i], i > 0 ? keepers[i - 1] : null));
let byName = new Map<string, Node>();
for (let i = 0; i < keepers.length; i++) byName.set(keepers[i].name, keepers[i]);
let words = "alpha beta gamma delta".split(" ");
let nested: Array<Array<string>> = [["x", "y"], [], ["z"]];
let maybe: Node | null = makeNode(100, 68, null);

export function checkTopLevel(): void {
  check(plain.a == 7 && plain.b == 2.5 && plain.c == 1, "plain");
  check(keepers.length == SIZES.length, "keepers");
  for (let i = 0; i < keepers.length; i++) {
    let node = keepers[i];
    checkNode(node, i, SIZES[i]);
    check(i == 0 ? node.next === null : node.next === keepers[i - 1], "link " + i.toString());
    check(byName.get("node-" + i.toString()) === node, "map " + i.toString());
  }
  check(words.join(",") == "alpha,beta,gamma,delta", "words");
  check(nested.length == 3 && nested[0].join("") == "xy" && nested[1].length == 0 && nested[2][0] == "z", "nested");
  checkNode(maybe!, 100, 68);
  verified++;
}
