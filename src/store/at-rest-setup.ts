import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { AtRest, type AtRestKey, AtRestKeyError, SEALED_JSON, SEALED_TEXT } from "./at-rest.js";
import type { Database } from "./schema.js";

// Opening the store's key (docs/encryption.md): TOKEN_ENCRYPTION_KEY, or on the embedded store a key file
// in DATA_DIR, created at the first start. The at_rest_key row proves the key before any row is read, and
// the start that writes it first seals, in the same transaction, every row written before encryption.

/** Where the key comes from: given (TOKEN_ENCRYPTION_KEY), or a key file made on first use. */
export type AtRestKeySource = AtRestKey | { keyFile: string };

export const KEY_FILE_NAME = "at-rest.key";
const KEY_CHECK = "deal-coach at-rest key check";
/** Serialises first starts of several processes on one database (the seal pass runs once). */
const LOCK_ID = 0x6463_6b65;
const BATCH = 500;

export interface AtRestLogger {
  info: (o: object, msg: string) => void;
  error?: (o: object, msg: string) => void;
}

export async function prepareAtRest(
  db: Kysely<Database>,
  source: AtRestKeySource,
  now: Date,
  logger?: AtRestLogger,
): Promise<AtRest> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_ID})`.execute(trx);
    const row = await trx
      .selectFrom("at_rest_key")
      .select("key_check")
      .where("id", "=", 1)
      .executeTakeFirst();
    const atRest = new AtRest(resolveKey(source, row !== undefined, logger));
    if (row) {
      let check: string | undefined;
      try {
        check = atRest.openText(row.key_check);
      } catch (error) {
        if (!(error instanceof AtRestKeyError)) throw error;
      }
      if (check !== KEY_CHECK) throw atRest.wrongKey();
      const resealed = await sealLastErrorsLeftPlain(trx, atRest);
      if (resealed > 0)
        logger?.info({ rows: resealed }, "encrypted CRM errors an earlier version stored plain");
      return atRest;
    }
    const sealed = await sealExistingRows(trx, atRest);
    await trx
      .insertInto("at_rest_key")
      .values({ id: 1, key_check: atRest.sealText(KEY_CHECK), created_at: now })
      .execute();
    if (sealed > 0)
      logger?.info({ rows: sealed }, "encrypted reflections and CRM notes stored before encryption");
    return atRest;
  });
}

function resolveKey(source: AtRestKeySource, dataSealed: boolean, logger?: AtRestLogger): AtRestKey {
  if (!("keyFile" in source)) return source;
  const path = source.keyFile;
  if (existsSync(path)) return readKeyFile(path, logger);
  if (dataSealed) {
    throw new AtRestKeyError(
      `the key file ${path} is missing, but this database's reflections and CRM notes were encrypted with ` +
        "it: restore it from a backup (or set TOKEN_ENCRYPTION_KEY to that key).",
    );
  }
  return createKeyFile(path, logger);
}

// Log lines name the key file by its path, as the embedded store names its data directory: a path the
// operator chose, never anyone's words (README "What the logs hold").
function readKeyFile(where: string, logger?: AtRestLogger): AtRestKey {
  const text = readFileSync(where, "utf8").trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) {
    throw new AtRestKeyError(`the key file ${where} does not hold a key (64 hex characters); restore it`);
  }
  if ((statSync(where).mode & 0o077) !== 0) {
    logger?.error?.({ path: where }, `the key file ${where} is readable by other users; run chmod 600 on it`);
  }
  return { key: Buffer.from(text, "hex"), name: `the key file ${where}` };
}

function createKeyFile(where: string, logger?: AtRestLogger): AtRestKey {
  const key = randomBytes(32);
  // "wx": never replaces a key that appeared meanwhile. Synced, file and directory, before any row is
  // sealed with it: data sealed under a key lost in a crash could never be read again.
  const fd = openSync(where, "wx", 0o600);
  try {
    writeSync(fd, `${key.toString("hex")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  syncDirectory(dirname(where));
  logger?.info(
    { path: where },
    `created the key file ${where} (back it up with the data: without it nothing private can be read)`,
  );
  return { key, name: `the key file ${where}` };
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot open a directory for syncing; the file itself is synced.
  }
}

/** Each sealed table's primary key, with the SQL types its values are cast back to (they travel as text). */
const PRIMARY_KEYS: Record<string, Array<[column: string, type: string]>> = {
  reflections: [["id", "text"]],
  deal_inbox: [["id", "bigint"]],
  deals: [
    ["source", "text"],
    ["deal_id", "text"],
  ],
  nudges: [["id", "bigint"]],
};

/**
 * Seals every sealed column of every row, in batches, one walk per table (deal_inbox has a text column
 * and a jsonb one); returns the number of rows changed.
 */
async function sealExistingRows(trx: Kysely<Database>, atRest: AtRest): Promise<number> {
  const textColumns: Record<string, readonly string[]> = SEALED_TEXT;
  const jsonColumns: Record<string, Record<string, readonly (readonly string[])[]>> = SEALED_JSON;
  let rows = 0;
  for (const table of new Set([...Object.keys(textColumns), ...Object.keys(jsonColumns)])) {
    const text = textColumns[table] ?? [];
    const json = Object.entries(jsonColumns[table] ?? {});
    const sealed = [
      ...text.map((c) => [c, "text"] as [string, string]),
      ...json.map(([c]) => [c, "jsonb"] as [string, string]),
    ];
    rows += await sealTable(trx, table, sealed, (row) => [
      ...text.map((c) => (row[c] === null ? null : atRest.sealText(String(row[c])))),
      ...json.map(([c, paths]) => JSON.stringify(atRest.sealJson(asJson(row[c]), paths))),
    ]);
  }
  return rows;
}

/**
 * Seals the `deal_inbox.last_error` values a version before it was sealed wrote plain into a database
 * that already had its key; returns how many. Done rows hold none (their error is cleared), so only the
 * others are read, through the status index; a sealed value starts "v1." (secret-box.ts).
 */
function sealLastErrorsLeftPlain(trx: Kysely<Database>, atRest: AtRest): Promise<number> {
  return sealTable(
    trx,
    "deal_inbox",
    [["last_error", "text"]],
    (row) => [atRest.sealText(String(row.last_error))],
    sql`status IN ('pending', 'processing', 'dead') AND last_error IS NOT NULL AND last_error NOT LIKE 'v1.%'`,
  );
}

const asJson = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

/**
 * Walks a table in key order (only its rows that match `where`, when given), BATCH rows at a time, and
 * writes each batch back in one UPDATE ... FROM (VALUES ...): a statement per row made a first start over
 * 15,000 rows take half a minute.
 */
async function sealTable(
  trx: Kysely<Database>,
  table: string,
  sealed: Array<[column: string, type: string]>,
  sealRow: (row: Record<string, unknown>) => Array<string | null>,
  where?: RawBuilder<unknown>,
): Promise<number> {
  const keys = PRIMARY_KEYS[table];
  if (!keys) throw new Error(`no primary key known for ${table}`);
  const keyList = sql.join(keys.map(([k]) => sql.ref(k)));
  const selected = sql.join([...keys, ...sealed].map(([c]) => sql.ref(c)));
  const names = sql.join([...keys, ...sealed].map(([c]) => sql.ref(c)));
  const sets = sql.join(
    sealed.map(([c, type]) => sql`${sql.ref(c)} = CAST(${sql.ref(`v.${c}`)} AS ${sql.raw(type)})`),
    sql`, `,
  );
  const match = sql.join(
    keys.map(([k, type]) => sql`${sql.ref(`t.${k}`)} = CAST(${sql.ref(`v.${k}`)} AS ${sql.raw(type)})`),
    sql` AND `,
  );
  let after: unknown[] | undefined;
  let count = 0;
  for (;;) {
    const conditions = [
      ...(where ? [where] : []),
      ...(after ? [sql`(${keyList}) > (${sql.join(after)})`] : []),
    ];
    const from = conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
    const { rows } = await sql<Record<string, unknown>>`
      SELECT ${selected} FROM ${sql.table(table)} ${from} ORDER BY ${keyList} LIMIT ${BATCH}`.execute(trx);
    if (rows.length > 0) {
      const values = sql.join(
        rows.map((row) => sql`(${sql.join([...keys.map(([k]) => String(row[k])), ...sealRow(row)])})`),
      );
      await sql`UPDATE ${sql.table(table)} AS t SET ${sets}
        FROM (VALUES ${values}) AS v (${names}) WHERE ${match}`.execute(trx);
    }
    count += rows.length;
    if (rows.length < BATCH) return count;
    const last = rows[rows.length - 1] as Record<string, unknown>;
    after = keys.map(([k]) => last[k]);
  }
}
