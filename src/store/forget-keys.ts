import { createHmac, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

// The key of the forget hashes (migrations/007_forget.sql, README "Forget"). Derived from
// TOKEN_ENCRYPTION_KEY when that is set, so the encryption key itself serves nothing else; otherwise a
// random key the store makes once and keeps in store_keys, shared by every process on the database.
// A hash made under the stored key still counts after TOKEN_ENCRYPTION_KEY is set later, so turning
// encryption on does not end anyone's suppression.

export type ForgottenKind = "user" | "email";

export interface Digester {
  /** The hash a new record is written with. */
  write(teamId: string, kind: ForgottenKind, value: string): string;
  /** The hashes under every key in use: what a record of this value may have been written with. */
  all(teamId: string, kind: ForgottenKind, value: string): string[];
}

const LABEL = "deal-coach forget v1";
const STORED_NAME = "forget";

export class ForgetKeys {
  #keys: Promise<Buffer[]> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly configured: Buffer | undefined,
    private readonly now: () => Date,
  ) {}

  /**
   * Loaded before a transaction that needs it: on the embedded store the pool has one connection, which
   * the transaction holds.
   */
  async digester(): Promise<Digester> {
    this.#keys ??= this.load().catch((error: unknown) => {
      this.#keys = undefined;
      throw error;
    });
    const keys = await this.#keys;
    const hash = (key: Buffer, teamId: string, kind: ForgottenKind, value: string) =>
      createHmac("sha256", key)
        .update(`${teamId}\0${kind}\0${normalise(kind, value)}`)
        .digest("base64url");
    return {
      write: (teamId, kind, value) => hash(keys[0] as Buffer, teamId, kind, value),
      all: (teamId, kind, value) => keys.map((key) => hash(key, teamId, kind, value)),
    };
  }

  private async load(): Promise<Buffer[]> {
    const keys: Buffer[] = [];
    if (this.configured) keys.push(createHmac("sha256", this.configured).update(LABEL).digest());
    let stored = await this.stored();
    if (!stored && !this.configured) {
      // Two processes starting together both try; the first insert wins and both read it back.
      await this.db
        .insertInto("store_keys")
        .values({ name: STORED_NAME, secret: randomBytes(32).toString("base64"), created_at: this.now() })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
      stored = await this.stored();
    }
    if (stored) keys.push(Buffer.from(stored, "base64"));
    return keys;
  }

  private async stored(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("store_keys")
      .select("secret")
      .where("name", "=", STORED_NAME)
      .executeTakeFirst();
    return row?.secret;
  }
}

function normalise(kind: ForgottenKind, value: string): string {
  return kind === "email" ? value.trim().toLowerCase() : value;
}
