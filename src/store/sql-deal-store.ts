import { type Kysely, type Selectable, sql } from "kysely";
import type { DealSource, DealState, DealUpdate } from "../domain/deal-update.js";
import { type AtRest, SEALED_JSON } from "./at-rest.js";
import type {
  AppliedUpdate,
  DealHistoryEntry,
  DealStore,
  InboxRow,
  InboxStatus,
  NewNudge,
  NudgeIntroKind,
  NudgePayload,
  NudgeRow,
  NudgeStatus,
} from "./deal-types.js";
import type { ForgetKeys } from "./forget-keys.js";
import type { OwnerLinkStore } from "./link-types.js";
import type { Database, DealInboxTable, NudgesTable } from "./schema.js";
import * as choice from "./sql-nudge-choice.js";
import { SqlOwnerLinkStore } from "./sql-owner-links.js";

// Deal updates in SQL. Work that must happen once across processes (inbox rows, nudges) is leased with
// FOR UPDATE SKIP LOCKED and keyed with unique constraints, so a second instance or a restart after a
// crash never does it twice and never drops it.

const dealKey = (source: string, dealId: string) => `${source}:${dealId}`;
const parse = <T>(value: unknown): T => (typeof value === "string" ? (JSON.parse(value) as T) : (value as T));

function toInbox(row: Selectable<DealInboxTable>, atRest: AtRest): InboxRow {
  return {
    id: String(row.id),
    source: row.source as DealSource,
    eventId: row.event_id,
    teamId: row.team_id,
    dealKey: row.deal_key,
    occurredAt: new Date(row.occurred_at),
    receivedAt: new Date(row.received_at),
    update: atRest.openJson(parse<DealUpdate>(row.payload), SEALED_JSON.deal_inbox.payload),
    status: row.status as InboxStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(row.next_attempt_at),
    lastError: row.last_error === null ? null : atRest.openText(row.last_error),
  };
}

function toNudge(row: Selectable<NudgesTable>, atRest: AtRest): NudgeRow {
  return {
    id: String(row.id),
    teamId: row.team_id,
    userId: row.user_id,
    ownerEmail: row.owner_email,
    source: row.source as DealSource,
    dealId: row.deal_id,
    triggerKey: row.trigger_key,
    payload: atRest.openJson(parse<NudgePayload>(row.payload), SEALED_JSON.nudges.payload),
    status: row.status as NudgeStatus,
    dueAt: new Date(row.due_at),
    deferReason: row.defer_reason,
    sentAt: row.sent_at ? new Date(row.sent_at) : null,
    postingAt: row.posting_at ? new Date(row.posting_at) : null,
  };
}

export class SqlDealStore implements DealStore {
  readonly links: OwnerLinkStore;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    private readonly forgetKeys: ForgetKeys,
    private readonly atRest: AtRest,
  ) {
    this.links = new SqlOwnerLinkStore(db, now, (teamId, who) => this.digestsOf(teamId, who));
  }

  private openState(value: unknown): DealState {
    return this.atRest.openJson(parse<DealState>(value), SEALED_JSON.deals.state);
  }

  private sealedState(state: DealState): string {
    return JSON.stringify(this.atRest.sealJson(state, SEALED_JSON.deals.state));
  }

  async accept(
    teamId: string,
    updates: readonly DealUpdate[],
  ): Promise<{ accepted: number; duplicates: number }> {
    if (updates.length === 0) return { accepted: 0, duplicates: 0 };
    const now = this.now();
    const inserted = await this.db
      .insertInto("deal_inbox")
      .values(
        updates.map((u) => ({
          source: u.source,
          event_id: u.eventId,
          team_id: teamId,
          deal_key: dealKey(u.source, u.deal.id),
          occurred_at: new Date(u.occurredAt),
          received_at: now,
          payload: JSON.stringify(this.atRest.sealJson(u, SEALED_JSON.deal_inbox.payload)),
          next_attempt_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(["source", "event_id"]).doNothing())
      .returning("id")
      .execute();
    return { accepted: inserted.length, duplicates: updates.length - inserted.length };
  }

  async claimInbox(limit: number, leaseMs: number): Promise<InboxRow[]> {
    const now = this.now();
    const until = new Date(now.getTime() + leaseMs);
    // Only the earliest unfinished update of each deal is claimable: later ones wait their turn.
    const result = await sql<Selectable<DealInboxTable>>`
      UPDATE deal_inbox SET status = 'processing', locked_until = ${until}, attempts = attempts + 1
      WHERE id IN (
        SELECT i.id FROM deal_inbox i
        WHERE ((i.status = 'pending' AND i.next_attempt_at <= ${now})
               OR (i.status = 'processing' AND i.locked_until < ${now}))
          AND NOT EXISTS (
            SELECT 1 FROM deal_inbox e
            WHERE e.deal_key = i.deal_key AND e.id <> i.id AND e.status IN ('pending', 'processing')
              AND (e.occurred_at < i.occurred_at OR (e.occurred_at = i.occurred_at AND e.id < i.id)))
        ORDER BY i.occurred_at, i.id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.db);
    return result.rows
      .map((row) => toInbox(row, this.atRest))
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  }

  async completeInbox(id: string): Promise<void> {
    await this.db
      .updateTable("deal_inbox")
      .set({ status: "done", locked_until: null, last_error: null })
      .where("id", "=", id)
      .execute();
  }

  async failInbox(id: string, error: string, retryAt: Date | null): Promise<void> {
    await this.db
      .updateTable("deal_inbox")
      .set({
        status: retryAt ? "pending" : "dead",
        next_attempt_at: retryAt ?? this.now(),
        locked_until: null,
        last_error: this.atRest.sealText(error.slice(0, 1000)),
      })
      .where("id", "=", id)
      .execute();
  }

  async listInbox(statuses: readonly InboxStatus[]): Promise<InboxRow[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db
      .selectFrom("deal_inbox")
      .selectAll()
      .where("status", "in", [...statuses])
      .orderBy("occurred_at")
      .orderBy("id")
      .execute();
    return rows.map((row) => toInbox(row, this.atRest));
  }

  async replayInbox(id: string): Promise<boolean> {
    if (!/^\d+$/.test(id)) return false;
    const res = await this.db
      .updateTable("deal_inbox")
      .set({
        status: "pending",
        attempts: 0,
        next_attempt_at: this.now(),
        locked_until: null,
        last_error: null,
      })
      .where("id", "=", id)
      .where("status", "in", ["dead", "done"])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async getDeal(source: DealSource, dealId: string) {
    const row = await this.db
      .selectFrom("deals")
      .select(["state", "last_event_at"])
      .where("source", "=", source)
      .where("deal_id", "=", dealId)
      .executeTakeFirst();
    return row ? { state: this.openState(row.state), lastEventAt: new Date(row.last_event_at) } : undefined;
  }

  async teamDeal(teamId: string, source: DealSource, dealId: string): Promise<DealState | undefined> {
    const row = await this.db
      .selectFrom("deals")
      .select("state")
      .where("team_id", "=", teamId)
      .where("source", "=", source)
      .where("deal_id", "=", dealId)
      .executeTakeFirst();
    return row ? this.openState(row.state) : undefined;
  }

  async saveDeal(
    teamId: string,
    state: DealState,
    lastEventAt: Date,
    history: readonly DealHistoryEntry[],
  ): Promise<void> {
    await this.db
      .transaction()
      .execute((trx) => this.writeDeal(trx, teamId, { state, lastEventAt, history }));
  }

  async applyUpdate(applied: AppliedUpdate): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      if (applied.deal) await this.writeDeal(trx, applied.teamId, applied.deal);
      let created = 0;
      for (const nudge of applied.nudges) if (await this.insertNudge(trx, nudge)) created++;
      await trx
        .updateTable("deal_inbox")
        .set({
          status: "done",
          locked_until: null,
          last_error: null,
          ...(applied.storedUpdate ? { payload: JSON.stringify(applied.storedUpdate) } : {}),
        })
        .where("id", "=", applied.inboxId)
        .execute();
      return created;
    });
  }

  private async writeDeal(
    trx: Kysely<Database>,
    teamId: string,
    deal: NonNullable<AppliedUpdate["deal"]>,
  ): Promise<void> {
    const { state, lastEventAt, history } = deal;
    const now = this.now();
    const sealed = this.sealedState(state);
    await trx
      .insertInto("deals")
      .values({
        source: state.source,
        deal_id: state.dealId,
        team_id: teamId,
        state: sealed,
        last_event_at: lastEventAt,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(["source", "deal_id"]).doUpdateSet({
          state: sealed,
          last_event_at: lastEventAt,
          updated_at: now,
          team_id: teamId,
        }),
      )
      .execute();
    if (history.length > 0) {
      await trx
        .insertInto("deal_history")
        .values(
          history.map((h) => ({
            source: state.source,
            deal_id: state.dealId,
            field: h.field,
            old_value: h.oldValue,
            new_value: h.newValue,
            occurred_at: h.occurredAt,
          })),
        )
        .execute();
    }
  }

  async dealHistory(source: DealSource, dealId: string): Promise<DealHistoryEntry[]> {
    const rows = await this.db
      .selectFrom("deal_history")
      .select(["field", "old_value", "new_value", "occurred_at"])
      .where("source", "=", source)
      .where("deal_id", "=", dealId)
      .orderBy("occurred_at")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({
      field: r.field,
      oldValue: r.old_value,
      newValue: r.new_value,
      occurredAt: new Date(r.occurred_at),
    }));
  }

  async allDeals(): Promise<Array<{ teamId: string; state: DealState }>> {
    const rows = await this.db.selectFrom("deals").select(["team_id", "state"]).execute();
    return rows.map((r) => ({ teamId: r.team_id, state: this.openState(r.state) }));
  }

  async ownerLink(teamId: string, email: string) {
    const row = await this.db
      .selectFrom("owner_links")
      .select(["user_id", "origin"])
      .where("team_id", "=", teamId)
      .where("email", "=", email.toLowerCase())
      .executeTakeFirst();
    return row ? { userId: row.user_id, origin: row.origin as "link" | "approved" | "lookup" } : undefined;
  }

  async saveOwnerLink(
    teamId: string,
    email: string,
    userId: string,
    origin: "link" | "lookup",
  ): Promise<void> {
    const now = this.now();
    const digests = await this.digestsOf(teamId, { email, userId });
    await this.db.transaction().execute(async (trx) => {
      if (origin === "link") {
        await trx
          .deleteFrom("forgotten")
          .where("team_id", "=", teamId)
          .where("digest", "in", digests)
          .execute();
      } else if (await this.anyForgotten(trx, teamId, digests)) {
        return;
      }
      await trx
        .insertInto("owner_links")
        .values({ team_id: teamId, email: email.toLowerCase(), user_id: userId, origin, updated_at: now })
        .onConflict((oc) => {
          const update = oc
            .columns(["team_id", "email"])
            .doUpdateSet({ user_id: userId, origin, updated_at: now });
          // A cached lookup never overwrites what a person linked by hand.
          return origin === "lookup" ? update.where("owner_links.origin", "=", "lookup") : update;
        })
        .execute();
    });
  }

  async isForgotten(teamId: string, who: { email?: string; userId?: string }): Promise<boolean> {
    const digests = await this.digestsOf(teamId, who);
    return digests.length > 0 && this.anyForgotten(this.db, teamId, digests);
  }

  async forgetEmail(teamId: string, email: string): Promise<void> {
    const digest = await this.forgetKeys.digester();
    await this.db
      .insertInto("forgotten")
      .values({ team_id: teamId, digest: digest.write(teamId, "email", email), created_at: this.now() })
      .onConflict((oc) => oc.columns(["team_id", "digest"]).doNothing())
      .execute();
  }

  private async digestsOf(teamId: string, who: { email?: string; userId?: string }): Promise<string[]> {
    const digest = await this.forgetKeys.digester();
    return [
      ...(who.email === undefined ? [] : digest.all(teamId, "email", who.email)),
      ...(who.userId === undefined ? [] : digest.all(teamId, "user", who.userId)),
    ];
  }

  private async anyForgotten(db: Kysely<Database>, teamId: string, digests: string[]): Promise<boolean> {
    const row = await db
      .selectFrom("forgotten")
      .select("digest")
      .where("team_id", "=", teamId)
      .where("digest", "in", digests)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async addNudge(n: NewNudge): Promise<boolean> {
    return this.insertNudge(this.db, n);
  }

  private async insertNudge(db: Kysely<Database>, n: NewNudge): Promise<boolean> {
    const inserted = await db
      .insertInto("nudges")
      .values({
        team_id: n.teamId,
        user_id: n.userId,
        owner_email: n.ownerEmail?.toLowerCase() ?? null,
        source: n.source,
        deal_id: n.dealId,
        trigger_key: n.payload.trigger.key,
        payload: JSON.stringify(this.atRest.sealJson(n.payload, SEALED_JSON.nudges.payload)),
        status: n.userId ? "pending" : "waiting_owner",
        due_at: n.dueAt,
        created_at: this.now(),
      })
      .onConflict((oc) => oc.columns(["source", "deal_id", "trigger_key"]).doNothing())
      .returning("id")
      .execute();
    return inserted.length > 0;
  }

  async claimDueNudges(limit: number, leaseMs: number): Promise<NudgeRow[]> {
    const now = this.now();
    const until = new Date(now.getTime() + leaseMs);
    const result = await sql<Selectable<NudgesTable>>`
      UPDATE nudges SET status = 'sending', locked_until = ${until}
      WHERE id IN (
        SELECT id FROM nudges
        WHERE (status = 'pending' AND due_at <= ${now}) OR (status = 'sending' AND locked_until < ${now})
        ORDER BY due_at, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.db);
    return result.rows.map((row) => toNudge(row, this.atRest));
  }

  async markNudgePosting(id: string): Promise<void> {
    // The first mark is kept: a search for the nudge must reach back to the earliest post that may exist.
    await this.db
      .updateTable("nudges")
      .set({ posting_at: sql<Date>`coalesce(posting_at, ${this.now()})` })
      .where("id", "=", id)
      .execute();
  }

  async deferNudge(id: string, until: Date, reason: string): Promise<void> {
    await this.db
      .updateTable("nudges")
      .set({ status: "pending", due_at: until, defer_reason: reason, locked_until: null })
      .where("id", "=", id)
      .execute();
  }

  async finishNudge(id: string, status: "sent" | "skipped" | "failed", reason?: string): Promise<void> {
    await this.db
      .updateTable("nudges")
      .set({
        status,
        locked_until: null,
        defer_reason: reason ?? null,
        sent_at: status === "sent" ? this.now() : null,
      })
      .where("id", "=", id)
      .execute();
  }

  async countSent(teamId: string, userId: string, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom("nudges")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("team_id", "=", teamId)
      .where("user_id", "=", userId)
      .where("status", "=", "sent")
      .where("sent_at", ">=", since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async waitingForOwner(teamId: string): Promise<NudgeRow[]> {
    const rows = await this.db
      .selectFrom("nudges")
      .selectAll()
      .where("team_id", "=", teamId)
      .where("status", "=", "waiting_owner")
      .orderBy("created_at")
      .execute();
    return rows.map((row) => toNudge(row, this.atRest));
  }

  async assignOwner(teamId: string, email: string, userId: string): Promise<number> {
    const res = await this.db
      .updateTable("nudges")
      .set({ user_id: userId, status: "pending" })
      .where("team_id", "=", teamId)
      .where("owner_email", "=", email.toLowerCase())
      .where("status", "=", "waiting_owner")
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async dealPref(teamId: string, userId: string, source: DealSource, dealId: string) {
    const row = await this.db
      .selectFrom("deal_prefs")
      .select(["snoozed_until", "muted"])
      .where("team_id", "=", teamId)
      .where("user_id", "=", userId)
      .where("source", "=", source)
      .where("deal_id", "=", dealId)
      .executeTakeFirst();
    return {
      snoozedUntil: row?.snoozed_until ? new Date(row.snoozed_until) : null,
      muted: row?.muted ?? false,
    };
  }

  async setDealPref(
    teamId: string,
    userId: string,
    source: DealSource,
    dealId: string,
    pref: { snoozedUntil?: Date | null; muted?: boolean },
  ): Promise<void> {
    const current = await this.dealPref(teamId, userId, source, dealId);
    const next = {
      snoozed_until: pref.snoozedUntil === undefined ? current.snoozedUntil : pref.snoozedUntil,
      muted: pref.muted ?? current.muted,
    };
    await this.db
      .insertInto("deal_prefs")
      .values({ team_id: teamId, user_id: userId, source, deal_id: dealId, ...next })
      .onConflict((oc) => oc.columns(["team_id", "user_id", "source", "deal_id"]).doUpdateSet(next))
      .execute();
  }

  async dealsOwnedBy(
    teamId: string,
    userId: string,
  ): Promise<Array<{ state: DealState; lastEventAt: Date }>> {
    const rows = await sql<{ state: unknown; last_event_at: Date }>`
      SELECT d.state, d.last_event_at FROM deals d
      JOIN owner_links o ON o.team_id = d.team_id AND o.email = lower(d.state -> 'snapshot' ->> 'ownerEmail')
      WHERE d.team_id = ${teamId} AND o.user_id = ${userId}
      ORDER BY d.last_event_at DESC
      LIMIT 200`.execute(this.db);
    return rows.rows.map((r) => ({
      state: this.openState(r.state),
      lastEventAt: new Date(r.last_event_at),
    }));
  }

  async dealChannels(teamId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("deal_channels")
      .select("channel_id")
      .where("team_id", "=", teamId)
      .execute();
    return rows.map((r) => r.channel_id);
  }

  async setDealChannel(teamId: string, channelId: string, on: boolean, userId?: string): Promise<void> {
    if (on) {
      await this.db
        .insertInto("deal_channels")
        .values({ team_id: teamId, channel_id: channelId, added_by: userId ?? null, created_at: this.now() })
        .onConflict((oc) => oc.columns(["team_id", "channel_id"]).doNothing())
        .execute();
    } else {
      await this.db
        .deleteFrom("deal_channels")
        .where("team_id", "=", teamId)
        .where("channel_id", "=", channelId)
        .execute();
    }
  }

  claimNudgeIntro(teamId: string, userId: string, nudgeId: string, kind: NudgeIntroKind): Promise<boolean> {
    return choice.claimNudgeIntro(this.db, this.now(), { teamId, userId, nudgeId, kind });
  }

  nudgeIntro(teamId: string, userId: string) {
    return choice.nudgeIntro(this.db, teamId, userId);
  }

  holdNudge(id: string): Promise<void> {
    return choice.holdNudge(this.db, id);
  }

  settleHeldNudges(teamId: string, userId: string, keep: boolean, freshSince: Date): Promise<number> {
    return choice.settleHeldNudges(this.db, this.now(), { teamId, userId, keep, freshSince });
  }

  nudgesDefaultOn(teamId: string): Promise<boolean> {
    return choice.nudgesDefaultOn(this.db, teamId);
  }

  setNudgesDefaultOn(teamId: string, on: boolean): Promise<void> {
    return choice.setNudgesDefaultOn(this.db, this.now(), teamId, on);
  }

  async forgetTeam(teamId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of [
        "owner_links",
        "link_requests",
        "owner_unlinks",
        "deal_prefs",
        "nudges",
        "nudge_intros",
        "deal_channels",
        "deal_inbox",
        "forgotten",
      ] as const) {
        await trx.deleteFrom(table).where("team_id", "=", teamId).execute();
      }
      const deals = await trx
        .selectFrom("deals")
        .select(["source", "deal_id"])
        .where("team_id", "=", teamId)
        .execute();
      for (const d of deals) {
        await trx
          .deleteFrom("deal_history")
          .where("source", "=", d.source)
          .where("deal_id", "=", d.deal_id)
          .execute();
      }
      await trx.deleteFrom("deals").where("team_id", "=", teamId).execute();
    });
  }
}
