// stackrefs.test.ts: the threads build's check that no local keeps a shadow-stack address
// across a suspend (build/stackrefs.ts), on small hand-made modules: each case is one
// function shape, with the one suspend primitive `prim`.
import { describe, it, expect } from "vitest";
import binaryen from "binaryen";
import { findStackRefs, describeStackRefs, STACK_POINTER } from "../build/stackrefs.js";
import { planInstrumentation } from "../build/instrument.js";

const i32 = binaryen.i32;

/** A module with the stack pointer, the primitive `prim`, and what `add` puts in it. */
function check(add: (m: binaryen.Module) => void): string[] {
  const m = new binaryen.Module();
  try {
    m.setMemory(1, 1);
    m.addGlobal(STACK_POINTER, i32, true, m.i32.const(1024));
    m.addFunction("prim", binaryen.none, binaryen.none, [], m.nop());
    add(m);
    expect(m.validate()).toBe(1);
    const plan = planInstrumentation(m, (name) => name === "prim", [], false);
    return findStackRefs(m, plan).map((f) => `${f.fn}: local ${f.local}`);
  } finally {
    m.dispose();
  }
}

const sp = (m: binaryen.Module) => m.global.get(STACK_POINTER, i32);
const suspend = (m: binaryen.Module) => m.call("prim", [], binaryen.none);
/** A store through local `i` (an access to the frame it points at). */
const useLocal = (m: binaryen.Module, i = 0) => m.i32.store(0, 4, m.local.get(i, i32), m.i32.const(7));

describe("the stack-address check", () => {
  it("finds a stack address kept in a local across a suspend and read after it", () => {
    const found = check((m) =>
      m.addFunction("f", binaryen.none, binaryen.none, [i32], m.block(null, [m.local.set(0, m.i32.sub(sp(m), m.i32.const(16))), suspend(m), useLocal(m)])),
    );
    expect(found).toEqual(["f: local 0"]);
  });

  it("accepts the address used before the suspend, or read again from the stack pointer after it", () => {
    const found = check((m) => {
      m.addFunction("before", binaryen.none, binaryen.none, [i32], m.block(null, [m.local.set(0, sp(m)), useLocal(m), suspend(m)]));
      m.addFunction("reread", binaryen.none, binaryen.none, [i32], m.block(null, [m.local.set(0, sp(m)), suspend(m), m.local.set(0, sp(m)), useLocal(m)]));
      // a comparison with the stack pointer is a flag, not an address
      m.addFunction(
        "flag",
        binaryen.none,
        binaryen.none,
        [i32],
        m.block(null, [m.local.set(0, m.i32.lt_u(sp(m), m.i32.const(64))), suspend(m), m.drop(m.local.get(0, i32))]),
      );
    });
    expect(found).toEqual([]);
  });

  it("follows a loop round: an address set before it and read at its top after a suspend in its body", () => {
    const found = check((m) =>
      m.addFunction(
        "loop",
        binaryen.none,
        binaryen.none,
        [i32, i32],
        m.block(null, [
          m.local.set(0, sp(m)),
          m.loop("top", m.block(null, [useLocal(m), suspend(m), m.local.set(1, m.i32.add(m.local.get(1, i32), m.i32.const(1))), m.br("top", m.i32.lt_u(m.local.get(1, i32), m.i32.const(3)))])),
        ]),
      ),
    );
    expect(found).toEqual(["loop: local 0"]);
  });

  it("joins the arms of an if and the branches out of a block", () => {
    const found = check((m) => {
      // the address is set on one arm only: after the join it may be one
      m.addFunction(
        "arms",
        i32,
        binaryen.none,
        [i32],
        m.block(null, [m.if(m.local.get(0, i32), m.local.set(1, sp(m)), m.local.set(1, m.i32.const(0))), suspend(m), useLocal(m, 1)]),
      );
      // the address leaves the block by a branch that skips the line that cleans it
      m.addFunction(
        "branch",
        i32,
        binaryen.none,
        [i32],
        m.block(null, [
          m.block("out", [m.local.set(1, sp(m)), m.br("out", m.local.get(0, i32)), m.local.set(1, m.i32.const(0))]),
          suspend(m),
          useLocal(m, 1),
        ]),
      );
    });
    expect(found).toEqual(["arms: local 1", "branch: local 1"]);
  });

  it("follows an address into a parameter of a function that suspends, and out of a helper's result", () => {
    const found = check((m) => {
      m.addFunction("callee", i32, binaryen.none, [], m.block(null, [suspend(m), useLocal(m)]));
      m.addFunction("caller", binaryen.none, binaryen.none, [], m.call("callee", [sp(m)], binaryen.none));
      m.addFunction("frame", binaryen.none, i32, [], m.i32.add(sp(m), m.i32.const(8)));
      m.addFunction("user", binaryen.none, binaryen.none, [i32], m.block(null, [m.local.set(0, m.call("frame", [], i32)), suspend(m), useLocal(m)]));
    });
    expect(found.sort()).toEqual(["callee: local 0", "user: local 0"]);
  });

  it("finds an address that waits on the value stack while a later operand suspends (AssemblyScript's store of a call's result)", () => {
    const found = check((m) => {
      m.addFunction("getter", binaryen.none, i32, [], m.block(null, [suspend(m), m.i32.const(5)], i32));
      // i32.store (global.get $__stack_pointer) (call $getter): the address is evaluated first
      m.addFunction("slot", binaryen.none, binaryen.none, [], m.i32.store(0, 4, sp(m), m.call("getter", [], i32)));
      // the value first, as the threads build rewrites it: nothing waits
      m.addFunction("hoisted", binaryen.none, binaryen.none, [i32], m.block(null, [m.local.set(0, m.call("getter", [], i32)), m.i32.store(0, 4, sp(m), m.local.get(0, i32))]));
    });
    expect(found).toEqual(["slot: local -1"]);
  });

  it("reports each function and local in the build error", () => {
    expect(describeStackRefs([{ fn: "app/worker", local: 3 }, { fn: "app/main", local: -1 }])).toBe(
      "a local keeps a shadow-stack address across a suspend (the fiber may resume on another thread, where that address is another thread's stack):\n" +
        "  app/worker: local 3\n  app/main: an operand evaluated before a call that suspends",
    );
  });
});
