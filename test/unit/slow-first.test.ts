import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { LAST, SLOW_FIRST } from "../slow-first-sequencer.js";

// The sequencer's list names files by path; a renamed file would silently drop to vitest's own order.
describe("SlowFirstSequencer's lists", () => {
  it("name test files that exist, each once, in one list", () => {
    expect(SLOW_FIRST.length).toBeGreaterThan(0);
    expect(LAST.length).toBeGreaterThan(0);
    const both = [...SLOW_FIRST, ...LAST];
    expect(new Set(both).size).toBe(both.length);
    for (const file of both) {
      expect(file).toMatch(/^test\/.+\.test\.ts$/);
      expect(existsSync(join(PACKAGE_ROOT, file)), file).toBe(true);
    }
  });
});
