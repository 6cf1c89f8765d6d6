import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, WeeklySchedulesTable, WeeklySendsTable } from "./schema.js";
import { readStoredSettings } from "./settings.js";
import type { UserKey } from "./types.js";
import type { DueRow, WeeklySchedule, WeeklySend, WeeklySendStatus, WeeklyStore } from "./weekly-types.js";

// Weekly prompts in SQL. The exactly-once rules live in the schema: one weekly_sends row per rep and ISO
// week (primary key), written before the Web API call; schedules and sends are claimed with
// FOR UPDATE SKIP LOCKED, so two senders never take the same rep.

const date = (v: Date | string | null) => (v === null ? null : new Date(v));

function toSchedule(r: Selectable<WeeklySchedulesTable>): WeeklySchedule {
  return {
    teamId: r.team_id,
    userId: r.user_id,
    enabled: r.enabled,
    nextRunAt: date(r.next_run_at),
    snoozedUntil: date(r.snoozed_until),
    skipWeek: r.skip_week,
    unanswered: Number(r.unanswered),
    awaitingChoice: r.awaiting_choice,
    invitedAt: date(r.invited_at),
  };
}

function toSend(r: Selectable<WeeklySendsTable>): WeeklySend {
  return {
    teamId: r.team_id,
    userId: r.user_id,
    week: r.iso_week,
    status: r.status as WeeklySendStatus,
    kind: r.kind as WeeklySend["kind"],
    promptId: r.prompt_id,
    dueAt: new Date(r.due_at),
    attempts: Number(r.attempts),
    channel: r.channel,
    ts: r.ts,
    sentAt: date(r.sent_at),
    answeredAt: date(r.answered_at),
  };
}

type DueSql = Selectable<WeeklySchedulesTable> & { tz: string | null; settings: unknown };

function toDue(r: DueSql): DueRow {
  return { ...toSchedule(r), tz: r.tz, settings: readStoredSettings(r.settings) };
}

export class SqlWeeklyStore implements WeeklyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  async getSchedule(key: UserKey): Promise<WeeklySchedule | undefined> {
    const row = await this.db
      .selectFrom("weekly_schedules")
      .selectAll()
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .executeTakeFirst();
    return row && toSchedule(row);
  }

  async saveSchedule(
    key: UserKey,
    patch: Partial<Omit<WeeklySchedule, "teamId" | "userId">>,
  ): Promise<WeeklySchedule> {
    const set = {
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.nextRunAt !== undefined ? { next_run_at: patch.nextRunAt } : {}),
      ...(patch.snoozedUntil !== undefined ? { snoozed_until: patch.snoozedUntil } : {}),
      ...(patch.skipWeek !== undefined ? { skip_week: patch.skipWeek } : {}),
      ...(patch.unanswered !== undefined ? { unanswered: patch.unanswered } : {}),
      ...(patch.awaitingChoice !== undefined ? { awaiting_choice: patch.awaitingChoice } : {}),
      ...(patch.invitedAt !== undefined ? { invited_at: patch.invitedAt } : {}),
      updated_at: this.now(),
    };
    const row = await this.db
      .insertInto("weekly_schedules")
      .values({ team_id: key.teamId, user_id: key.userId, enabled: false, ...set })
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doUpdateSet(set))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSchedule(row);
  }

  async markInvited(key: UserKey): Promise<boolean> {
    const now = this.now();
    await this.db
      .insertInto("weekly_schedules")
      .values({ team_id: key.teamId, user_id: key.userId, enabled: false, updated_at: now })
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doNothing())
      .execute();
    const res = await this.db
      .updateTable("weekly_schedules")
      .set({ invited_at: now, updated_at: now })
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .where("invited_at", "is", null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async due(at: Date, limit = 100_000): Promise<DueRow[]> {
    const rows = await sql<DueSql>`
      SELECT s.*, u.tz, u.settings FROM weekly_schedules s
      JOIN users u ON u.team_id = s.team_id AND u.user_id = s.user_id
      WHERE s.enabled AND NOT s.awaiting_choice AND s.next_run_at <= ${at}
      ORDER BY s.next_run_at, s.team_id, s.user_id
      LIMIT ${limit}`.execute(this.db);
    return rows.rows.map(toDue);
  }

  async claimDue(
    at: Date,
    limit: number,
    plan: (row: DueRow) => { week: string; nextRunAt: Date },
  ): Promise<WeeklySend[]> {
    const now = this.now();
    return this.db.transaction().execute(async (trx) => {
      const locked = await sql<DueSql>`
        SELECT s.*, u.tz, u.settings FROM weekly_schedules s
        JOIN users u ON u.team_id = s.team_id AND u.user_id = s.user_id
        WHERE s.enabled AND NOT s.awaiting_choice AND s.next_run_at <= ${at}
        ORDER BY s.next_run_at
        LIMIT ${limit}
        FOR UPDATE OF s SKIP LOCKED`.execute(trx);
      if (locked.rows.length === 0) return [];
      // Two statements per batch, whatever its size: one insert of the week's send rows (an existing one
      // is kept as it is) and one update moving every locked schedule to its next run.
      const planned = locked.rows.map((raw) => {
        const row = toDue(raw);
        return { row, ...plan(row) };
      });
      const inserted = await trx
        .insertInto("weekly_sends")
        .values(
          planned.map(({ row, week }) => ({
            team_id: row.teamId,
            user_id: row.userId,
            iso_week: week,
            status: "pending",
            due_at: row.nextRunAt ?? at,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(["team_id", "user_id", "iso_week"]).doNothing())
        .returningAll()
        .execute();
      const moves = sql.join(
        planned.map(({ row, nextRunAt }) => sql`(${row.teamId}, ${row.userId}, ${nextRunAt}::timestamptz)`),
      );
      await sql`
        UPDATE weekly_schedules AS s SET next_run_at = v.next_run_at, updated_at = ${now}
        FROM (VALUES ${moves}) AS v(team_id, user_id, next_run_at)
        WHERE s.team_id = v.team_id AND s.user_id = v.user_id`.execute(trx);
      const created = inserted.map(toSend);
      return created;
    });
  }

  async claimPending(at: Date, limit: number, leaseMs: number): Promise<WeeklySend[]> {
    const until = new Date(at.getTime() + leaseMs);
    const result = await sql<Selectable<WeeklySendsTable>>`
      UPDATE weekly_sends SET locked_until = ${until}, attempts = attempts + 1
      WHERE (team_id, user_id, iso_week) IN (
        SELECT team_id, user_id, iso_week FROM weekly_sends
        WHERE status = 'pending' AND (locked_until IS NULL OR locked_until < ${at})
        ORDER BY due_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.db);
    return result.rows.map(toSend).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  }

  async finishSend(
    key: UserKey,
    week: string,
    result: {
      status: WeeklySendStatus;
      channel?: string;
      ts?: string;
      promptId?: string;
      kind?: WeeklySend["kind"];
    },
  ): Promise<void> {
    await this.db
      .updateTable("weekly_sends")
      .set({
        status: result.status,
        locked_until: null,
        ...(result.channel ? { channel: result.channel } : {}),
        ...(result.ts ? { ts: result.ts } : {}),
        ...(result.promptId ? { prompt_id: result.promptId } : {}),
        ...(result.kind ? { kind: result.kind } : {}),
        ...(result.status === "sent" ? { sent_at: this.now() } : {}),
      })
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .where("iso_week", "=", week)
      .execute();
  }

  async hasPending(): Promise<boolean> {
    const row = await this.db
      .selectFrom("weekly_sends")
      .select("iso_week")
      .where("status", "=", "pending")
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async releaseSend(key: UserKey, week: string, retryAt: Date): Promise<void> {
    await this.db
      .updateTable("weekly_sends")
      .set({ locked_until: retryAt })
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .where("iso_week", "=", week)
      .execute();
  }

  async recentSends(key: UserKey, limit: number): Promise<WeeklySend[]> {
    const rows = await this.db
      .selectFrom("weekly_sends")
      .selectAll()
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .orderBy("due_at", "desc")
      .limit(limit)
      .execute();
    return rows.map(toSend);
  }

  async markAnswered(key: UserKey, week: string, at: Date): Promise<boolean> {
    const res = await this.db
      .updateTable("weekly_sends")
      .set({ answered_at: at })
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .where("iso_week", "=", week)
      .executeTakeFirst();
    await this.db
      .updateTable("weekly_schedules")
      .set({ unanswered: 0, updated_at: this.now() })
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .execute();
    return Number(res.numUpdatedRows) > 0;
  }

  async workspaceDefaults(teamId: string) {
    const row = await this.db
      .selectFrom("workspace_settings")
      .selectAll()
      .where("team_id", "=", teamId)
      .executeTakeFirst();
    return { day: row?.weekly_day ?? null, time: row?.weekly_time ?? null, tz: row?.default_tz ?? null };
  }

  async setWorkspaceDefaults(
    teamId: string,
    defaults: { day?: number; time?: string; tz?: string | null },
  ): Promise<void> {
    const set = {
      ...(defaults.day !== undefined ? { weekly_day: defaults.day } : {}),
      ...(defaults.time !== undefined ? { weekly_time: defaults.time } : {}),
      ...(defaults.tz !== undefined ? { default_tz: defaults.tz } : {}),
      updated_at: this.now(),
    };
    await this.db
      .insertInto("workspace_settings")
      .values({ team_id: teamId, ...set })
      .onConflict((oc) => oc.column("team_id").doUpdateSet(set))
      .execute();
  }
}
