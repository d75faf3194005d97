// Aborts that come while the runner cannot catch them (tests/wasigc.test.ts). The program
// breaks the collector on purpose: it clears the list link (`prev`) in the header of an
// object a global keeps, so the next collector step that marks it aborts in itcms `unlink`
// (`assert(prev)`). Built with the GC-stress constants (tests/helpers.ts GC_STRESS_USE)
// after a full collection, every allocation then takes a step.
//
//   WASIGC_ABORT=1: `main` aborts; failing the fiber allocates, and that aborts again:
//                   an abort while an abort is handled.
//   WASIGC_ABORT=2: `main` returns with a fiber left alive; the runner's report of it
//                   allocates outside any guarded call, and that aborts.
import { spawn, park } from "weft";

class Box {
  inner: Box | null = null;
}

let victim: Box | null = null;

/** Clears the `prev` word of `box`'s collector header (itcms.ts Object: 12 bytes before the data). */
function breakHeader(box: Box): void {
  store<usize>(changetype<usize>(box) - 12, 0);
}

export function main(): void {
  victim = new Box();
  if (WASIGC_ABORT == 2) spawn(() => park(), "left");
  __collect(); // the next allocation takes the first step of a new cycle
  breakHeader(victim!);
  if (WASIGC_ABORT == 1) abort("first failure");
}
