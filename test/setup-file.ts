// Runs in each test worker before each of its files (vitest.config.ts). The runner ends a worker with
// SIGTERM, whose default ends the process without an "exit" event; as an exit, the idle embedded
// databases the worker kept for its next file remove their temporary sockets (test/support/store.ts).
const EXITS_ON_SIGTERM = Symbol.for("deal-coach.test.exits-on-sigterm");
const marks = globalThis as { [EXITS_ON_SIGTERM]?: true };
if (!marks[EXITS_ON_SIGTERM]) {
  marks[EXITS_ON_SIGTERM] = true;
  process.once("SIGTERM", () => process.exit(0));
}
