import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  type EmbeddedDatabase,
  type EmbeddedOptions,
  startEmbeddedDatabase,
} from "../../src/store/embedded-database.js";
import { applyMigrations } from "../../src/store/migrate.js";
import { openStoreWith } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { templateKey } from "./template-key.js";

// Stores for tests: PGlite by default, PostgreSQL with TEST_STORE=postgres. Each call gives a fresh,
// migrated store that shares nothing with any other; close it when done.

export const storeKind: "pglite" | "postgres" = process.env.TEST_STORE === "postgres" ? "postgres" : "pglite";

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The key test stores seal reflections and CRM notes with (any 32 bytes; tests of the key make their own). */
export const TEST_AT_REST_KEY = { key: Buffer.alloc(32, 7), name: "TOKEN_ENCRYPTION_KEY" };

export interface TestStoreOptions {
  /** Clock for stored timestamps, to put rows in the past. */
  now?: () => Date;
  /** As TOKEN_ENCRYPTION_KEY gives the app's store. */
  secretKey?: Buffer;
}

/** A test store with a way to read its database directly (the catalogue, any table). */
export interface InspectableStore {
  store: Store;
  /** Runs on the store's own pool, so on PGlite it waits its turn for the one connection. */
  query<R extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** The store's pool; closing the store ends it. */
  pool: pg.Pool;
}

export async function testStoreWithSql(options: TestStoreOptions = {}): Promise<InspectableStore> {
  let pool: pg.Pool;
  let store: Store;
  if (storeKind === "postgres") {
    const schema = `test_${randomUUID().replaceAll("-", "")}`;
    await admin(`CREATE SCHEMA ${schema}`);
    pool = new pg.Pool({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
    store = await openStoreWith(
      { pool },
      { ...options, afterClose: () => admin(`DROP SCHEMA ${schema} CASCADE`), atRest: TEST_AT_REST_KEY },
    );
  } else {
    const lent = idle.pop() ?? (await testEmbeddedDatabase());
    pool = new pg.Pool(lent.poolConfig);
    store = await openStoreWith(
      { pool },
      { ...options, afterClose: () => recycle(lent), atRest: TEST_AT_REST_KEY },
    );
  }
  return { store, pool, query: async (text, params) => (await pool.query(text, params)).rows };
}

export async function testStore(options: TestStoreOptions = {}): Promise<Store> {
  return storeKind === "postgres" ? postgresStore(options) : pgliteStore(options);
}

// --- PGlite -------------------------------------------------------------------------------------
// The embedded database as the app runs it: PGlite in a worker thread, reached over its socket. initdb
// costs seconds, and loading a migrated data directory from a tarball still costs ~0.4 s, so a closed
// store's database is emptied (tens of ms) and handed to the next store of this test file's process.
// The tarball is built once per migration set and PGlite version and kept in the temp directory, so
// other processes and later runs skip initdb altogether. The idle databases' threads do not keep the
// process alive.

let template: Promise<Uint8Array<ArrayBuffer>> | undefined;
const idle: EmbeddedDatabase[] = [];

// Idle databases serve the next test file of the same worker too (vitest.config.ts: files share a
// worker's modules), since starting one costs about 2 s of CPU. They end with the worker: their threads
// do not keep it alive, and test/setup-file.ts makes the runner's SIGTERM an exit, on which each removes
// its temporary socket.

/** An embedded database of its own, migrated and empty, as a test store starts; stop it when done. */
export async function testEmbeddedDatabase(options: Pick<EmbeddedOptions, "onCrash"> = {}) {
  return startEmbeddedDatabase({ loadDataDir: await migratedTemplate(), ref: false, ...options });
}

/** The migrated template's tarball, for a PGlite of the test's own (in this thread). */
export function migratedTemplate(): Promise<Uint8Array<ArrayBuffer>> {
  template ??= loadTemplate();
  return template;
}

/**
 * An embedded database for the test alone until it gives it back: migrated and empty, as a new one from
 * the template, but an idle one when there is one (starting one costs about 2 s of CPU). For tests that
 * open stores over it themselves, or talk to it directly; given back, it is emptied for the next.
 */
export async function borrowEmbeddedDatabase(): Promise<{
  embedded: EmbeddedDatabase;
  giveBack: () => Promise<void>;
}> {
  const embedded = idle.pop() ?? (await testEmbeddedDatabase());
  return { embedded, giveBack: () => recycle(embedded) };
}

async function pgliteStore(options: TestStoreOptions): Promise<Store> {
  const lent = idle.pop() ?? (await testEmbeddedDatabase());
  return openStoreWith(
    { embedded: lent, borrowed: true },
    { ...options, afterClose: () => recycle(lent), atRest: TEST_AT_REST_KEY },
  );
}

/**
 * Empties every table but the migration record and resets the session (settings, advisory locks,
 * prepared statements), leaving the database as the template had it.
 */
async function recycle(embedded: EmbeddedDatabase): Promise<void> {
  const client = new pg.Client(embedded.poolConfig);
  await client.connect();
  try {
    await client.query("DISCARD ALL");
    const { rows } = await client.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables
        WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
    );
    await client.query(`TRUNCATE ${rows.map((row) => row.name).join(", ")} RESTART IDENTITY`);
  } finally {
    await client.end();
  }
  idle.push(embedded);
}

async function loadTemplate(): Promise<Uint8Array<ArrayBuffer>> {
  const file = join(tmpdir(), "deal-coach-test", `pglite-template-${templateKey()}.tar`);
  try {
    return new Uint8Array(readFileSync(file));
  } catch {
    const embedded = await startEmbeddedDatabase({ ref: false });
    // Migrations only: a store opened over it proves or seals its own key (src/store/at-rest-setup.ts).
    const pool = new pg.Pool(embedded.poolConfig);
    await applyMigrations(pool).finally(() => pool.end());
    const tarball = await embedded.dump();
    await embedded.stop();
    // Written aside and renamed, so a process never reads a half-written template. Only a cache: a
    // read-only temp directory costs each process an initdb, nothing more.
    try {
      mkdirSync(join(file, ".."), { recursive: true });
      const partial = `${file}.${randomUUID()}`;
      writeFileSync(partial, tarball);
      renameSync(partial, file);
    } catch {}
    return tarball;
  }
}

// --- PostgreSQL ----------------------------------------------------------------------------------
// One schema per store, reached through the pool's search_path and dropped on close.

async function postgresStore(options: TestStoreOptions): Promise<Store> {
  const schema = `test_${randomUUID().replaceAll("-", "")}`;
  await admin(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
  try {
    return await openStoreWith(
      { pool },
      {
        ...options,
        afterClose: () => admin(`DROP SCHEMA ${schema} CASCADE`),
        atRest: TEST_AT_REST_KEY,
      },
    );
  } catch (error) {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    throw error;
  }
}

/**
 * A schema of its own on the test PostgreSQL, for a child process or the CLI to reach by URL (its
 * search_path in the URL's options); drop it when done.
 */
export async function schemaOfItsOwn(
  prefix = "test",
): Promise<{ databaseUrl: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${randomUUID().replaceAll("-", "")}`;
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(testDatabaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return { databaseUrl: url.toString(), drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
