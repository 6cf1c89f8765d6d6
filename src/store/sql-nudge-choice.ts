import type { Kysely } from "kysely";
import type { NudgeIntro, NudgeIntroKind } from "./deal-types.js";
import type { Database } from "./schema.js";

// The store side of chosen nudges (migrations/008_nudge_choice.sql): the per-rep claim on the one-time
// introduction, held nudges, and the workspace's default. Used by SqlDealStore.

const COLUMNS = {
  invitation: { id: "invite_nudge_id", at: "invited_at" },
  notice: { id: "notice_nudge_id", at: "noticed_at" },
} as const;

export async function claimNudgeIntro(
  db: Kysely<Database>,
  now: Date,
  key: { teamId: string; userId: string; nudgeId: string; kind: NudgeIntroKind },
): Promise<boolean> {
  const col = COLUMNS[key.kind];
  // One statement: the row lock orders two senders racing for the same rep, and the loser's update
  // matches nothing because the column is no longer null.
  const claimed = await db
    .insertInto("nudge_intros")
    .values({ team_id: key.teamId, user_id: key.userId, [col.id]: key.nudgeId, [col.at]: now })
    .onConflict((oc) =>
      oc
        .columns(["team_id", "user_id"])
        .doUpdateSet({ [col.id]: key.nudgeId, [col.at]: now })
        .where(`nudge_intros.${col.id}`, "is", null),
    )
    .returning(col.id)
    .executeTakeFirst();
  if (claimed) return true;
  const row = await db
    .selectFrom("nudge_intros")
    .select(col.id)
    .where("team_id", "=", key.teamId)
    .where("user_id", "=", key.userId)
    .executeTakeFirst();
  return row !== undefined && String(row[col.id]) === key.nudgeId;
}

export async function nudgeIntro(
  db: Kysely<Database>,
  teamId: string,
  userId: string,
): Promise<NudgeIntro | undefined> {
  const row = await db
    .selectFrom("nudge_intros")
    .select(["invite_nudge_id", "notice_nudge_id"])
    .where("team_id", "=", teamId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    inviteNudgeId: row.invite_nudge_id === null ? null : String(row.invite_nudge_id),
    noticeNudgeId: row.notice_nudge_id === null ? null : String(row.notice_nudge_id),
  };
}

export async function holdNudge(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable("nudges")
    .set({ status: "awaiting_choice", locked_until: null, defer_reason: "awaiting choice" })
    .where("id", "=", id)
    .execute();
}

export async function settleHeldNudges(
  db: Kysely<Database>,
  now: Date,
  key: { teamId: string; userId: string; keep: boolean; freshSince: Date },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const held = trx
      .updateTable("nudges")
      .where("team_id", "=", key.teamId)
      .where("user_id", "=", key.userId)
      .where("status", "=", "awaiting_choice");
    let released = 0;
    if (key.keep) {
      const res = await held
        // posting_at went with the invitation this nudge may have carried: its own post is still to come.
        .set({ status: "pending", due_at: now, defer_reason: null, posting_at: null })
        .where("created_at", ">=", key.freshSince)
        .executeTakeFirst();
      released = Number(res.numUpdatedRows);
    }
    await held
      .set({ status: "skipped", defer_reason: key.keep ? "stale while awaiting choice" : "nudges declined" })
      .execute();
    return released;
  });
}

export async function nudgesDefaultOn(db: Kysely<Database>, teamId: string): Promise<boolean> {
  const row = await db
    .selectFrom("workspace_settings")
    .select("nudges_default_on")
    .where("team_id", "=", teamId)
    .executeTakeFirst();
  return row?.nudges_default_on === true;
}

export async function setNudgesDefaultOn(
  db: Kysely<Database>,
  now: Date,
  teamId: string,
  on: boolean,
): Promise<void> {
  await db
    .insertInto("workspace_settings")
    .values({
      team_id: teamId,
      weekly_day: null,
      weekly_time: null,
      default_tz: null,
      nudges_default_on: on,
      updated_at: now,
    })
    .onConflict((oc) => oc.column("team_id").doUpdateSet({ nudges_default_on: on, updated_at: now }))
    .execute();
}
