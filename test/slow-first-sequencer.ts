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

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(relative(this.ctx.config.root, spec.moduleId).replaceAll("\\", "/"));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: unlisted files keep vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
