import type { InspectableStore } from "./store.js";

// The store's schema as the database describes it (information_schema), for tests that must cover every
// table, including ones added after the test was written.

export interface Column {
  table_name: string;
  column_name: string;
}

/** Every text-like and json column of every table of the store's schema, from the catalogue. */
export async function textColumns(db: InspectableStore): Promise<Column[]> {
  return db.query<Column & Record<string, unknown>>(
    `SELECT c.table_name, c.column_name
       FROM information_schema.columns c
       JOIN information_schema.tables t
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema()
        AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
             OR c.udt_name IN ('_text', '_varchar', '_json', '_jsonb'))
      ORDER BY c.table_name, c.column_name`,
  );
}

export async function tables(db: InspectableStore): Promise<string[]> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

export const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** "table.column" for every column whose text holds any needle, ignoring case (jsonb as its JSON text). */
export async function hits(db: InspectableStore, needles: string[]): Promise<string[]> {
  const patterns = needles.map((n) => `%${n.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`);
  const found: string[] = [];
  for (const { table_name, column_name } of await textColumns(db)) {
    const [row] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${quoted(table_name)} WHERE lower(${quoted(column_name)}::text) LIKE ANY($1::text[])`,
      [patterns],
    );
    if (Number(row?.n) > 0) found.push(`${table_name}.${column_name}`);
  }
  return found;
}
