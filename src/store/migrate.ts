import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { PACKAGE_ROOT } from "../paths.js";

// tsc copies no .sql files, so both src/store/*.ts (tsx) and dist/store/*.js read the migrations from
// the source tree; package.json "files" must ship src/store/migrations.
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, "src", "store", "migrations");

export interface Migration {
  /** The file name without ".sql", as recorded in schema_migrations: "001_initial". */
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** The migrations in dir, in the order they apply. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const seen = new Map<string, string>();
  return readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .map((file) => {
      const number = MIGRATION_FILE.exec(file)?.[1];
      if (number === undefined) throw new Error(`migration ${join(dir, file)} is not named NNN_name.sql`);
      const clash = seen.get(number);
      if (clash) throw new Error(`migrations ${clash} and ${file} in ${dir} share the number ${number}`);
      seen.set(number, file);
      return { name: file.slice(0, -".sql".length), sql: readFileSync(join(dir, file), "utf8") };
    });
}

/**
 * Applies the migrations not yet recorded in schema_migrations, all in one transaction, and returns
 * their names. Instances starting together on one PostgreSQL queue on an advisory lock, so each
 * migration runs exactly once; the lock is keyed by schema so isolated test schemas don't wait on
 * each other.
 */
export async function applyMigrations(
  pool: pg.Pool,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      "SELECT pg_advisory_xact_lock(hashtext('deal-coach:migrate:' || coalesce(current_schema(), '')))",
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ name: string }>("SELECT name FROM schema_migrations");
    const done = new Set(rows.map((row) => row.name));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query("INSERT INTO schema_migrations (name) VALUES ($1)", [migration.name]);
      applied.push(migration.name);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    // The original error matters more than a failed rollback on a broken connection.
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
