import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { SLOW_FIRST } from "../slow-first-sequencer.js";

// The sequencer's list names files by path; a renamed file would silently drop to vitest's own order.
describe("SlowFirstSequencer's list", () => {
  it("names test files that exist, each once", () => {
    expect(SLOW_FIRST.length).toBeGreaterThan(0);
    expect(new Set(SLOW_FIRST).size).toBe(SLOW_FIRST.length);
    for (const file of SLOW_FIRST) {
      expect(file).toMatch(/^test\/.+\.test\.ts$/);
      expect(existsSync(join(PACKAGE_ROOT, file)), file).toBe(true);
    }
  });
});
