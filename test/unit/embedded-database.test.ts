import { Socket } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  borrowEmbeddedDatabase,
  migratedTemplate,
  storeKind,
  testEmbeddedDatabase,
} from "../support/store.js";

// The embedded database runs in a worker thread of its own (src/store/embedded-database.ts): the
// app's event loop keeps turning while PGlite works, and a thread that dies fails queries instead of
// hanging them.

/** Keeps PGlite's thread busy for `seconds` of its own clock, whatever the machine's speed. */
const busyFor = (seconds: number) =>
  `DO $$ DECLARE t timestamptz := clock_timestamp();
   BEGIN WHILE clock_timestamp() < t + interval '${seconds} seconds' LOOP END LOOP; END $$`;

/**
 * Runs `work` and returns how long it took and the longest this thread's event loop went without
 * running a 10 ms timer, in ms; a loop blocked to the end counts up to the end.
 */
async function measure(work: () => Promise<unknown>): Promise<{ took: number; stall: number }> {
  const started = performance.now();
  let lastTick = started;
  let stall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - lastTick);
    lastTick = now;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  const ended = performance.now();
  return { took: ended - started, stall: Math.max(stall, ended - lastTick) };
}

// The embedded store's own tests run in the embedded pass only: TEST_STORE does not reach them, so the
// PostgreSQL pass would repeat them unchanged, initdb included, within its own time (README "Development").
describe.runIf(storeKind === "pglite")("the embedded database in its worker thread", () => {
  it("keeps the app's event loop turning while a query keeps PGlite busy for a second", async () => {
    // The control first: the same work on a PGlite in this thread, as the store ran it before,
    // stalls the loop for all of it. Were it not heavy enough to show, the test would prove nothing.
    const inThread = await PGlite.create({ loadDataDir: new Blob([await migratedTemplate()]) });
    try {
      const control = await measure(() => inThread.exec(busyFor(1)));
      expect(control.stall).toBeGreaterThan(900);
    } finally {
      await inThread.close();
    }

    // Any database in its thread will do: an idle one when there is (test/support/store.ts).
    const { embedded, giveBack } = await borrowEmbeddedDatabase();
    const pool = new pg.Pool(embedded.poolConfig);
    try {
      await pool.query("SELECT 1");
      const served = await measure(() => pool.query(busyFor(1)));
      expect(served.took).toBeGreaterThanOrEqual(1000);
      // Generous for a busy machine (timers run 10 ms apart); the control stalls for the whole second.
      expect(served.stall).toBeLessThan(300);
    } finally {
      await pool.end();
      await giveBack();
    }
  }, 120_000);

  it("fails the query in flight and every later one when its thread dies, and says so", async () => {
    const crashes: Error[] = [];
    const embedded = await testEmbeddedDatabase({ onCrash: (error) => crashes.push(error) });
    const pool = new pg.Pool({ ...embedded.poolConfig, connectionTimeoutMillis: 10_000 });
    pool.on("error", () => undefined);
    try {
      await pool.query("SELECT 1");
      const inFlight = pool.query(busyFor(60));
      inFlight.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const killed = performance.now();
      await embedded.terminate();
      await expect(inFlight).rejects.toThrow();
      await expect(pool.query("SELECT 1")).rejects.toThrow();
      // Failed, not waited out: the busy query had a minute to go.
      expect(performance.now() - killed).toBeLessThan(15_000);
      expect(crashes.map((error) => error.message)).toEqual([
        expect.stringMatching(/^the embedded database stopped unexpectedly/),
      ]);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it("rolls back what a connection that dropped mid-transaction left, before the next one runs", async () => {
    // The pool reconnects after a broken connection; PGlite is one session, so the new connection
    // must not find itself inside the old one's transaction.
    // Migrated and empty, as a new one (test/support/store.ts empties one it is given back).
    const { embedded, giveBack } = await borrowEmbeddedDatabase();
    const socket = new Socket();
    const dropped = new pg.Client({ ...embedded.poolConfig, stream: () => socket });
    dropped.on("error", () => undefined);
    await dropped.connect();
    const next = new pg.Client(embedded.poolConfig);
    try {
      await dropped.query("BEGIN");
      await dropped.query("INSERT INTO processed_events (id, seen_at) VALUES ('left-open', now())");
      const ended = new Promise((resolve) => dropped.once("end", resolve));
      socket.destroy();
      await ended;
      await next.connect();
      const { rows } = await next.query("SELECT id FROM processed_events");
      expect(rows).toEqual([]);
      const status = await next.query<{ in_transaction: boolean }>(
        "SELECT now() <> statement_timestamp() AS in_transaction",
      );
      expect(status.rows[0]?.in_transaction).toBe(false);
    } finally {
      await next.end();
      await giveBack();
    }
  }, 60_000);
});
