// rtrace.ts: allocation accounting for modules built with AssemblyScript's rtrace hooks
// (`build({ rtrace: true })`). Counts live blocks and bytes of the allocator, so tests can
// check that memory returns to its starting level. Standard web APIs only.

/** Live allocations of one instance, updated by the `rtrace` imports. */
export class Rtrace {
  /** Blocks currently allocated. */
  blocks = 0;
  /** Bytes of those blocks, headers included. */
  bytes = 0;
  /** Most bytes allocated at once. */
  peakBytes = 0;
  /** Completed full collections. */
  collections = 0;
  /** Incremental GC steps triggered by allocation (counted when built with ASC_PROFILE). */
  interrupts = 0;
  private memory: WebAssembly.Memory | null = null;

  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  /** Size of a block including its 4-byte header (TLSF's `mmInfo` holds the size). */
  private sizeOf(block: number): number {
    const info = new Uint32Array(this.memory!.buffer, block, 1)[0];
    return (info & ~3) + 4;
  }

  imports(): Record<string, (...args: number[]) => unknown> {
    return {
      oninit: () => {},
      onalloc: (block: number) => {
        this.blocks++;
        this.bytes += this.sizeOf(block);
        if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
      },
      onresize: (block: number, oldSize: number) => {
        this.bytes += this.sizeOf(block) - oldSize;
        if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
      },
      onmove: () => {},
      onfree: (block: number) => {
        this.blocks--;
        this.bytes -= this.sizeOf(block);
      },
      onvisit: () => true,
      oncollect: () => {
        this.collections++;
      },
      oninterrupt: () => {
        this.interrupts++;
      },
      onyield: () => {},
      // store/load checks the compiler adds in rtrace builds: pass the pointer through
      onstore: (ptr: number) => ptr,
      onload: (ptr: number) => ptr,
    };
  }
}
