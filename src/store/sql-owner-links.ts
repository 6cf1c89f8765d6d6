import { type Kysely, sql, type Transaction } from "kysely";
import type { ClaimResult, ConfirmedOrigin, LinkRequest, OwnerLinkStore, Unlinked } from "./link-types.js";
import type { Database } from "./schema.js";

// Owner links, link requests and unlinks in SQL (migrations/006_link_requests.sql).

type Db = Kysely<Database> | Transaction<Database>;

export class SqlOwnerLinkStore implements OwnerLinkStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    /**
     * The keyed hashes /coach forget left for this e-mail and user. A link that takes effect ends them
     * (README "Forget": they chose nudges again). Worked out before the transaction, which on the
     * embedded store's one connection could not wait for another statement.
     */
    private readonly forgottenDigests: (
      teamId: string,
      who: { email: string; userId: string },
    ) => Promise<string[]> = async () => [],
  ) {}

  async claim(teamId: string, email: string, userId: string, origin: ConfirmedOrigin): Promise<ClaimResult> {
    const lowered = email.toLowerCase();
    const digests = await this.forgottenDigests(teamId, { email: lowered, userId });
    return this.db
      .transaction()
      .execute((trx) => this.claimIn(trx, teamId, lowered, userId, origin, digests));
  }

  private async claimIn(
    trx: Db,
    teamId: string,
    email: string,
    userId: string,
    origin: ConfirmedOrigin,
    forgotten: string[],
  ): Promise<ClaimResult> {
    const now = this.now();
    // One statement decides: the row is written only when it is new, already this user's, or (for the
    // user's own profile e-mail) a cached lookup, which their profile now contradicts. An approval never
    // overrides a lookup: that is Slack saying the e-mail is on someone else's profile. Under
    // concurrency PostgreSQL re-checks the WHERE against the row that won.
    const before = await trx
      .selectFrom("owner_links")
      .select(["user_id", "origin"])
      .where("team_id", "=", teamId)
      .where("email", "=", email)
      .executeTakeFirst();
    const written = await trx
      .insertInto("owner_links")
      .values({ team_id: teamId, email, user_id: userId, origin, updated_at: now })
      .onConflict((oc) =>
        oc
          .columns(["team_id", "email"])
          .doUpdateSet({ user_id: userId, origin, updated_at: now })
          .where((eb) =>
            origin === "link"
              ? eb.or([eb("owner_links.origin", "=", "lookup"), eb("owner_links.user_id", "=", userId)])
              : eb("owner_links.user_id", "=", userId),
          ),
      )
      .returning("user_id")
      .execute();
    if (written.length === 0) return "taken";
    if (forgotten.length > 0)
      await trx
        .deleteFrom("forgotten")
        .where("team_id", "=", teamId)
        .where("digest", "in", forgotten)
        .execute();
    await trx
      .deleteFrom("link_requests")
      .where("team_id", "=", teamId)
      .where("email", "=", email)
      .where("user_id", "=", userId)
      .execute();
    await trx
      .deleteFrom("owner_unlinks")
      .where("team_id", "=", teamId)
      .where("email", "=", email)
      .where("user_id", "=", userId)
      .execute();
    return before?.user_id === userId && before.origin !== "lookup" ? "already" : "linked";
  }

  async request(teamId: string, email: string, userId: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto("link_requests")
      .values({ team_id: teamId, email: email.toLowerCase(), user_id: userId, requested_at: this.now() })
      .onConflict((oc) => oc.columns(["team_id", "email", "user_id"]).doNothing())
      .returning("user_id")
      .execute();
    return inserted.length > 0;
  }

  async requests(teamId: string, limit: number): Promise<LinkRequest[]> {
    const rows = await this.db
      .selectFrom("link_requests")
      .select(["email", "user_id", "requested_at"])
      .where("team_id", "=", teamId)
      .orderBy("requested_at")
      .orderBy("email")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ email: r.email, userId: r.user_id, requestedAt: new Date(r.requested_at) }));
  }

  async approve(teamId: string, email: string, userId: string): Promise<ClaimResult | "missing"> {
    const lowered = email.toLowerCase();
    const digests = await this.forgottenDigests(teamId, { email: lowered, userId });
    return this.db.transaction().execute(async (trx) => {
      if (!(await this.take(trx, teamId, email, userId))) return "missing";
      return this.claimIn(trx, teamId, lowered, userId, "approved", digests);
    });
  }

  decline(teamId: string, email: string, userId: string): Promise<boolean> {
    return this.take(this.db, teamId, email, userId);
  }

  private async take(db: Db, teamId: string, email: string, userId: string): Promise<boolean> {
    const res = await db
      .deleteFrom("link_requests")
      .where("team_id", "=", teamId)
      .where("email", "=", email.toLowerCase())
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  unlink(teamId: string, userId: string): Promise<Unlinked> {
    return this.db.transaction().execute(async (trx) => {
      const links = await trx
        .deleteFrom("owner_links")
        .where("team_id", "=", teamId)
        .where("user_id", "=", userId)
        .returning("email")
        .execute();
      const emails = links.map((l) => l.email).sort();
      const requests = await trx
        .deleteFrom("link_requests")
        .where("team_id", "=", teamId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      let nudges = 0;
      if (emails.length > 0) {
        const now = this.now();
        await trx
          .insertInto("owner_unlinks")
          .values(emails.map((email) => ({ team_id: teamId, email, user_id: userId, created_at: now })))
          .onConflict((oc) => oc.columns(["team_id", "email", "user_id"]).doNothing())
          .execute();
        // Not yet sent: they wait for the e-mail's rightful owner instead. One a sender has already
        // leased (status "sending") may still arrive.
        const moved = await trx
          .updateTable("nudges")
          .set({ user_id: null, status: "waiting_owner", locked_until: null })
          .where("team_id", "=", teamId)
          .where("user_id", "=", userId)
          .where("owner_email", "in", emails)
          .where("status", "=", "pending")
          .executeTakeFirst();
        nudges = Number(moved.numUpdatedRows);
      }
      return { emails, requests: Number(requests.numDeletedRows), nudges };
    });
  }

  async isUnlinked(teamId: string, email: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("owner_unlinks")
      .select(sql<number>`1`.as("one"))
      .where("team_id", "=", teamId)
      .where("email", "=", email.toLowerCase())
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
