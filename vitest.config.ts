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
    // Two files at a time on two cores (vitest's default there is one): much of a file's time is spent
    // waiting on child processes, sockets and the database. Three made a cold embedded pass faster (222 s
    // to 199 s) but left too little CPU for the tests that time text handling against a 1 s budget: two
    // of them failed in a fresh-clone CI run (README "Development").
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      { test: { name: "isolated", include: ISOLATED, isolate: true, ...common } },
      // The rest share each worker's modules and idle embedded databases from file to file: loading
      // Bolt, pg and PGlite again for each of about a hundred files cost more CPU than their tests (60 unit
      // files: 52 s alone, 27 s shared). test/setup-file.ts runs before each file.
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
