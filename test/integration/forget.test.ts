import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals } from "../../src/deals/sources/index.js";
import { ACTION } from "../../src/slack/ids.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import { hits } from "../support/catalogue.js";
import { postToApp } from "../support/fake-slack.js";
import { optInToNudges } from "../support/nudges.js";
import { blockActions, TEAM_ID } from "../support/slack-payloads.js";
import { type InspectableStore, testStoreWithSql } from "../support/store.js";

// /coach forget through the real app (README "Forget"): a rep links their CRM e-mail, is nudged about
// their deal, forgets; the reply counts what went; later CRM events for their e-mails neither link them
// (no users.lookupByEmail cache, no /coach link revived) nor nudge them, nor keep their e-mail; another
// rep is nudged as before; `/coach link` brings them back.

const SECRET = "deals-secret";
const ANN = "U0ANNFORGETS";
const BOB = "U0BOBSTAYS";
const ANN_EMAIL = "ann@acme.test";
const ANN_OTHER = "ann.other@acme.test";
const DIRECTORY: Record<string, string> = { [ANN_EMAIL]: ANN, [ANN_OTHER]: ANN, "bob@acme.test": BOB };

let h: Harness;
let db: InspectableStore;

beforeAll(async () => {
  db = await testStoreWithSql();
  h = await startHarness(
    "http",
    "info",
    {
      DEAL_WEBHOOK_SECRET: SECRET,
      NUDGE_QUIET_HOURS: "off",
      NUDGE_WEEKENDS: "on",
      NUDGE_DAILY_CAP: "50",
      NUDGE_WEEKLY_CAP: "100",
    },
    db.store,
  );
  h.slack.on("users.lookupByEmail", (args) => {
    const id = DIRECTORY[String(args.email).toLowerCase()];
    return id
      ? { ok: true, user: { id, is_bot: false, deleted: false } }
      : { ok: false, error: "users_not_found" };
  });
  // Ann's CRM e-mail is on her own Slack profile, so her /coach link takes effect at once.
  h.slack.setPerson(ANN, { email: ANN_EMAIL });
  await optInToNudges(db.store, TEAM_ID, ANN, BOB);
  h.slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
});
afterAll(async () => {
  await h?.close();
});

let seq = 0;
async function crmEvent(
  deal: Record<string, unknown>,
  previous: Record<string, unknown> = {},
): Promise<string> {
  const eventId = `forget-${++seq}`;
  const body = JSON.stringify({ event_id: eventId, occurred_at: new Date().toISOString(), deal, previous });
  const ts = Math.floor(Date.now() / 1000);
  const res = await postToApp(`${h.url}/webhooks/deals`, body, {
    contentType: "application/json",
    headers: { "x-deal-coach-timestamp": String(ts), "x-deal-coach-signature": signDeals(SECRET, ts, body) },
  });
  expect(res.status).toBe(202);
  return eventId;
}

const processed = (eventId: string) =>
  eventually(async () => {
    const done = await h.store.deals.listInbox(["done"]);
    expect(done.map((r) => r.eventId)).toContain(eventId);
  }, 15_000);
const nudgesTo = (user: string) =>
  h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === `D_${user}`);
const lookupsOf = (email: string) =>
  h.slack.callsTo("users.lookupByEmail").filter((c) => String(c.args.email).toLowerCase() === email);

async function forget(user: string): Promise<string> {
  const confirm = await h.commandReply({ text: "forget", user_id: user });
  expect(JSON.stringify(confirm.blocks)).toContain(ACTION.forgetConfirm);
  const done = await h.actionReply(
    blockActions({
      action_id: ACTION.forgetConfirm,
      value: "confirm",
      user,
      message: null,
      container: { type: "message", is_ephemeral: true },
    }),
  );
  return done.text ?? "";
}

describe("forget, end to end", () => {
  it("deletes the rep's deals and links, says so, and later CRM events neither link nor nudge them", async () => {
    expect((await h.commandReply({ text: `link ${ANN_EMAIL}`, user_id: ANN })).text).toMatch(/Linked/);
    await crmEvent(
      {
        id: "F-1",
        name: "Globex renewal",
        stage: "Negotiation/Review",
        owner_email: ANN_EMAIL,
        amount: 48000,
      },
      { stage: "proposal" },
    );
    await eventually(() => expect(nudgesTo(ANN)).toHaveLength(1), 15_000);

    // The scan sees her where she is, so its silence after the forget means something.
    expect(await hits(db, [ANN, ANN_EMAIL])).toEqual(
      expect.arrayContaining(["owner_links.email", "deals.state", "deal_inbox.payload", "nudges.user_id"]),
    );
    const reply = await forget(ANN);
    expect(reply).toMatch(/1 CRM e-mail link\b/);
    expect(reply).toMatch(/1 deal you own in the CRM\b/);
    expect(reply).toMatch(/1 CRM update\b/);
    expect(reply).toMatch(/1 nudge\b/);
    expect(reply).toMatch(/one-way fingerprint/);
    expect(reply).not.toMatch(/holds nothing/);
    expect(await h.store.deals.getDeal("deals", "F-1")).toBeUndefined();
    expect(await h.store.deals.ownerLink(TEAM_ID, ANN_EMAIL)).toBeUndefined();
    // Every text and jsonb column of every table, as the database lists them.
    expect(await hits(db, [ANN, ANN_EMAIL])).toEqual([]);

    const lookupsBefore = lookupsOf(ANN_EMAIL).length;
    const nudgesBefore = nudgesTo(ANN).length;
    // Her deal again, a new deal under an e-mail Slack says is hers, and Bob's deal.
    const again = await crmEvent(
      { id: "F-1", name: "Globex renewal", stage: "proposal", owner_email: ANN_EMAIL, amount: 50000 },
      {},
    );
    const other = await crmEvent({ id: "F-2", name: "Initech", stage: "closing", owner_email: ANN_OTHER });
    const bobs = await crmEvent({ id: "F-3", name: "Hooli", stage: "closing", owner_email: "bob@acme.test" });
    // A deal handed over from her to Bob: Bob is nudged, her e-mail is not kept.
    const handover = await crmEvent(
      { id: "F-4", name: "Umbrella", stage: "Negotiation/Review", owner_email: "bob@acme.test" },
      { owner_email: ANN_EMAIL, stage: "proposal" },
    );
    for (const id of [again, other, bobs, handover]) await processed(id);
    await eventually(() => expect(nudgesTo(BOB)).toHaveLength(2), 15_000);
    expect(JSON.stringify(nudgesTo(BOB).map((c) => c.args.blocks))).toContain("Umbrella");

    await new Promise((r) => setTimeout(r, 300));
    expect(nudgesTo(ANN)).toHaveLength(nudgesBefore);
    // Her forgotten e-mail is not even looked up; the other one was, once, and is not cached as hers.
    expect(lookupsOf(ANN_EMAIL)).toHaveLength(lookupsBefore);
    expect(await h.store.deals.ownerLink(TEAM_ID, ANN_EMAIL)).toBeUndefined();
    expect(await h.store.deals.ownerLink(TEAM_ID, ANN_OTHER)).toBeUndefined();
    expect(await h.store.deals.isForgotten(TEAM_ID, { email: ANN_OTHER })).toBe(true);
    // No nudge waits under her e-mails, and the deals and stored updates go on without them.
    const waiting = await h.store.deals.waitingForOwner(TEAM_ID);
    expect(waiting.map((n) => n.ownerEmail)).not.toContain(ANN_EMAIL);
    expect(waiting.map((n) => n.ownerEmail)).not.toContain(ANN_OTHER);
    expect((await h.store.deals.getDeal("deals", "F-1"))?.state.snapshot.ownerEmail).toBeUndefined();
    expect((await h.store.deals.getDeal("deals", "F-2"))?.state.snapshot.ownerEmail).toBeUndefined();
    expect(await h.store.deals.dealHistory("deals", "F-1")).not.toContainEqual(
      expect.objectContaining({ field: "ownerEmail" }),
    );
    const stored = JSON.stringify(await h.store.deals.listInbox(["done", "pending", "processing", "dead"]));
    expect(stored).not.toContain(ANN_EMAIL);
    expect(stored).not.toContain(ANN_OTHER);
    expect(stored).toContain("bob@acme.test");

    expect(await hits(db, [ANN, ANN_EMAIL, ANN_OTHER])).toEqual([]);
    expect(await hits(db, ["bob@acme.test"])).toEqual(
      expect.arrayContaining(["deals.state", "deal_inbox.payload", "owner_links.email"]),
    );

    // Her own /coach link is the way back: the next change of her deal reaches her.
    expect((await h.commandReply({ text: `link ${ANN_EMAIL}`, user_id: ANN })).text).toMatch(/Linked/);
    await crmEvent(
      { id: "F-1", name: "Globex renewal", stage: "Negotiation/Review", owner_email: ANN_EMAIL },
      { stage: "proposal" },
    );
    await eventually(() => expect(nudgesTo(ANN)).toHaveLength(nudgesBefore + 1), 15_000);
  });
});
