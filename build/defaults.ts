// defaults.ts: the build's default sizes, in a module of their own so that the `weft`
// command can show them without loading the build pipeline (Binaryen takes most of a
// second to load, which `weft run` should not pay).

/** Bytes of the AssemblyScript shadow stack shared by all fibers (asc --stackSize). */
export const DEFAULT_STACK_SIZE = 65536;
/** Bytes of asyncify frames one suspend may save (the scratch area; assembly/layout.ts). */
export { DEFAULT_SCRATCH_SIZE } from "../assembly/layout.js";
