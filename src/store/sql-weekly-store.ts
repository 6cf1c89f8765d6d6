import { type Selectable, sql } from "kysely";
import type { WeeklySchedulesTable } from "./schema.js";
import { readStoredSettings } from "./settings.js";
import { SqlWeeklyDelivery, toSchedule } from "./sql-weekly-delivery.js";
import type { UserKey } from "./types.js";
import type { DueRow, WeeklySchedule, WeeklyStore } from "./weekly-types.js";

// Weekly prompts in SQL. The exactly-once rules live in the schema: one weekly_sends row per rep and ISO
// week (primary key), written before the Web API call; schedules and sends are claimed with
// FOR UPDATE SKIP LOCKED, so two senders never take the same rep.

type DueSql = Selectable<WeeklySchedulesTable> & {
  tz: string | null;
  settings: unknown;
  workspace_tz: string | null;
};

function toDue(r: DueSql): DueRow {
  return {
    ...toSchedule(r),
    tz: r.tz,
    settings: readStoredSettings(r.settings),
    workspaceTz: r.workspace_tz,
  };
}

export class SqlWeeklyStore extends SqlWeeklyDelivery implements WeeklyStore {
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
      SELECT s.*, u.tz, u.settings, w.default_tz AS workspace_tz FROM weekly_schedules s
      JOIN users u ON u.team_id = s.team_id AND u.user_id = s.user_id
      LEFT JOIN workspace_settings w ON w.team_id = s.team_id
      WHERE s.enabled AND NOT s.awaiting_choice AND s.next_run_at <= ${at}
      ORDER BY s.next_run_at, s.team_id, s.user_id
      LIMIT ${limit}`.execute(this.db);
    return rows.rows.map(toDue);
  }

  async claimDue(
    at: Date,
    limit: number,
    plan: (row: DueRow) => { week: string; nextRunAt: Date },
  ): Promise<{ claimed: number; created: number }> {
    const now = this.now();
    return this.db.transaction().execute(async (trx) => {
      const locked = await sql<DueSql>`
        SELECT s.*, u.tz, u.settings, w.default_tz AS workspace_tz FROM weekly_schedules s
        JOIN users u ON u.team_id = s.team_id AND u.user_id = s.user_id
        LEFT JOIN workspace_settings w ON w.team_id = s.team_id
        WHERE s.enabled AND NOT s.awaiting_choice AND s.next_run_at <= ${at}
        ORDER BY s.next_run_at
        LIMIT ${limit}
        FOR UPDATE OF s SKIP LOCKED`.execute(trx);
      if (locked.rows.length === 0) return { claimed: 0, created: 0 };
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
        .executeTakeFirst();
      const moves = sql.join(
        planned.map(({ row, nextRunAt }) => sql`(${row.teamId}, ${row.userId}, ${nextRunAt}::timestamptz)`),
      );
      await sql`
        UPDATE weekly_schedules AS s SET next_run_at = v.next_run_at, updated_at = ${now}
        FROM (VALUES ${moves}) AS v(team_id, user_id, next_run_at)
        WHERE s.team_id = v.team_id AND s.user_id = v.user_id`.execute(trx);
      return { claimed: locked.rows.length, created: Number(inserted.numInsertedOrUpdatedRows ?? 0) };
    });
  }

  async markAnswered(key: UserKey, week: string, at: Date): Promise<boolean> {
    const res = await this.updateSend(key, week).set({ answered_at: at }).executeTakeFirst();
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
