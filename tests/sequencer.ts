// sequencer.ts: the order in which vitest starts the test files. As vitest's own (files that
// failed last time first, then the longest, and on a fresh clone the largest), except that
// the files that mostly wait on child processes (npm installing the packed package, the
// CLI run as a user runs it) start first: on two cores the suite's time is its tail, and
// begun last they were it (the package test takes about 100 s on its own).
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Files started before all others, in this order (paths from the repository root). */
const FIRST = ["tests/package.test.ts", "tests/cli.test.ts"];

export default class FirstTheWaiters extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const at = FIRST.findIndex((path) => spec.moduleId.replaceAll("\\", "/").endsWith(`/${path}`));
      return at < 0 ? FIRST.length : at;
    };
    // Array#sort is stable: the others keep vitest's order
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
