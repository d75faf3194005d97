// A WASI GC regression (tests/wasigc.test.ts): a program whose own top-level code allocates
// (`keep`) and that imports nothing. Built for WASI before the fix, the core's top-level
// objects were allocated before the collector's lists existed, and the collections below
// aborted in itcms `unlink` (`assert(prev)`). Prints "done".
class A1 { x: i32 = 0; s: string = "a"; }
class A2 { y: A1 | null = null; }
let keep = new A2();
export function main(): void {
  __collect();
  let f = __new(68, idof<ArrayBuffer>());
  __collect(); __collect();
  console.log("done");
}
