import { type Kysely, type SqlBool, sql } from "kysely";
import { type AtRest, SEALED_JSON } from "./at-rest.js";
import type { Digester } from "./forget-keys.js";
import type { Database } from "./schema.js";
import type { ForgetReport, UserKey } from "./types.js";

// /coach forget, table by table, in the caller's transaction (README "Forget"). Every row that holds the
// user's Slack id or one of their CRM e-mails is deleted, or keeps going with the id or e-mail removed
// when the row belongs to someone else (a deal channel they added). Their CRM e-mails are the ones
// linked to them, by /coach link or by a lookup, and the ones their nudges were addressed to.
//
// A table added later that holds a user's id or e-mail must be added here: the catalogue test
// (test/unit/forget.test.ts) fills every table, forgets, and scans every text and jsonb column of every
// table for what should have gone.
//
// Tables of workspace data with no personal content, which a user's forget leaves alone and forgetting
// the team deletes (SqlStore.forgetTeam): processed_events, installations, workspace_settings,
// weekly_pace, and llm_usage (the model's tokens per workspace and day, docs/llm.md "Token cap").

export async function forgetUserRows(
  trx: Kysely<Database>,
  key: UserKey,
  digest: Digester,
  now: Date,
  atRest: AtRest,
): Promise<ForgetReport> {
  const { teamId, userId } = key;
  const emails = await emailsOf(trx, key);
  // Any column's text that contains one of their e-mails, case-insensitively (jsonb as its JSON text).
  const patterns = emails.map((email) => `%${escapeLike(email)}%`);
  const mentions = (text: ReturnType<typeof sql>) => sql<SqlBool>`${text} ILIKE ANY(${patterns}::text[])`;

  // The deals the CRM says they own go whole: their names, amounts, notes and history are about them.
  const owned = await trx
    .selectFrom("deals")
    .select(["source", "deal_id"])
    .where("team_id", "=", teamId)
    .where(sql<SqlBool>`lower(state -> 'snapshot' ->> 'ownerEmail') = ANY(${emails}::text[])`)
    .execute();
  const ownedKeys = owned.map((d) => `${d.source}:${d.deal_id}`);
  const isOwned = (source: string, dealId: string) =>
    sql<SqlBool>`(${sql.ref(source)} || ':' || ${sql.ref(dealId)}) = ANY(${ownedKeys}::text[])`;
  const inTeam = sql<SqlBool>`(source, deal_id) IN (SELECT source, deal_id FROM deals WHERE team_id = ${teamId})`;

  const dealHistory = await trx
    .deleteFrom("deal_history")
    .where((eb) =>
      eb.or([
        isOwned("source", "deal_id"),
        eb.and([inTeam, mentions(sql`coalesce(old_value, '') || ' ' || coalesce(new_value, '')`)]),
      ]),
    )
    .executeTakeFirst();
  // Updates of their deals and any other update that names them (a deal handed from them to another).
  const dealUpdates = await trx
    .deleteFrom("deal_inbox")
    .where("team_id", "=", teamId)
    .where((eb) => eb.or([sql<SqlBool>`deal_key = ANY(${ownedKeys}::text[])`, mentions(sql`payload::text`)]))
    .executeTakeFirst();
  const deals = await trx
    .deleteFrom("deals")
    .where("team_id", "=", teamId)
    .where(isOwned("source", "deal_id"))
    .executeTakeFirst();
  // Someone else's deal that names them in a field (a next step, a note) keeps going without it. Sealed
  // fields (docs/encryption.md) are ciphertext to SQL, so each deal is opened and searched here, and one
  // that names them is sealed again without it.
  const cleared = new Set<string>();
  const mentionIn = emailMatcher(emails);
  for (const row of await trx
    .selectFrom("deals")
    .select(["source", "deal_id", "state"])
    .where("team_id", "=", teamId)
    .execute()) {
    const paths = SEALED_JSON.deals.state;
    const text = JSON.stringify(atRest.openJson(asJson(row.state), paths));
    if (!mentionIn.test(text)) continue;
    await trx
      .updateTable("deals")
      .set({ state: JSON.stringify(atRest.sealJson(JSON.parse(mentionIn.replace(text)), paths)) })
      .where("source", "=", row.source)
      .where("deal_id", "=", row.deal_id)
      .execute();
    cleared.add(`${row.source}:${row.deal_id}`);
  }
  // Updates and nudges that name them inside a sealed note go as those naming them in plain fields do.
  let sealedUpdates = 0;
  let sealedNudges = 0;
  for (const table of ["deal_inbox", "nudges"] as const) {
    const paths = SEALED_JSON[table].payload;
    const named: string[] = [];
    for (const row of await trx
      .selectFrom(table)
      .select(["id", "payload"])
      .where("team_id", "=", teamId)
      .execute())
      if (mentionIn.test(JSON.stringify(atRest.openJson(asJson(row.payload), paths))))
        named.push(String(row.id));
    if (named.length > 0) {
      const res = await trx.deleteFrom(table).where("id", "in", named).executeTakeFirst();
      if (table === "deal_inbox") sealedUpdates += Number(res.numDeletedRows);
      else sealedNudges += Number(res.numDeletedRows);
    }
  }
  const nudges = await trx
    .deleteFrom("nudges")
    .where("team_id", "=", teamId)
    .where((eb) =>
      eb.or([
        eb("user_id", "=", userId),
        sql<SqlBool>`lower(owner_email) = ANY(${emails}::text[])`,
        isOwned("source", "deal_id"),
        mentions(sql`payload::text`),
      ]),
    )
    .executeTakeFirst();
  const crmLinks = await trx
    .deleteFrom("owner_links")
    .where("team_id", "=", teamId)
    .where((eb) => eb.or([eb("user_id", "=", userId), sql<SqlBool>`email = ANY(${emails}::text[])`]))
    .executeTakeFirst();
  // Requests to link an e-mail that wait for an admin, and "don't look me up again" records (/coach unlink).
  const linkRecords = await Promise.all(
    (["link_requests", "owner_unlinks"] as const).map((table) =>
      trx
        .deleteFrom(table)
        .where("team_id", "=", teamId)
        .where((eb) =>
          eb.or([eb("user_id", "=", userId), sql<SqlBool>`lower(email) = ANY(${emails}::text[])`]),
        )
        .executeTakeFirst(),
    ),
  );
  const channels = await trx
    .updateTable("deal_channels")
    .set({ added_by: null })
    .where("team_id", "=", teamId)
    .where("added_by", "=", userId)
    .executeTakeFirst();

  const ofUser = async (
    table:
      | "deal_prefs"
      | "nudge_intros"
      | "weekly_schedules"
      | "weekly_sends"
      | "users"
      | "asked_questions"
      | "reflections"
      | "feedback",
  ) => {
    const res = await trx
      .deleteFrom(table)
      .where("team_id", "=", teamId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  };
  const dealPrefs = await ofUser("deal_prefs");
  const weekly = (await ofUser("weekly_schedules")) + (await ofUser("weekly_sends"));
  // Their nudge choice (the one-time invitation) is one of their settings.
  const settings = (await ofUser("users")) + (await ofUser("nudge_intros"));
  const questions = await ofUser("asked_questions");
  const reflections = await ofUser("reflections");
  const feedback = await ofUser("feedback");

  // What stays: hashes that can't be read back, so CRM events neither link nor nudge them again.
  await trx
    .insertInto("forgotten")
    .values([
      { team_id: teamId, digest: digest.write(teamId, "user", userId), created_at: now },
      ...emails.map((email) => ({
        team_id: teamId,
        digest: digest.write(teamId, "email", email),
        created_at: now,
      })),
    ])
    .onConflict((oc) => oc.columns(["team_id", "digest"]).doNothing())
    .execute();

  return {
    settings,
    questions,
    reflections,
    feedback,
    weekly,
    crmLinks: Number(crmLinks.numDeletedRows) + linkRecords.reduce((n, r) => n + Number(r.numDeletedRows), 0),
    deals: Number(deals.numDeletedRows),
    dealHistory: Number(dealHistory.numDeletedRows),
    dealUpdates: Number(dealUpdates.numDeletedRows) + sealedUpdates,
    nudges: Number(nudges.numDeletedRows) + sealedNudges,
    dealPrefs,
    cleared: Number(channels.numUpdatedRows) + cleared.size,
  };
}

/**
 * Their CRM e-mails, lowercased: linked to them, or on the nudges addressed to them unless that e-mail
 * is now linked to someone else (whose deals and link it is since).
 */
async function emailsOf(trx: Kysely<Database>, key: UserKey): Promise<string[]> {
  const links = await trx
    .selectFrom("owner_links")
    .select("email")
    .where("team_id", "=", key.teamId)
    .where("user_id", "=", key.userId)
    .execute();
  const addressed = await trx
    .selectFrom("nudges")
    .select("owner_email")
    .distinct()
    .where("team_id", "=", key.teamId)
    .where("user_id", "=", key.userId)
    .where("owner_email", "is not", null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("owner_links as other")
            .select("other.email")
            .whereRef("other.team_id", "=", "nudges.team_id")
            .where(sql<SqlBool>`other.email = lower(nudges.owner_email)`)
            .where("other.user_id", "<>", key.userId),
        ),
      ),
    )
    .execute();
  const all = [...links.map((l) => l.email), ...addressed.map((n) => n.owner_email as string)];
  return [...new Set(all.map((email) => email.trim().toLowerCase()))].filter((email) => email !== "");
}

/** The jsonb with each e-mail replaced, wherever it appears in its text, case-insensitively. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

type Json = Record<string, unknown>;

/** A jsonb value as the driver hands it over (parsed, or text from a hand-made row). */
function asJson(value: unknown): Json {
  return (typeof value === "string" ? JSON.parse(value) : value) as Json;
}

/**
 * Any of the e-mails, ignoring case. No RegExp: one built per call could not be checked for linear time
 * with the others (test/unit/regex-linear-*.test.ts); a window compared at each position is linear in the
 * text for a bounded e-mail.
 */
function emailMatcher(emails: readonly string[]): {
  test(text: string): boolean;
  replace(text: string): string;
} {
  const wanted = emails.map((email) => email.toLowerCase());
  const at = (text: string, i: number) =>
    wanted.find((email) => text.slice(i, i + email.length).toLowerCase() === email);
  return {
    test: (text) => {
      for (let i = 0; i < text.length; i++) if (at(text, i)) return true;
      return false;
    },
    replace: (text) => {
      let out = "";
      for (let i = 0; i < text.length; ) {
        const email = at(text, i);
        if (email) {
          out += "[forgotten]";
          i += email.length;
        } else out += text[i++];
      }
      return out;
    },
  };
}
