import { type Kysely, type RawBuilder, type Selectable, sql } from "kysely";
import type { DealState } from "../domain/deal-update.js";
import { type AtRest, SEALED_JSON } from "./at-rest.js";
import type { Database, WeeklySchedulesTable, WeeklySendsTable } from "./schema.js";
import type { UserKey } from "./types.js";
import type {
  PaceReservation,
  SendFinish,
  WeeklyContext,
  WeeklySchedule,
  WeeklySend,
  WeeklySendStatus,
} from "./weekly-types.js";

// The delivery half of the weekly store: leasing pending sends, the per-workspace pace every sender
// shares, the context a batch of prompts needs, and finishing sends. Everything here is set-based: a
// batch of prompts costs a handful of statements, not a handful per prompt, because at 50 prompts a
// second per workspace the statements, not Slack, were what the sender spent its time on.

const date = (v: Date | string | null) => (v === null ? null : new Date(v));
const parse = <T>(value: unknown): T => (typeof value === "string" ? (JSON.parse(value) as T) : (value as T));
/** How many of a rep's deals the weekly summary looks at, most recently changed first. */
const DEALS_PER_REP = 200;

export function toSchedule(r: Selectable<WeeklySchedulesTable>): WeeklySchedule {
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

export function toSend(r: Selectable<WeeklySendsTable>): WeeklySend {
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

/** A span of milliseconds (fractional allowed: 1000/49 ms) as an SQL interval. */
const millis = (ms: number): RawBuilder<unknown> => sql`(${ms}::double precision * interval '1 millisecond')`;

export class SqlWeeklyDelivery {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly now: () => Date,
    protected readonly atRest: AtRest,
  ) {}

  async claimPending(at: Date, limit: number, leaseMs: number, teamId?: string): Promise<WeeklySend[]> {
    const until = new Date(at.getTime() + leaseMs);
    const ofTeam = teamId === undefined ? sql`` : sql`AND team_id = ${teamId}`;
    const result = await sql<Selectable<WeeklySendsTable>>`
      UPDATE weekly_sends SET locked_until = ${until}, attempts = attempts + 1
      WHERE (team_id, user_id, iso_week) IN (
        SELECT team_id, user_id, iso_week FROM weekly_sends
        WHERE status = 'pending' ${ofTeam} AND (locked_until IS NULL OR locked_until < ${at})
        ORDER BY due_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.db);
    return result.rows.map(toSend).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  }

  async pendingTeams(at: Date): Promise<string[]> {
    const result = await sql<{ team_id: string }>`
      SELECT DISTINCT team_id FROM weekly_sends
      WHERE status = 'pending' AND (locked_until IS NULL OR locked_until < ${at})`.execute(this.db);
    return result.rows.map((r) => r.team_id).sort();
  }

  async pendingCount(at: Date): Promise<number> {
    const result = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM weekly_sends
      WHERE status = 'pending' AND (locked_until IS NULL OR locked_until < ${at})`.execute(this.db);
    return Number(result.rows[0]?.n ?? 0);
  }

  async contexts(
    teamId: string,
    userIds: string[],
    recentLimit: number,
  ): Promise<Map<string, WeeklyContext>> {
    const out = new Map<string, WeeklyContext>();
    if (userIds.length === 0) return out;
    const users = sql.join(userIds);
    const [schedules, sends, answers, deals] = await Promise.all([
      this.db
        .selectFrom("weekly_schedules")
        .selectAll()
        .where("team_id", "=", teamId)
        .where("user_id", "in", userIds)
        .execute(),
      sql<Selectable<WeeklySendsTable>>`
        SELECT * FROM (
          SELECT s.*, row_number() OVER (PARTITION BY s.user_id ORDER BY s.due_at DESC) AS rn
          FROM weekly_sends s WHERE s.team_id = ${teamId} AND s.user_id IN (${users})) x
        WHERE rn <= ${recentLimit}
        ORDER BY user_id, due_at DESC`.execute(this.db),
      sql<{ user_id: string; answer: string; created_at: Date | string }>`
        SELECT DISTINCT ON (user_id) user_id, answer, created_at FROM reflections
        WHERE team_id = ${teamId} AND user_id IN (${users})
        ORDER BY user_id, created_at DESC, id DESC`.execute(this.db),
      sql<{ user_id: string; state: unknown; last_event_at: Date | string }>`
        SELECT user_id, state, last_event_at FROM (
          SELECT o.user_id, d.state, d.last_event_at,
                 row_number() OVER (PARTITION BY o.user_id ORDER BY d.last_event_at DESC) AS rn
          FROM deals d
          JOIN owner_links o ON o.team_id = d.team_id AND o.email = lower(d.state -> 'snapshot' ->> 'ownerEmail')
          WHERE d.team_id = ${teamId} AND o.user_id IN (${users})) x
        WHERE rn <= ${DEALS_PER_REP}
        ORDER BY user_id, last_event_at DESC`.execute(this.db),
    ]);
    for (const row of schedules) {
      out.set(row.user_id, { schedule: toSchedule(row), recentSends: [], lastAnswer: null, deals: [] });
    }
    for (const row of sends.rows) out.get(row.user_id)?.recentSends.push(toSend(row));
    for (const row of answers.rows) {
      const context = out.get(row.user_id);
      if (context)
        context.lastAnswer = { text: this.atRest.openText(row.answer), at: new Date(row.created_at) };
    }
    for (const row of deals.rows) {
      out.get(row.user_id)?.deals.push({
        state: this.atRest.openJson(parse<DealState>(row.state), SEALED_JSON.deals.state),
        lastEventAt: new Date(row.last_event_at),
      });
    }
    return out;
  }

  async finishSends(finishes: SendFinish[]): Promise<void> {
    if (finishes.length === 0) return;
    const now = this.now();
    const sends = sql.join(
      finishes.map(
        (f) =>
          sql`(${f.teamId}::text, ${f.userId}::text, ${f.week}::text, ${f.status}::text, ${f.channel ?? null}::text,
               ${f.ts ?? null}::text, ${f.promptId ?? null}::text, ${f.kind ?? null}::text)`,
      ),
    );
    await this.db.transaction().execute(async (trx) => {
      // Only a pending send ends: a sender that comes back after its lease ran out cannot overwrite what
      // the sender that took over recorded.
      const ended = await sql<{ team_id: string; user_id: string; iso_week: string }>`
        UPDATE weekly_sends AS s SET
          status = v.status, locked_until = NULL,
          channel = COALESCE(v.channel, s.channel), ts = COALESCE(v.ts, s.ts),
          prompt_id = COALESCE(v.prompt_id, s.prompt_id), kind = COALESCE(v.kind, s.kind),
          sent_at = CASE WHEN v.status = 'sent' THEN ${now}::timestamptz ELSE s.sent_at END
        FROM (VALUES ${sends}) AS v(team_id, user_id, iso_week, status, channel, ts, prompt_id, kind)
        WHERE s.team_id = v.team_id AND s.user_id = v.user_id AND s.iso_week = v.iso_week
          AND s.status = 'pending'
        RETURNING s.team_id, s.user_id, s.iso_week`.execute(trx);
      // Schedule changes go with the sends that did end, and no others.
      const endedKeys = new Set(ended.rows.map((r) => `${r.team_id}\u0000${r.user_id}\u0000${r.iso_week}`));
      const moves = finishes.filter(
        (f) => f.schedule && endedKeys.has(`${f.teamId}\u0000${f.userId}\u0000${f.week}`),
      );
      if (moves.length === 0) return;
      const values = sql.join(
        moves.map(
          (f) =>
            sql`(${f.teamId}::text, ${f.userId}::text, ${f.schedule?.unanswered ?? null}::integer,
                 ${f.schedule?.awaitingChoice ?? null}::boolean)`,
        ),
      );
      await sql`
        UPDATE weekly_schedules AS s SET
          unanswered = COALESCE(v.unanswered, s.unanswered),
          awaiting_choice = COALESCE(v.awaiting_choice, s.awaiting_choice),
          updated_at = ${now}
        FROM (VALUES ${values}) AS v(team_id, user_id, unanswered, awaiting_choice)
        WHERE s.team_id = v.team_id AND s.user_id = v.user_id`.execute(trx);
    });
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
    await this.updateSend(key, week).set({ locked_until: retryAt }).execute();
  }

  async returnSends(sends: WeeklySend[]): Promise<void> {
    if (sends.length === 0) return;
    const values = sql.join(
      sends.map((s) => sql`(${s.teamId}::text, ${s.userId}::text, ${s.week}::text, ${s.attempts}::integer)`),
    );
    // attempts still equal to what this lease made them: nobody has leased the send since.
    await sql`
      UPDATE weekly_sends AS s SET locked_until = NULL, attempts = s.attempts - 1
      FROM (VALUES ${values}) AS v(team_id, user_id, iso_week, attempts)
      WHERE s.team_id = v.team_id AND s.user_id = v.user_id AND s.iso_week = v.iso_week
        AND s.attempts = v.attempts AND s.status = 'pending'`.execute(this.db);
  }

  /** An update of one rep's send for one ISO week. */
  protected updateSend(key: UserKey, week: string) {
    return this.db
      .updateTable("weekly_sends")
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .where("iso_week", "=", week);
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

  async reservePace(
    teamId: string,
    holder: string,
    count: number,
    intervalMs: number,
    now: Date,
    keepMs?: number,
  ): Promise<PaceReservation> {
    const span = millis(count * intervalMs);
    // Held by another sender that is still posting (its pace is less than keepMs behind now): no update.
    const free =
      keepMs === undefined
        ? sql``
        : sql`WHERE p.holder IS NULL OR p.holder = ${holder} OR p.next_at + ${millis(keepMs)} <= ${now}::timestamptz`;
    // The row lock taken by the upsert orders concurrent senders: each gets the slots after the last one
    // reserved, or starting now when the workspace has been idle. In SET, p.holder is the old value; a
    // released hold (holder NULL) still names its sender in prev_holder, as the one before these slots.
    const result = await sql<{ start: Date | string; previous: string | null }>`
      INSERT INTO weekly_pace AS p (team_id, next_at, holder)
      VALUES (${teamId}, ${now}::timestamptz + ${span}, ${holder})
      ON CONFLICT (team_id) DO UPDATE SET
        next_at = GREATEST(p.next_at, ${now}::timestamptz) + ${span}, holder = ${holder},
        prev_holder = COALESCE(p.holder, p.prev_holder)
      ${free}
      RETURNING p.next_at - ${span} AS start, p.prev_holder AS previous`.execute(this.db);
    const row = result.rows[0];
    if (row) return { start: new Date(row.start), previousHolder: row.previous ?? null };
    const held = await this.db
      .selectFrom("weekly_pace")
      .select(["holder", "next_at"])
      .where("team_id", "=", teamId)
      .executeTakeFirst();
    // Released between the two statements: free now (the caller asks again).
    if (!held?.holder) return { start: null, holder: "", freeAt: now };
    return {
      start: null,
      holder: held.holder,
      freeAt: new Date(new Date(held.next_at).getTime() + (keepMs ?? 0)),
    };
  }

  async releasePace(teamId: string, holder: string): Promise<void> {
    await sql`
      UPDATE weekly_pace SET holder = NULL, prev_holder = holder
      WHERE team_id = ${teamId} AND holder = ${holder}`.execute(this.db);
  }

  async pausePace(teamId: string, until: Date): Promise<void> {
    await sql`
      INSERT INTO weekly_pace AS p (team_id, next_at) VALUES (${teamId}, ${until})
      ON CONFLICT (team_id) DO UPDATE SET next_at = GREATEST(p.next_at, EXCLUDED.next_at)`.execute(this.db);
  }
}
