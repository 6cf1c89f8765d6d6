import { relative } from "node:path";
import type { Reporter, TestCase, TestModule } from "vitest/node";

// Prints, at the end of a run, each test that took more than a third of its timeout, slowest share first
// (README "Development": no test may need more than a third of its timeout, so that a busy machine does
// not make it fail). Only a report: it never fails a run. CI adds it to its reporters (.ci/run); by hand,
// `npx vitest run --reporter=default --reporter=./test/timeout-share-reporter.ts`.

const SHARE = 1 / 3;

export default class TimeoutShareReporter implements Reporter {
  private readonly over: Array<{ share: number; line: string }> = [];
  private tests = 0;

  onTestCaseResult(test: TestCase): void {
    const timeout = test.options.timeout;
    const duration = test.diagnostic()?.duration;
    if (!timeout || duration === undefined || test.result().state !== "passed") return;
    this.tests++;
    const share = duration / timeout;
    if (share > SHARE) {
      const file = relative(process.cwd(), test.module.moduleId);
      this.over.push({
        share,
        line: `${(share * 100).toFixed(0)}% (${(duration / 1000).toFixed(1)} s of ${timeout / 1000} s) ${file} > ${test.fullName}`,
      });
    }
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    this.over.sort((a, b) => b.share - a.share);
    console.log(
      `timeouts: ${this.over.length} of ${this.tests} passed tests took more than a third of their timeout` +
        (this.over.length > 0 ? `:\n  ${this.over.map((o) => o.line).join("\n  ")}` : ""),
    );
  }
}
