import { defineConfig } from "vitest/config";
import { SlowFirstSequencer } from "./test/slow-first-sequencer.js";

/** What both projects share: the build before any test (test/global-setup.ts), and the time limits. */
const common = { globalSetup: ["test/global-setup.ts"], testTimeout: 30_000, hookTimeout: 60_000 };

/**
 * Test files that need a fresh module registry of their own: yaml-cache mocks the yaml module, and the
 * ReDoS census records the patterns modules build while they load, so they must load there first.
 */
export const ISOLATED = [
  "test/unit/yaml-cache.test.ts",
  "test/unit/regex-linear-a.test.ts",
  "test/unit/regex-linear-b.test.ts",
];

export default defineConfig({
  test: {
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      { test: { name: "isolated", include: ISOLATED, isolate: true, ...common } },
      {
        test: {
          name: "shared",
          include: ["test/**/*.test.ts"],
          exclude: ISOLATED,
          isolate: false,
          setupFiles: ["test/setup-file.ts"],
          ...common,
        },
      },
    ],
  },
});
