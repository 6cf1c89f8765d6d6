import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { AtRest } from "./at-rest.js";
import { ProcessedEvents } from "./claims.js";
import type { DealStore } from "./deal-types.js";
import { forgetUserRows } from "./forget.js";
import { ForgetKeys } from "./forget-keys.js";
import type { Database, UsersTable } from "./schema.js";
import { ScrubPlugin } from "./scrub-plugin.js";
import { mergeSettings, readStoredSettings, type SettingsPatch } from "./settings.js";
import { SqlDealStore } from "./sql-deal-store.js";
import { sqlTokenLedger } from "./sql-token-ledger.js";
import { SqlWeeklyStore } from "./sql-weekly-store.js";
import {
  type AskedEntry,
  DEFAULT_SETTINGS,
  type ForgetReport,
  type ReflectionRecord,
  type Store,
  type TokenLedger,
  type UserKey,
  type UserRecord,
} from "./types.js";
import { countUserActivity, type UserStats } from "./user-stats.js";
import type { WeeklyStore } from "./weekly-types.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_HISTORY_DAYS = 30;
const DEFAULT_HISTORY_LIMIT = 200;
const DEFAULT_REFLECTION_LIMIT = 50;

export interface SqlStoreParts {
  kind: Store["kind"];
  db: Kysely<Database>;
  /** The clock for every stored timestamp; tests move it. */
  now: () => Date;
  /** Runs once, after Kysely has let go of the pool: ends the pool, closes PGlite, drops the lock. */
  release: () => Promise<void>;
  /** TOKEN_ENCRYPTION_KEY, when set: the forget hashes' key is derived from it (see forget-keys.ts). */
  secretKey?: Buffer;
  /** Seals reflections and CRM notes on the way in, opens them on the way out (docs/encryption.md). */
  atRest: AtRest;
}

/** The Store over Kysely and PostgreSQL SQL, for PGlite and PostgreSQL alike. */
export class SqlStore implements Store {
  readonly kind: Store["kind"];
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly #release: () => Promise<void>;
  readonly #processedEvents: ProcessedEvents;
  readonly #forgetKeys: ForgetKeys;
  readonly #atRest: AtRest;
  #closing: Promise<void> | undefined;

  readonly deals: DealStore;
  readonly weekly: WeeklyStore;
  readonly llmTokens: TokenLedger;

  constructor(parts: SqlStoreParts) {
    this.kind = parts.kind;
    // Every statement of every part goes through the scrub: text from outside can't fail a write.
    const db = parts.db.withPlugin(new ScrubPlugin());
    this.#forgetKeys = new ForgetKeys(db, parts.secretKey, parts.now);
    this.deals = new SqlDealStore(db, parts.now, this.#forgetKeys, parts.atRest);
    this.weekly = new SqlWeeklyStore(db, parts.now, parts.atRest);
    this.#atRest = parts.atRest;
    this.#db = db;
    this.#now = parts.now;
    this.#release = parts.release;
    this.#processedEvents = new ProcessedEvents(db, parts.now);
    this.llmTokens = sqlTokenLedger(db);
  }

  async getUser(key: UserKey): Promise<UserRecord | undefined> {
    const row = await this.#db
      .selectFrom("users")
      .selectAll()
      .where((eb) => eb.and(ofUser(key)))
      .executeTakeFirst();
    return row && toUserRecord(row);
  }

  // Accepts a partial weekly too (SettingsPatch is wider than Partial<UserSettings>).
  async upsertUser(
    key: UserKey,
    patch: { tz?: string | null; settings?: SettingsPatch } = {},
  ): Promise<UserRecord> {
    const now = this.#now();
    return this.#db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto("users")
        .values({
          ...ofUser(key),
          tz: patch.tz ?? null,
          settings: JSON.stringify(mergeSettings(DEFAULT_SETTINGS, patch.settings)),
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.columns(["team_id", "user_id"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (created) return toUserRecord(created);

      // Locked so two concurrent patches (say weekly.day and weekly.time) both survive the merge.
      const existing = await trx
        .selectFrom("users")
        .selectAll()
        .where((eb) => eb.and(ofUser(key)))
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (patch.tz === undefined && patch.settings === undefined) return toUserRecord(existing);
      const updated = await trx
        .updateTable("users")
        .set({
          tz: patch.tz === undefined ? existing.tz : patch.tz,
          settings: JSON.stringify(mergeSettings(readStoredSettings(existing.settings), patch.settings)),
          updated_at: now,
        })
        .where((eb) => eb.and(ofUser(key)))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUserRecord(updated);
    });
  }

  async recordAsked(key: UserKey, entries: readonly AskedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const askedAt = this.#now();
    await this.#db
      .insertInto("asked_questions")
      .values(
        entries.map((entry) => ({
          ...ofUser(key),
          question_id: entry.questionId,
          theme: entry.theme,
          surface: entry.surface,
          thread_key: entry.threadKey ?? null,
          asked_at: askedAt,
        })),
      )
      .execute();
  }

  /**
   * Distinct ids, ordered by their latest asking (entries of one recordAsked call: last one first).
   * Within a thread every id counts, however old; otherwise the last sinceDays days.
   */
  async recentQuestionIds(
    key: UserKey,
    options: { sinceDays?: number; threadKey?: string; limit?: number } = {},
  ): Promise<string[]> {
    const { threadKey } = options;
    let query = this.#db
      .selectFrom("asked_questions")
      .select("question_id")
      .where((eb) => eb.and(ofUser(key)))
      .groupBy("question_id")
      .orderBy((eb) => eb.fn.max("asked_at"), "desc")
      .orderBy((eb) => eb.fn.max("id"), "desc");
    if (threadKey === undefined) {
      const since = new Date(this.#now().getTime() - (options.sinceDays ?? DEFAULT_HISTORY_DAYS) * DAY_MS);
      query = query.where("asked_at", ">=", since).limit(options.limit ?? DEFAULT_HISTORY_LIMIT);
    } else {
      query = query.where("thread_key", "=", threadKey);
      if (options.limit !== undefined) query = query.limit(options.limit);
    }
    const rows = await query.execute();
    return rows.map((row) => row.question_id);
  }

  async addReflection(
    key: UserKey,
    reflection: { questionId?: string | null; questionText: string; answer: string },
  ): Promise<string> {
    const id = randomUUID();
    await this.#db
      .insertInto("reflections")
      .values({
        id,
        ...ofUser(key),
        question_id: reflection.questionId ?? null,
        question_text: this.#atRest.sealText(reflection.questionText),
        answer: this.#atRest.sealText(reflection.answer),
        created_at: this.#now(),
      })
      .execute();
    return id;
  }

  async listReflections(key: UserKey, limit = DEFAULT_REFLECTION_LIMIT): Promise<ReflectionRecord[]> {
    const rows = await this.#db
      .selectFrom("reflections")
      .selectAll()
      .where((eb) => eb.and(ofUser(key)))
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      teamId: row.team_id,
      userId: row.user_id,
      questionId: row.question_id,
      questionText: this.#atRest.openText(row.question_text),
      answer: this.#atRest.openText(row.answer),
      createdAt: row.created_at,
    }));
  }

  async recordFeedback(key: UserKey, questionId: string, helpful: boolean): Promise<void> {
    await this.#db
      .insertInto("feedback")
      .values({ ...ofUser(key), question_id: questionId, helpful, updated_at: this.#now() })
      .onConflict((oc) =>
        oc.columns(["team_id", "user_id", "question_id"]).doUpdateSet((eb) => ({
          helpful: eb.ref("excluded.helpful"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  }

  userStats(key: UserKey): Promise<UserStats> {
    return countUserActivity(this.#db, key);
  }

  claimOnce(id: string): Promise<boolean> {
    return this.#processedEvents.claim(id);
  }

  /** Forgets old delivery ids; the store calls it at open, then every few hundred claims. */
  pruneClaims(): Promise<void> {
    return this.#processedEvents.prune();
  }

  async forgetUser(key: UserKey): Promise<ForgetReport> {
    const digest = await this.#forgetKeys.digester();
    return this.#db
      .transaction()
      .execute((trx) => forgetUserRows(trx, key, digest, this.#now(), this.#atRest));
  }

  async forgetTeam(teamId: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom("asked_questions").where("team_id", "=", teamId).execute();
      await trx.deleteFrom("reflections").where("team_id", "=", teamId).execute();
      await trx.deleteFrom("feedback").where("team_id", "=", teamId).execute();
      await trx.deleteFrom("users").where("team_id", "=", teamId).execute();
      for (const table of [
        "weekly_schedules",
        "weekly_sends",
        "workspace_settings",
        "weekly_pace",
        "llm_usage",
      ] as const) {
        await trx.deleteFrom(table).where("team_id", "=", teamId).execute();
      }
      // A team's own installation is keyed by its team id (enterprise installs by enterprise id).
      await trx.deleteFrom("installations").where("install_key", "=", teamId).execute();
    });
    await this.deals.forgetTeam(teamId);
  }

  async saveInstallation(installKey: string, encrypted: string): Promise<void> {
    await this.#db
      .insertInto("installations")
      .values({ install_key: installKey, data: encrypted, updated_at: this.#now() })
      .onConflict((oc) =>
        oc.column("install_key").doUpdateSet((eb) => ({
          data: eb.ref("excluded.data"),
          updated_at: eb.ref("excluded.updated_at"),
          // A reinstall replaces the tokens a refresh under way was renewing: its lease is moot.
          refreshing_until: null,
        })),
      )
      .execute();
  }

  async fetchInstallation(installKey: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom("installations")
      .select("data")
      .where("install_key", "=", installKey)
      .executeTakeFirst();
    return row?.data;
  }

  async deleteInstallation(installKey: string): Promise<void> {
    await this.#db.deleteFrom("installations").where("install_key", "=", installKey).execute();
  }

  async claimInstallationRefresh(installKey: string, current: string, leaseMs: number): Promise<boolean> {
    const now = this.#now();
    const claimed = await this.#db
      .updateTable("installations")
      .set({ refreshing_until: new Date(now.getTime() + leaseMs) })
      .where("install_key", "=", installKey)
      .where("data", "=", current)
      .where((eb) => eb.or([eb("refreshing_until", "is", null), eb("refreshing_until", "<=", now)]))
      .executeTakeFirst();
    return claimed.numUpdatedRows > 0n;
  }

  async finishInstallationRefresh(installKey: string, current: string, next: string): Promise<boolean> {
    const done = await this.#db
      .updateTable("installations")
      .set({ data: next, updated_at: this.#now(), refreshing_until: null })
      .where("install_key", "=", installKey)
      .where("data", "=", current)
      .executeTakeFirst();
    return done.numUpdatedRows > 0n;
  }

  async releaseInstallationRefresh(installKey: string, current: string): Promise<void> {
    await this.#db
      .updateTable("installations")
      .set({ refreshing_until: null })
      .where("install_key", "=", installKey)
      .where("data", "=", current)
      .execute();
  }

  close(): Promise<void> {
    this.#closing ??= this.#db.destroy().finally(() => this.#release());
    return this.#closing;
  }
}

function ofUser(key: UserKey): { team_id: string; user_id: string } {
  return { team_id: key.teamId, user_id: key.userId };
}

function toUserRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    teamId: row.team_id,
    userId: row.user_id,
    tz: row.tz,
    settings: readStoredSettings(row.settings),
    createdAt: row.created_at,
  };
}
