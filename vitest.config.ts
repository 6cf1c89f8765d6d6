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
    // Three files at a time on two cores (vitest's default there is one): much of a file's time is spent
    // waiting on child processes, sockets and the database. Measured on two shared vCPUs, a cold embedded
    // pass took 222 s with two and 199 s with three, with no test over a third of its timeout (README
    // "Development").
    maxWorkers: 3,
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
