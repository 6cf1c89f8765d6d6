import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { KEY_FILE_NAME } from "../../src/store/at-rest-setup.js";
import { LOCK_FILE_NAME } from "../../src/store/data-dir-lock.js";
import { migrate } from "../../src/store/open.js";
import { templateKey } from "./template-key.js";

// DATA_DIRs for child processes (the app, the CLI) whose test is not the embedded database's first
// creation. initdb and the migrations on a new DATA_DIR cost a child about 4.5 s (3.6 s of CPU) against
// 0.9 s on an existing one, and each store pass of the suite must stay within its time on two busy
// cores (README "Development"). So the database is created once, by the app's own `deal-coach migrate`
// code on an empty directory, kept in the temp directory, and each test gets a copy of its own: to
// the app, a restart on its own data. Tests of the first creation keep an empty directory.

/**
 * What the template's content depends on besides the PGlite version and the migrations: how the app
 * creates and migrates an embedded database (PGlite's start-up arguments, its settings, the migration
 * record). A change to any of them builds the template anew.
 */
const CREATED_BY = [
  "src/store/embedded-database.ts",
  "src/store/pglite-worker.ts",
  "src/store/migrate.ts",
  "src/store/open.ts",
];

/**
 * Left out of every copy, so each test's directory is a restart of the app on data of its own: the
 * at-rest key file (the first start makes one per directory, src/store/at-rest-setup.ts; the template
 * has none, since `migrate` never opens the store's key), and the lock and socket files of a running
 * process (none remain after a clean stop; the filter only guards against a template that kept one).
 */
const NOT_COPIED = new Set([KEY_FILE_NAME, LOCK_FILE_NAME, ".s.PGSQL.5432"]);

let template: Promise<string | undefined> | undefined;

/**
 * A new temporary DATA_DIR (under `prefix`, as mkdtempSync names it) holding an embedded database
 * already created and migrated, with no key file yet: as after `deal-coach migrate` on an empty
 * directory. Every call gives a directory that shares nothing with any other.
 */
export async function createdDataDir(prefix: string): Promise<string> {
  template ??= cachedTemplate();
  const from = await template;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (from === undefined) {
    // No cache (a read-only temp directory): the directory is created here, as the template would be.
    await migrate({ dataDir: dir });
    return dir;
  }
  cpSync(from, dir, {
    recursive: true,
    filter: (source) =>
      !NOT_COPIED.has(basename(source)) && !basename(source).startsWith(`${LOCK_FILE_NAME}.`),
  });
  return dir;
}

/** The template's directory, built if absent; undefined if it cannot be kept. */
async function cachedTemplate(): Promise<string | undefined> {
  const dir = join(tmpdir(), "deal-coach-test", `pglite-datadir-${templateKey(CREATED_BY)}`);
  if (existsSync(join(dir, "PG_VERSION"))) return dir;
  // Built aside and renamed, so a test file in another process never copies half a template; when two
  // build at once, the first rename wins and the other's copy is removed.
  const partial = `${dir}.${randomUUID()}`;
  try {
    mkdirSync(partial, { recursive: true });
  } catch {
    return undefined;
  }
  try {
    await migrate({ dataDir: partial });
    renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(dir, "PG_VERSION"))) throw error;
  }
  return dir;
}
