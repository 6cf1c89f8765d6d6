import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { loadMigrations } from "../../src/store/migrate.js";

/**
 * The key of a migrated embedded database cached in the temp directory: the PGlite version and every
 * migration, and the content of each further file (relative to the package root) whose change must
 * build the cache anew.
 */
export function templateKey(files: readonly string[] = []): string {
  // The package exports no ./package.json; it sits one level above the resolved dist/index.cjs.
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const hash = createHash("sha256").update(readFileSync(join(entry, "..", "..", "package.json")));
  for (const migration of loadMigrations()) hash.update(migration.name).update(migration.sql);
  for (const file of files) hash.update(file).update(readFileSync(join(PACKAGE_ROOT, file)));
  return hash.digest("hex").slice(0, 16);
}
