import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { type AtRestKeySource, KEY_FILE_NAME, prepareAtRest } from "./at-rest-setup.js";
import { lockDataDir } from "./data-dir-lock.js";
import { type EmbeddedDatabase, startEmbeddedDatabase } from "./embedded-database.js";
import { applyMigrations } from "./migrate.js";
import type { Database } from "./schema.js";
import { SqlStore } from "./sql-store.js";
import type { Store } from "./types.js";

export const DEFAULT_DATA_DIR = "./data";

export interface StoreLogger {
  /** Migrations applied; the embedded database being created (seconds, the first time) or opened. */
  info: (o: object, msg: string) => void;
  /** For errors of idle connections and an embedded database that stopped, which would otherwise go unseen. */
  error?: (o: object, msg: string) => void;
}

export interface OpenStoreOptions {
  /** DATABASE_URL: PostgreSQL. Unset: embedded PGlite in dataDir. */
  databaseUrl?: string;
  /** DATA_DIR for the embedded store; default ./data. */
  dataDir?: string;
  /**
   * TOKEN_ENCRYPTION_KEY, for reflections and CRM notes at rest. Without it the embedded store uses a
   * key file in dataDir, made at the first start; PostgreSQL refuses to open (docs/encryption.md).
   */
  encryptionKey?: Buffer;
  logger?: StoreLogger;
  /** TOKEN_ENCRYPTION_KEY, when set: keys the hashes a forgotten user leaves (src/store/forget-keys.ts). */
  secretKey?: Buffer;
}

/** The store the app runs on: PostgreSQL when databaseUrl is set, else PGlite in dataDir; migrated. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const atRest = atRestKeyOf(options);
  const connection = await connect(options);
  return finishOpening(connection, {
    ...options,
    secretKey: options.secretKey ?? options.encryptionKey,
    atRest,
  });
}

function atRestKeyOf(options: OpenStoreOptions): AtRestKeySource {
  const keyFile = resolve(options.dataDir ?? DEFAULT_DATA_DIR, KEY_FILE_NAME);
  if (options.encryptionKey) {
    // Set after a first start without it (say, to turn on OAuth): the data is under the key file's key.
    const hint =
      !options.databaseUrl && existsSync(keyFile)
        ? `Data stored before TOKEN_ENCRYPTION_KEY was set is encrypted with the key in ${keyFile}.`
        : undefined;
    return { key: options.encryptionKey, name: "TOKEN_ENCRYPTION_KEY", hint };
  }
  if (options.databaseUrl) {
    throw new Error(
      "TOKEN_ENCRYPTION_KEY: required with DATABASE_URL, to encrypt reflections and CRM notes at rest " +
        "(32 bytes: openssl rand -hex 32)",
    );
  }
  return { keyFile };
}

/** Applies pending migrations without starting the app (`deal-coach migrate`); returns their names. */
export async function migrate(options: OpenStoreOptions = {}): Promise<string[]> {
  const connection = await connect(options);
  try {
    const applied = await applyMigrations(connection.pool);
    logApplied(options.logger, applied);
    return applied;
  } finally {
    await connection.close();
  }
}

/**
 * What a store is opened over. The store owns it from then on and closes it on close(), except an
 * embedded database marked borrowed, which keeps running for its lender (tests reuse one across stores).
 */
export type StoreSource = { embedded: EmbeddedDatabase; borrowed?: boolean } | { pool: pg.Pool };

export interface StoreWiring {
  /** The key for reflections and CRM notes at rest, or the key file to read or create. */
  atRest: AtRestKeySource;
  logger?: StoreLogger;
  /** Clock for stored timestamps; default the system clock. */
  now?: () => Date;
  /** Runs after the store has closed its connections (tests drop their schema here). */
  afterClose?: () => Promise<void> | void;
  /** As OpenStoreOptions.secretKey. */
  secretKey?: Buffer;
}

/** Opens a migrated store over an embedded database or pg pool made elsewhere (tests, tools). */
export async function openStoreWith(source: StoreSource, wiring: StoreWiring): Promise<Store> {
  const connection =
    "embedded" in source
      ? overEmbedded(source.embedded, wiring.logger, source.borrowed)
      : overPool(source.pool, wiring.logger);
  return finishOpening({ ...connection, close: withAfter(connection.close, wiring.afterClose) }, wiring);
}

interface Connection {
  kind: Store["kind"];
  pool: pg.Pool;
  /** Ends the pool if still open and frees what backs it; called exactly once. */
  close: () => Promise<void>;
}

async function connect(options: OpenStoreOptions): Promise<Connection> {
  if (options.databaseUrl) {
    return overPool(new pg.Pool({ connectionString: options.databaseUrl }), options.logger);
  }
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const unlock = lockDataDir(dataDir);
  const logger = options.logger;
  let embedded: EmbeddedDatabase;
  try {
    // PGlite itself loads only in the database's thread: a PostgreSQL deployment never loads it.
    const where = resolve(dataDir);
    const creating = !existsSync(join(dataDir, "PG_VERSION"));
    // initdb takes seconds (over ten on a small VM): say so before, not after.
    if (creating) logger?.info({ dataDir: where }, `creating the embedded database in ${where} …`);
    else logger?.info({ dataDir: where }, `opening the embedded database in ${where}`);
    const started = Date.now();
    embedded = await startEmbeddedDatabase({
      dataDir,
      onCrash: (error) => logger?.error?.({ err: error }, "the embedded database stopped; every query fails"),
    });
    if (creating) logger?.info({ dataDir: where, ms: Date.now() - started }, "created the embedded database");
  } catch (error) {
    unlock();
    throw error;
  }
  const connection = overEmbedded(embedded, logger);
  return { ...connection, close: withAfter(connection.close, unlock) };
}

function overEmbedded(
  embedded: EmbeddedDatabase,
  logger: StoreLogger | undefined,
  borrowed = false,
): Connection {
  // poolConfig keeps one connection, never reaped: PGlite is one session.
  const { close, ...connection } = overPool(new pg.Pool(embedded.poolConfig), logger);
  return {
    ...connection,
    kind: "pglite",
    // The pool first, so no query is cut off; then PGlite checkpoints and its thread ends.
    close: withAfter(close, borrowed ? undefined : () => embedded.stop()),
  };
}

function overPool(pool: pg.Pool, logger: StoreLogger | undefined): Connection {
  // An idle client's error (a server restart) is emitted on the pool; unheard, it would crash the
  // process. The pool drops that client and the next query connects afresh.
  pool.on("error", (error) => logger?.error?.({ err: error }, "idle database connection failed"));
  return { kind: "postgres", pool, close: () => endPool(pool) };
}

async function finishOpening(connection: Connection, wiring: StoreWiring): Promise<Store> {
  let store: SqlStore;
  try {
    logApplied(wiring.logger, await applyMigrations(connection.pool));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: connection.pool }) });
    const now = wiring.now ?? (() => new Date());
    const atRest = await prepareAtRest(db, wiring.atRest, now(), wiring.logger);
    store = new SqlStore({
      kind: connection.kind,
      db,
      now,
      release: connection.close,
      atRest,
      secretKey: wiring.secretKey,
    });
    await store.pruneClaims();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  return store;
}

function logApplied(logger: StoreLogger | undefined, applied: string[]): void {
  if (applied.length > 0) logger?.info({ migrations: applied }, "applied database migrations");
}

async function endPool(pool: pg.Pool): Promise<void> {
  // Kysely's destroy() ends the pool if it ever ran a query; ending twice throws.
  if (!pool.ended && !pool.ending) await pool.end();
}

function withAfter(close: () => Promise<void>, after: (() => Promise<void> | void) | undefined) {
  if (!after) return close;
  return async () => {
    try {
      await close();
    } finally {
      await after();
    }
  };
}
