import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { loadMigrations } from "../../src/store/migrate.js";
import { openStoreWith } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

// Stores for tests: PGlite by default, PostgreSQL with TEST_STORE=postgres. Each call gives a fresh,
// migrated store that shares nothing with any other; close it when done.

export const storeKind: "pglite" | "postgres" = process.env.TEST_STORE === "postgres" ? "postgres" : "pglite";

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestStoreOptions {
  /** Clock for stored timestamps, to put rows in the past. */
  now?: () => Date;
}

export async function testStore(options: TestStoreOptions = {}): Promise<Store> {
  return storeKind === "postgres" ? postgresStore(options) : pgliteStore(options);
}

// --- PGlite -------------------------------------------------------------------------------------
// initdb of a new PGlite costs seconds, and loading a migrated data directory from a tarball still
// costs ~0.4 s, so a closed store's PGlite is emptied (tens of ms) and handed to the next store. The
// tarball is built once per migration set and PGlite version and kept in the temp directory, so
// workers and later runs skip initdb altogether. PGlite instances hold no handles: a worker exits
// with its idle ones open.

let template: Promise<Blob> | undefined;
const idle: PGlite[] = [];

async function pgliteStore(options: TestStoreOptions): Promise<Store> {
  let pglite = idle.pop();
  if (!pglite) {
    template ??= loadTemplate();
    pglite = await PGlite.create({
      loadDataDir: await template,
      // Starting from a loaded tarball arms PostgreSQL's 10 s startup-progress timer, which would keep
      // a worker's event loop alive while its idle instances wait here.
      startParams: [...PGlite.defaultStartParams, "-c", "log_startup_progress_interval=0"],
    });
  }
  const lent = pglite;
  return openStoreWith(
    { pglite: lent, borrowed: true },
    { now: options.now, afterClose: () => recycle(lent) },
  );
}

/**
 * Empties every table but the migration record and resets the session (settings, advisory locks,
 * prepared statements), leaving the database as the template had it.
 */
async function recycle(pglite: PGlite): Promise<void> {
  await pglite.exec("DISCARD ALL");
  const { rows } = await pglite.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables
      WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
  );
  await pglite.exec(`TRUNCATE ${rows.map((row) => row.name).join(", ")} RESTART IDENTITY`);
  idle.push(pglite);
}

async function loadTemplate(): Promise<Blob> {
  const file = join(tmpdir(), "deal-coach-test", `pglite-template-${templateKey()}.tar`);
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    const pglite = await PGlite.create();
    const store = await openStoreWith({ pglite });
    const tarball = await pglite.dumpDataDir("none");
    await store.close();
    // Written aside and renamed, so a worker never reads a half-written template. Only a cache: a
    // read-only temp directory costs each worker an initdb, nothing more.
    try {
      mkdirSync(join(file, ".."), { recursive: true });
      const partial = `${file}.${randomUUID()}`;
      writeFileSync(partial, new Uint8Array(await tarball.arrayBuffer()));
      renameSync(partial, file);
    } catch {}
    return tarball;
  }
}

function templateKey(): string {
  // The package exports no ./package.json; it sits one level above the resolved dist/index.cjs.
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const hash = createHash("sha256").update(readFileSync(join(entry, "..", "..", "package.json")));
  for (const migration of loadMigrations()) hash.update(migration.name).update(migration.sql);
  return hash.digest("hex").slice(0, 16);
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
      { now: options.now, afterClose: () => admin(`DROP SCHEMA ${schema} CASCADE`) },
    );
  } catch (error) {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    throw error;
  }
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
