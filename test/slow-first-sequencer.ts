import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Starts the longest files first, so that two workers end together instead of one running the ReDoS
// check alone at the end (README "Development"). On a fresh clone vitest has no timings and runs the
// largest files first; the ReDoS halves are small files with a minute of work each. The list alternates
// CPU-bound files (recheck) with ones that mostly wait on child processes, so the two running together
// share the cores. A file not listed keeps vitest's order (its cached timings, else size), after these.
export const SLOW_FIRST = [
  "test/unit/regex-linear-a.test.ts",
  "test/integration/deal-crash.test.ts",
  "test/unit/regex-linear-b.test.ts",
  "test/integration/token-rotation.test.ts",
  "test/integration/first-run.test.ts",
  "test/integration/weekly.test.ts",
  "test/integration/cli.test.ts",
  "test/unit/at-rest.test.ts",
];

/**
 * Files that time 100 KB inputs against a one-second budget of wall time, run last, when the other worker
 * has only small files left: at the start, beside the ReDoS check and the crash test (two cores at a load
 * average near 6), a delivery that takes 0.3 s alone took 1.8 s, and they failed in fresh-clone CI.
 */
export const LAST = ["test/integration/long-input.test.ts", "test/integration/cli-long-input.test.ts"];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const file = relative(this.ctx.config.root, spec.moduleId).replaceAll("\\", "/");
      const first = SLOW_FIRST.indexOf(file);
      if (first >= 0) return first;
      const last = LAST.indexOf(file);
      return last >= 0 ? SLOW_FIRST.length + 1 + last : SLOW_FIRST.length;
    };
    // Array.prototype.sort is stable: unlisted files keep vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
