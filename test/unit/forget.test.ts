import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { DealState, DealUpdate, Trigger } from "../../src/deals/types.js";
import { openStoreWith } from "../../src/store/open.js";
import type { Store, UserKey } from "../../src/store/types.js";
import { hits, quoted, tables, textColumns } from "../support/catalogue.js";
import { type InspectableStore, storeKind, TEST_AT_REST_KEY, testStoreWithSql } from "../support/store.js";

// /coach forget against the database's own catalogue (README "Forget"). A user gets rows in every table,
// another user too; after forgetting the first, every text, varchar and jsonb column of every table in
// the schema (read from information_schema, not a list kept here) is searched for their Slack id and
// e-mails. A table added later that forget doesn't cover fails here twice: it has no rows (fill it
// below) until it is filled, and a hit once it is.

const TEAM = "T0FORGET";
const ANN: UserKey = { teamId: TEAM, userId: "U0ANNFORGET" };
const BOB: UserKey = { teamId: TEAM, userId: "U0BOBKEEPS" };
const CAROL: UserKey = { teamId: TEAM, userId: "U0CAROLGONE" };
// Written in mixed case on purpose: the scan and forget both ignore case.
const ANN_LINKED = "Ann.Lee_1@Acme.test";
const ANN_LOOKUP = "ann.lee@old-acme.test";
const BOB_EMAIL = "bob@acme.test";
const NOW = new Date("2026-11-20T10:00:00Z");

const trigger = (key: string): Trigger => ({
  kind: "stage_change",
  themes: ["decision_process"],
  key,
  summary: "Moved to Negotiation",
});

function dealState(
  dealId: string,
  ownerEmail: string,
  extra: Partial<DealState["snapshot"]> = {},
): DealState {
  return {
    source: "deals",
    dealId,
    snapshot: { id: dealId, name: `Deal ${dealId}`, ownerEmail, amount: 48_000, ...extra },
    closeDateMoves: 0,
    riskRecorded: false,
  };
}

function dealUpdate(dealId: string, eventId: string, extra: Partial<DealUpdate> = {}): DealUpdate {
  return {
    source: "deals",
    eventId,
    occurredAt: NOW.toISOString(),
    deal: { id: dealId, name: `Deal ${dealId}`, ownerEmail: ANN_LINKED },
    changedFields: ["stage"],
    ...extra,
  };
}

/** Everything a user can leave behind, through the store's own calls. */
async function fillUser(store: Store, key: UserKey, email: string, dealId: string): Promise<void> {
  await store.upsertUser(key, { tz: "Europe/Paris", settings: { nudges: true } });
  await store.recordAsked(key, [{ questionId: "q1", theme: "pain", surface: "dm", threadKey: "D1:1.1" }]);
  await store.addReflection(key, {
    questionId: "q1",
    questionText: "Who signs?",
    answer: `notes of ${key.userId}`,
  });
  await store.recordFeedback(key, "q1", true);
  await store.weekly.saveSchedule(key, { enabled: true, nextRunAt: NOW });
  await store.weekly.claimDue(NOW, 100, () => ({
    week: "2026-W47",
    nextRunAt: new Date(NOW.getTime() + 7 * 86_400_000),
  }));
  const d = store.deals;
  await d.saveOwnerLink(TEAM, email, key.userId, "link");
  await d.setDealPref(TEAM, key.userId, "deals", dealId, { muted: true });
  await d.saveDeal(TEAM, dealState(dealId, email), NOW, [
    { field: "ownerEmail", oldValue: null, newValue: email, occurredAt: NOW },
    { field: "stage", oldValue: "discovery", newValue: "negotiation", occurredAt: NOW },
  ]);
  await d.accept(TEAM, [dealUpdate(dealId, `evt-${dealId}`, { deal: { id: dealId, ownerEmail: email } })]);
  // A link that waits for an admin, and the one-time nudge invitation.
  await d.links.request(TEAM, `requested.${email}`, key.userId);
  await d.claimNudgeIntro(TEAM, key.userId, "1", "invitation");
  await d.addNudge({
    teamId: TEAM,
    userId: key.userId,
    ownerEmail: email,
    source: "deals",
    dealId,
    payload: {
      trigger: trigger("stage:neg"),
      dealName: `Deal ${dealId}`,
      situation: "They asked for 20% off",
    },
    dueAt: NOW,
  });
}

async function fillEverything(store: Store): Promise<void> {
  await fillUser(store, BOB, BOB_EMAIL, "BOB-1");
  // A user forgotten earlier: the suppression table and the store's key exist before Ann is forgotten.
  await fillUser(store, CAROL, "carol@acme.test", "CAROL-1");
  await store.forgetUser(CAROL);

  const d = store.deals;
  // An e-mail Ann linked and then unlinked: the "don't look me up again" record names her.
  await d.saveOwnerLink(TEAM, "ann.before@acme.test", ANN.userId, "link");
  await d.links.unlink(TEAM, ANN.userId);
  await fillUser(store, ANN, ANN_LINKED, "ANN-1");
  // A second CRM e-mail, found by a Slack lookup, with a nudge waiting under it in another case.
  await d.saveOwnerLink(TEAM, ANN_LOOKUP, ANN.userId, "lookup");
  await d.addNudge({
    teamId: TEAM,
    userId: null,
    ownerEmail: ANN_LOOKUP.toUpperCase(),
    source: "deals",
    dealId: "ANN-2",
    payload: { trigger: trigger("new"), dealName: "Deal ANN-2", situation: "New deal" },
    dueAt: NOW,
  });
  await d.saveDeal(TEAM, dealState("ANN-2", ANN_LOOKUP.toUpperCase()), NOW, []);
  // Bob's deal, handed over from Ann, whose next step and history still name her; its update too.
  await d.saveDeal(
    TEAM,
    dealState("BOB-2", BOB_EMAIL, { nextStep: `ask ${ANN_LINKED.toUpperCase()} for the notes` }),
    NOW,
    [{ field: "ownerEmail", oldValue: ANN_LINKED, newValue: BOB_EMAIL, occurredAt: NOW }],
  );
  await d.accept(TEAM, [
    dealUpdate("BOB-2", "evt-handover", {
      deal: { id: "BOB-2", ownerEmail: BOB_EMAIL },
      previous: { ownerEmail: ANN_LINKED },
      changedFields: ["ownerEmail"],
    }),
  ]);
  await d.setDealChannel(TEAM, "C0DEALS", true, ANN.userId);
  await d.setDealChannel(TEAM, "C0BOBS", true, BOB.userId);
  // Tables that hold nobody's data, filled so that "every table has rows" holds.
  await store.claimOnce("evt:Ev0FORGET");
  await store.saveInstallation(TEAM, "sealed-installation");
  await store.weekly.setWorkspaceDefaults(TEAM, { day: 5, time: "15:00", tz: "Europe/Paris" });
  await store.weekly.reservePace(TEAM, "sender-1", 1, 1000, NOW);
  // The model's daily token count: a team id, a day, a number (migrations/011_llm_usage.sql).
  await store.llmTokens.add(TEAM, "2026-11-20", 300);
}

let opened: InspectableStore | undefined;
afterEach(async () => {
  await opened?.store.close();
  opened = undefined;
});

async function open(secretKey?: Buffer): Promise<InspectableStore> {
  opened = await testStoreWithSql({ now: () => NOW, secretKey });
  return opened;
}

describe(`forget, checked against the catalogue (${storeKind})`, () => {
  it("leaves no column of any table holding the user's Slack id or CRM e-mails, and says what went", async () => {
    const db = await open();
    const { store } = db;
    await fillEverything(store);

    const empty: string[] = [];
    for (const table of await tables(db)) {
      if (table === "schema_migrations") continue;
      const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoted(table)}`);
      if (Number(row?.n) === 0) empty.push(table);
    }
    // A new table must be filled in fillEverything, so that the scan below can find what forget missed.
    expect(empty).toEqual([]);

    const needles = [ANN.userId, ANN_LINKED, ANN_LOOKUP];
    const before = await hits(db, needles);
    // The scan can see them where they are (otherwise "no hits" below would prove nothing).
    expect(before).toEqual(
      expect.arrayContaining([
        "users.user_id",
        "reflections.user_id",
        "weekly_sends.user_id",
        "owner_links.email",
        "deals.state",
        "deal_history.new_value",
        "deal_inbox.payload",
        "nudges.owner_email",
        "deal_channels.added_by",
      ]),
    );

    const report = await store.forgetUser(ANN);
    expect(await hits(db, needles)).toEqual([]);
    expect(report).toEqual({
      settings: 2, // her settings row and her nudge invitation
      questions: 1,
      reflections: 1,
      feedback: 1,
      weekly: 2,
      crmLinks: 4, // two links, a link request, an unlink record
      deals: 2, // ANN-1 and ANN-2; BOB-2 stays, without her e-mail
      dealHistory: 3, // ANN-1's two entries and BOB-2's handover
      dealUpdates: 2, // ANN-1's update and the handover that names her
      nudges: 2, // hers, and the one waiting under her other e-mail
      dealPrefs: 1,
      cleared: 2, // the deal channel she added, BOB-2's next step
    });

    // What stays: hashes that don't contain her id or e-mails, one per id and e-mail.
    const forgotten = await db.query<{ digest: string }>("SELECT digest FROM forgotten WHERE team_id = $1", [
      TEAM,
    ]);
    expect(forgotten).toHaveLength(2 + 3); // Carol: id, e-mail; Ann: id, two e-mails
    expect(await store.deals.isForgotten(TEAM, { userId: ANN.userId })).toBe(true);
    expect(await store.deals.isForgotten(TEAM, { email: ANN_LOOKUP.toUpperCase() })).toBe(true);
    expect(await store.deals.isForgotten(TEAM, { email: ANN_LINKED })).toBe(true);
    expect(await store.deals.isForgotten(TEAM, { userId: BOB.userId, email: BOB_EMAIL })).toBe(false);
  });

  it("catches a table that forget does not know about", async () => {
    const db = await open();
    await db.query("CREATE TABLE added_later (team_id text, note jsonb)");
    try {
      await db.query("INSERT INTO added_later VALUES ($1, $2)", [TEAM, JSON.stringify({ by: ANN.userId })]);
      await db.store.forgetUser(ANN);
      expect(await hits(db, [ANN.userId])).toEqual(["added_later.note"]);
    } finally {
      // The PGlite test database is handed to the next store of this file.
      await db.query("DROP TABLE added_later");
    }
  });

  it("leaves every other user's data as it was", async () => {
    const db = await open();
    const { store } = db;
    await fillEverything(store);
    const bobRows = async () => {
      const rows: Record<string, unknown[]> = {};
      for (const table of await tables(db)) {
        const columns = (await textColumns(db))
          .filter((c) => c.table_name === table)
          .map((c) => c.column_name);
        if (!columns.includes("user_id")) continue;
        rows[table] = await db.query(`SELECT * FROM ${quoted(table)} WHERE user_id = $1 ORDER BY 1, 2, 3`, [
          BOB.userId,
        ]);
      }
      return rows;
    };
    const bobBefore = await bobRows();
    const bobDeal = await store.deals.getDeal("deals", "BOB-1");

    await store.forgetUser(ANN);

    expect(await bobRows()).toEqual(bobBefore);
    expect(Object.values(bobBefore).flat().length).toBeGreaterThanOrEqual(8);
    expect(await store.deals.getDeal("deals", "BOB-1")).toEqual(bobDeal);
    expect(await store.deals.dealHistory("deals", "BOB-1")).toHaveLength(2);
    expect(await store.deals.ownerLink(TEAM, BOB_EMAIL)).toEqual({ userId: BOB.userId, origin: "link" });
    // Bob's handed-over deal stays, with Ann's e-mail taken out of its next step.
    const handed = await store.deals.getDeal("deals", "BOB-2");
    expect(handed?.state.snapshot).toMatchObject({
      ownerEmail: BOB_EMAIL,
      nextStep: "ask [forgotten] for the notes",
    });
    expect((await store.deals.listInbox(["pending"])).map((r) => r.eventId).sort()).toEqual(["evt-BOB-1"]);
    expect(await store.deals.dealChannels(TEAM)).toEqual(expect.arrayContaining(["C0DEALS", "C0BOBS"]));
    expect(await store.listReflections(BOB)).toHaveLength(1);
    expect(await store.fetchInstallation(TEAM)).toBe("sealed-installation");
  });

  it("leaves an e-mail that once reached them but is now linked to someone else", async () => {
    const { store } = await open();
    const shared = "team-inbox@acme.test";
    await store.deals.addNudge({
      teamId: TEAM,
      userId: ANN.userId,
      ownerEmail: shared,
      source: "deals",
      dealId: "SHARED-1",
      payload: { trigger: trigger("new"), dealName: "Shared", situation: "New deal" },
      dueAt: NOW,
    });
    await store.deals.saveOwnerLink(TEAM, shared, BOB.userId, "link");
    await store.deals.saveDeal(TEAM, dealState("SHARED-1", shared), NOW, []);

    expect(await store.forgetUser(ANN)).toMatchObject({ nudges: 1, crmLinks: 0, deals: 0 });
    expect(await store.deals.ownerLink(TEAM, shared)).toEqual({ userId: BOB.userId, origin: "link" });
    expect(await store.deals.getDeal("deals", "SHARED-1")).toBeDefined();
    expect(await store.deals.isForgotten(TEAM, { email: shared })).toBe(false);
  });

  it("does not let a lookup link a forgotten user again; their own /coach link does", async () => {
    const { store } = await open();
    await fillUser(store, ANN, ANN_LINKED, "ANN-1");
    await store.forgetUser(ANN);
    const d = store.deals;

    await d.saveOwnerLink(TEAM, ANN_LINKED, ANN.userId, "lookup");
    await d.saveOwnerLink(TEAM, "ann.new@acme.test", ANN.userId, "lookup");
    expect(await d.ownerLink(TEAM, ANN_LINKED)).toBeUndefined();
    expect(await d.ownerLink(TEAM, "ann.new@acme.test")).toBeUndefined();

    await d.saveOwnerLink(TEAM, ANN_LINKED, ANN.userId, "link");
    expect(await d.ownerLink(TEAM, ANN_LINKED)).toEqual({ userId: ANN.userId, origin: "link" });
    expect(await d.isForgotten(TEAM, { email: ANN_LINKED })).toBe(false);
    expect(await d.isForgotten(TEAM, { userId: ANN.userId })).toBe(false);
    // Suppression is per workspace: the same id in another team was never forgotten.
    expect(await d.isForgotten("T0OTHER", { userId: "U0SOMEONE" })).toBe(false);
  });

  it("keys the hashes with TOKEN_ENCRYPTION_KEY when set, and still honours those made before it was", async () => {
    const db = await open();
    await db.store.forgetUser(ANN);
    expect(await db.query("SELECT name FROM store_keys")).toHaveLength(1);
    // The same database, opened again as it would be after TOKEN_ENCRYPTION_KEY is set (closing the
    // first store ends the shared pool, and with it this one).
    const keyed = await openStoreWith(
      { pool: db.pool },
      {
        now: () => NOW,
        secretKey: randomBytes(32),
        atRest: TEST_AT_REST_KEY,
      },
    );
    expect(await keyed.deals.isForgotten(TEAM, { userId: ANN.userId })).toBe(true);
    await keyed.forgetUser(BOB);
    expect(await keyed.deals.isForgotten(TEAM, { userId: BOB.userId })).toBe(true);
    // Written under the key: a process without it can't match Bob's hash.
    expect(await db.store.deals.isForgotten(TEAM, { userId: BOB.userId })).toBe(false);
    expect(await db.query("SELECT digest FROM forgotten")).toHaveLength(2);
  });

  it("makes no key of its own when TOKEN_ENCRYPTION_KEY is set", async () => {
    const keyed = await open(randomBytes(32));
    await keyed.store.forgetUser(ANN);
    expect(await keyed.query("SELECT name FROM store_keys")).toEqual([]);
    expect(await keyed.store.deals.isForgotten(TEAM, { userId: ANN.userId })).toBe(true);
  });
});
