import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coach } from "../../src/coaching/coach.js";
import { checkReply } from "../../src/coaching/guard.js";
import { signDeals, signHubSpot } from "../../src/deals/sources/index.js";
import { ACTION, NUDGE_ACTION } from "../../src/slack/ids.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import {
  type FakeHubSpot,
  type FakePipedrive,
  startFakeHubSpot,
  startFakePipedrive,
} from "../support/fake-crm.js";
import { postToApp } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import { optInToNudges } from "../support/nudges.js";
import {
  appHomeOpened,
  BOT_ID,
  blockActions,
  messageChannels,
  nextTs,
  TEAM_ID,
  USER_ID,
} from "../support/slack-payloads.js";

// The whole path: a CRM delivery -> verified -> committed to the inbox (202) -> processed -> a private
// nudge to the deal's owner on the fake Slack. Quiet hours and weekends are off here (the policy has
// its own tests with a fake clock) so the test does not depend on when it runs.

const DEALS_SECRET = "deals-secret";
const HUBSPOT_SECRET = "hubspot-client-secret";
const OWNERS: Record<string, string> = {
  "ann@acme.test": "U_ANN",
  "bo@acme.test": "U_BO",
  "cy@acme.test": "U_CY",
};

let h: Harness;
let hubspot: FakeHubSpot;
let pipedrive: FakePipedrive;

beforeAll(async () => {
  hubspot = await startFakeHubSpot({ accessToken: "hs-token" });
  pipedrive = await startFakePipedrive({ apiToken: "pd-token" });
  h = await startHarness("http", "info", {
    DEAL_WEBHOOK_SECRET: DEALS_SECRET,
    HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    HUBSPOT_ACCESS_TOKEN: "hs-token",
    HUBSPOT_API_URL: hubspot.url,
    PIPEDRIVE_WEBHOOK_USER: "pd-user",
    PIPEDRIVE_WEBHOOK_PASSWORD: "pd-pass",
    PIPEDRIVE_API_TOKEN: "pd-token",
    PIPEDRIVE_API_URL: pipedrive.url,
    NUDGE_QUIET_HOURS: "off",
    NUDGE_WEEKENDS: "on",
    NUDGE_DAILY_CAP: "50",
    NUDGE_WEEKLY_CAP: "100",
    DEAL_CHANNELS: "C_DEALS",
  });
  h.slack.on("users.lookupByEmail", (args) => {
    const id = OWNERS[String(args.email).toLowerCase()];
    return id
      ? { ok: true, user: { id, is_bot: false, deleted: false } }
      : { ok: false, error: "users_not_found" };
  });
  h.slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
  // These reps chose nudges; the invitation a rep gets before choosing is tested in nudge-choice-slack.
  await optInToNudges(h.store, TEAM_ID, ...Object.values(OWNERS));
});
afterAll(async () => {
  await h?.close();
  await hubspot?.close();
  await pipedrive?.close();
});

function genericBody(eventId: string, deal: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ event_id: eventId, occurred_at: new Date().toISOString(), deal, ...extra });
}

function postDeals(body: string, opts: { secret?: string; timestamp?: number } = {}) {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return postToApp(`${h.url}/webhooks/deals`, body, {
    contentType: "application/json",
    headers: {
      "x-deal-coach-timestamp": String(ts),
      "x-deal-coach-signature": signDeals(opts.secret ?? DEALS_SECRET, ts, body),
    },
  });
}

const nudgesTo = (channel: string) =>
  h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === channel);
const questionTexts = (blocks: unknown) =>
  ((blocks as Record<string, unknown>[]) ?? [])
    .filter((b) => b.type === "section")
    .map((b) => (b.text as { text: string }).text);

describe("POST /webhooks/deals", () => {
  it("turns a signed update into one private nudge to the owner, and a replay into a duplicate", async () => {
    const body = genericBody(
      "gen-1",
      {
        id: "D-100",
        name: "Globex renewal",
        stage: "Negotiation/Review",
        owner_email: "ann@acme.test",
        amount: 48000,
      },
      { previous: { stage: "proposal" } },
    );
    const res = await postDeals(body);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: 1, duplicates: 0 });
    await eventually(() => expect(nudgesTo("D_U_ANN")).toHaveLength(1));
    const nudge = nudgesTo("D_U_ANN")[0];
    const json = JSON.stringify(nudge?.args.blocks);
    expect(json).toContain("Globex renewal");
    expect(json).toContain(NUDGE_ACTION.snooze);
    expect(json).toContain(NUDGE_ACTION.mute);
    const questions = questionTexts(nudge?.args.blocks);
    expect(questions.length).toBeGreaterThanOrEqual(1);
    for (const q of questions) expect(checkReply(q).ok).toBe(true);

    const again = await postDeals(body);
    expect(again.json).toEqual({ accepted: 0, duplicates: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(nudgesTo("D_U_ANN")).toHaveLength(1);
  });

  it("answers 401 to a bad signature or a stale timestamp and stores nothing; the same event signed right is processed", async () => {
    const body = genericBody("gen-401", {
      id: "D-401",
      name: "Initech",
      stage: "closing",
      owner_email: "bo@acme.test",
    });
    expect((await postDeals(body, { secret: "wrong" })).status).toBe(401);
    expect((await postDeals(body, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    const unsigned = await postToApp(`${h.url}/webhooks/deals`, body, { contentType: "application/json" });
    expect(unsigned.status).toBe(401);
    const stored = await h.store.deals.listInbox(["pending", "processing", "done", "dead"]);
    expect(stored.some((r) => r.eventId === "gen-401")).toBe(false);
    const ok = await postDeals(body);
    expect(ok.json).toEqual({ accepted: 1, duplicates: 0 });
    await eventually(() => expect(nudgesTo("D_U_BO").length).toBeGreaterThan(0));
  });

  it("answers 400 naming the problem for malformed JSON and schema violations, and 413 over 1 MB", async () => {
    const bad = await postDeals("{not json");
    expect(bad.status).toBe(400);
    expect(String((bad.json as { error: string }).error)).toMatch(/JSON/);
    const missing = await postDeals(
      JSON.stringify({
        event_id: "x",
        occurred_at: new Date().toISOString(),
        deal: { id: "1", name: "n", stage: "proposal" },
      }),
    );
    expect(missing.status).toBe(400);
    expect(String((missing.json as { error: string }).error)).toMatch(/owner_email/);
    const big = JSON.stringify({
      event_id: "big",
      occurred_at: new Date().toISOString(),
      note: "x".repeat(1024 * 1024),
      deal: {},
    });
    const tooLarge = await postDeals(big);
    expect(tooLarge.status).toBe(413);
    // Unknown fields are ignored, not errors.
    const extra = genericBody(
      "gen-extra",
      { id: "D-X", name: "X", stage: "discovery", owner_email: "cy@acme.test", custom: 1 },
      { crm: "sf" },
    );
    expect((await postDeals(extra)).status).toBe(202);
  });

  it("lets an update whose owner maps to nobody wait, and sends it after /coach link", async () => {
    const body = genericBody("gen-unmapped", {
      id: "D-NEW",
      name: "Hooli",
      stage: "closing",
      owner_email: "dee@elsewhere.test",
    });
    expect((await postDeals(body)).status).toBe(202);
    await eventually(async () =>
      expect((await h.store.deals.waitingForOwner(TEAM_ID)).map((n) => n.ownerEmail)).toContain(
        "dee@elsewhere.test",
      ),
    );
    expect(
      h.slack.callsTo("chat.postMessage").some((c) => JSON.stringify(c.args.blocks).includes("Hooli")),
    ).toBe(false);
    // Their own Slack profile e-mail, so the link takes effect at once (link-approval.test.ts has the rest).
    h.slack.setPerson("U_DEE", { email: "dee@elsewhere.test" });
    const reply = await h.commandReply({ text: "link dee@elsewhere.test", user_id: "U_DEE" });
    expect(reply.text).toMatch(/Linked/);
    await eventually(() => expect(nudgesTo("D_U_DEE").length).toBeGreaterThan(0));
    expect(JSON.stringify(nudgesTo("D_U_DEE")[0]?.args.blocks)).toContain("Hooli");
  });
});

describe("POST /webhooks/hubspot", () => {
  it("verifies v3, reads the deal and owner from the HubSpot API, and nudges the owner", async () => {
    hubspot.deals.set("412", {
      dealname: "Acme - 200 seats",
      dealstage: "contractsent",
      amount: "48000",
      closedate: null,
      hubspot_owner_id: "77",
    });
    hubspot.owners.set("77", { email: "cy@acme.test" });
    const body = JSON.stringify([
      {
        eventId: 3001,
        subscriptionId: 77,
        portalId: 12345678,
        appId: 987654,
        occurredAt: Date.now() - 1000,
        subscriptionType: "deal.propertyChange",
        attemptNumber: 0,
        objectId: 412,
        propertyName: "dealstage",
        propertyValue: "contractsent",
        changeSource: "CRM_UI",
        sourceId: "userId:555",
      },
    ]);
    const timestamp = Date.now();
    const uri = `http://127.0.0.1:${h.running.port}/webhooks/hubspot`;
    const headers = {
      "x-hubspot-signature-v3": signHubSpot(HUBSPOT_SECRET, {
        method: "POST",
        uri,
        rawBody: body,
        timestamp,
      }),
      "x-hubspot-request-timestamp": String(timestamp),
      host: `127.0.0.1:${h.running.port}`,
    };
    const wrong = await postToApp(`${h.url}/webhooks/hubspot`, body, {
      contentType: "application/json",
      headers: { ...headers, "x-hubspot-signature-v3": "AAAA" },
    });
    expect(wrong.status).toBe(401);
    const res = await postToApp(`${h.url}/webhooks/hubspot`, body, {
      contentType: "application/json",
      headers,
    });
    expect(res.status).toBe(202);
    await eventually(() =>
      expect(nudgesTo("D_U_CY").some((c) => JSON.stringify(c.args.blocks).includes("Acme - 200 seats"))).toBe(
        true,
      ),
    );
    expect(hubspot.calls.some((c) => c.path.startsWith("/crm/v3/objects/deals/412"))).toBe(true);
    expect(hubspot.calls.some((c) => c.path === "/crm/v3/owners/77")).toBe(true);
  });
});

describe("POST /webhooks/pipedrive", () => {
  it("checks Basic auth, looks up the owner's email, and nudges the owner", async () => {
    pipedrive.users.set("18487521", { email: "bo@acme.test" });
    const body = JSON.stringify({
      meta: {
        action: "change",
        entity: "deal",
        version: "2.0",
        company_id: 12882925,
        user_id: 18487521,
        id: 9412,
        entity_id: 9412,
        timestamp: Math.floor(Date.now() / 1000),
        change_source: "app",
      },
      data: {
        id: 9412,
        title: "Umbrella expansion",
        value: 48000,
        currency: "USD",
        status: "won",
        stage_id: 4,
        owner_id: 18487521,
      },
      previous: { status: "open" },
    });
    const auth = (u: string, p: string) => ({
      authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`,
    });
    expect(
      (
        await postToApp(`${h.url}/webhooks/pipedrive`, body, {
          contentType: "application/json",
          headers: auth("pd-user", "nope"),
        })
      ).status,
    ).toBe(401);
    const res = await postToApp(`${h.url}/webhooks/pipedrive`, body, {
      contentType: "application/json",
      headers: auth("pd-user", "pd-pass"),
    });
    expect(res.status).toBe(202);
    await eventually(() =>
      expect(
        nudgesTo("D_U_BO").some((c) => JSON.stringify(c.args.blocks).includes("Umbrella expansion")),
      ).toBe(true),
    );
    const won = nudgesTo("D_U_BO").find((c) => JSON.stringify(c.args.blocks).includes("Umbrella expansion"));
    expect(JSON.stringify(won?.args.blocks)).toMatch(/value over time|value/i);
  });
});

describe("nudge buttons and deal channels", () => {
  it("snoozes and mutes a deal for the user who clicked", async () => {
    const value = JSON.stringify({ s: "deals", d: "D-100" });
    const snoozed = await h.actionReply(
      blockActions({
        action_id: NUDGE_ACTION.snooze,
        value,
        user: "U_ANN",
        message: null,
        container: { type: "message", is_ephemeral: true },
      }),
    );
    expect(snoozed.text).toMatch(/Snoozed/);
    const pref = await h.store.deals.dealPref(TEAM_ID, "U_ANN", "deals", "D-100");
    expect(pref.snoozedUntil?.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const muted = await h.actionReply(
      blockActions({
        action_id: NUDGE_ACTION.mute,
        value,
        user: "U_ANN",
        message: null,
        container: { type: "message", is_ephemeral: true },
      }),
    );
    expect(muted.text).toMatch(/Muted/);
    expect((await h.store.deals.dealPref(TEAM_ID, "U_ANN", "deals", "D-100")).muted).toBe(true);
  });

  it("answers a deal channel's messages (a CRM bot's too) in the thread, once, and never its own posts", async () => {
    const ts = nextTs();
    const crmPost = messageChannels({
      channel: "C_DEALS",
      ts,
      subtype: "bot_message",
      bot_id: "B_CRM",
      user: undefined,
      text: "",
      attachments: [
        {
          title: "Initech moved to Negotiation",
          text: "Amount $48,000. Note: they asked for 20% off to sign this quarter",
        },
      ],
    });
    const from = h.slack.calls.length;
    await h.event(crmPost);
    await h.event(crmPost);
    const reply = await h.slack.waitFor(
      (c) => c.method === "chat.postMessage" && c.args.channel === "C_DEALS",
      { from },
    );
    expect(reply.args.thread_ts).toBe(ts);
    expect(JSON.stringify(reply.args.blocks)).toContain("customer success");
    await h.event(
      messageChannels({
        channel: "C_DEALS",
        ts: nextTs(),
        subtype: "bot_message",
        bot_id: BOT_ID,
        text: "our own post",
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(
      h.slack.calls
        .slice(from)
        .filter((c) => c.method === "chat.postMessage" && c.args.channel === "C_DEALS"),
    ).toHaveLength(1);
  });
});

describe("deal channels with a known deal", () => {
  it("coaches a message that links a deal this team holds with that deal's fields, and an unknown link without", async () => {
    await h.store.deals.saveDeal(
      TEAM_ID,
      {
        source: "hubspot",
        dealId: "777",
        snapshot: { id: "777", name: "Globex", stage: "negotiation", competitor: "Initech", contactCount: 1 },
        closeDateMoves: 2,
        riskRecorded: true,
      },
      new Date(),
      [{ field: "closeDate", oldValue: "2026-12-01", newValue: "2027-01-15", occurredAt: new Date() }],
    );
    const deal = {
      stage: "negotiation" as const,
      competitor: "Initech",
      contact_count: 1,
      close_date_moves: 2,
      previous_close_date: "2026-12-01",
    };
    const say = async (user: string, id: string) => {
      const ts = nextTs();
      const text = `Quick update from today's call <https://app.hubspot.com/contacts/1/deal/${id}|Globex>`;
      const from = h.slack.calls.length;
      await h.event(messageChannels({ channel: "C_DEALS", ts, user, text }));
      await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.thread_ts === ts, { from });
      const asked = await h.store.recentQuestionIds(
        { teamId: TEAM_ID, userId: user },
        { threadKey: `C_DEALS:${ts}` },
      );
      return { text, asked: [...asked].sort() };
    };
    const ids = (text: string, withDeal: boolean, user: string) =>
      coach(library, { text, ...(withDeal && { deal }) }, { history: [], user })
        .questions.map((q) => q.id)
        .sort();

    const known = await say("U_DC1", "777");
    expect(known.asked).toEqual(ids(known.text, true, "U_DC1"));
    // The premise: this deal's fields change the questions.
    expect(known.asked).not.toEqual(ids(known.text, false, "U_DC1"));

    const unknown = await say("U_DC2", "778");
    expect(unknown.asked).toEqual(ids(unknown.text, false, "U_DC2"));

    // A CRM bot's post links the deal in its attachment's title (posted under the test's default user).
    const botKey = { teamId: TEAM_ID, userId: USER_ID };
    const before = await h.store.recentQuestionIds(botKey, { sinceDays: 30 });
    const ts = nextTs();
    const from = h.slack.calls.length;
    const attachment = {
      title: "Globex: note added",
      title_link: "https://app.hubspot.com/contacts/1/deal/777",
    };
    await h.event(
      messageChannels({
        channel: "C_DEALS",
        ts,
        subtype: "bot_message",
        bot_id: "B_CRM",
        user: undefined,
        text: "",
        attachments: [attachment],
      }),
    );
    await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.thread_ts === ts, { from });
    const botAsked = await h.store.recentQuestionIds(botKey, { threadKey: `C_DEALS:${ts}` });
    const botExpected = coach(
      library,
      { text: attachment.title, deal },
      { history: before, user: botKey.userId },
    );
    expect([...botAsked].sort()).toEqual(botExpected.questions.map((q) => q.id).sort());
    const botWithout = coach(library, { text: attachment.title }, { history: before, user: botKey.userId });
    expect(botWithout.questions.map((q) => q.id).sort()).not.toEqual([...botAsked].sort());

    // A store that can't read the deal right now: the message is still answered, without the deal.
    const teamDeal = h.store.deals.teamDeal;
    h.store.deals.teamDeal = async () => {
      throw new Error("connection reset");
    };
    try {
      const unread = await say("U_DC3", "777");
      expect(unread.asked).toEqual(ids(unread.text, false, "U_DC3"));
    } finally {
      h.store.deals.teamDeal = teamDeal;
    }
  });
});

describe("App Home for admins", () => {
  it("shows admins the deal updates waiting for an owner and lets them choose deal channels; others see neither", async () => {
    h.slack.on("users.info", (args) => ({
      ok: true,
      user: { id: args.user, tz: "Europe/London", is_admin: args.user === "U_ADMIN" },
    }));
    try {
      const body = genericBody("gen-home", {
        id: "D-HOME",
        name: "Vandelay",
        stage: "proposal",
        owner_email: "nobody@elsewhere.test",
      });
      expect((await postDeals(body)).status).toBe(202);
      await eventually(async () =>
        expect(
          (await h.store.deals.waitingForOwner(TEAM_ID)).some((n) => n.payload.dealName === "Vandelay"),
        ).toBe(true),
      );

      const from = h.slack.calls.length;
      await h.event(appHomeOpened({ user: "U_ADMIN", tab: "home" }));
      const adminView = JSON.stringify(
        (await h.slack.waitFor((c) => c.method === "views.publish" && c.args.user_id === "U_ADMIN", { from }))
          .args.view,
      );
      expect(adminView).toContain("waiting for an owner");
      expect(adminView).toContain("Vandelay");
      expect(adminView).toContain(ACTION.homeDealChannels);

      const from2 = h.slack.calls.length;
      await h.event(appHomeOpened({ user: "U_REP", tab: "home" }));
      const repView = JSON.stringify(
        (
          await h.slack.waitFor((c) => c.method === "views.publish" && c.args.user_id === "U_REP", {
            from: from2,
          })
        ).args.view,
      );
      expect(repView).not.toContain("Vandelay");
      expect(repView).not.toContain(ACTION.homeDealChannels);

      await h.interact(
        blockActions({
          action_id: ACTION.homeDealChannels,
          user: "U_ADMIN",
          view: { id: "VHOME", type: "home" },
          action: { type: "multi_conversations_select", selected_conversations: ["C_NEWDEALS"] },
        }),
      );
      await eventually(async () => expect(await h.store.deals.dealChannels(TEAM_ID)).toEqual(["C_NEWDEALS"]));
      // A rep can't change them.
      await h.interact(
        blockActions({
          action_id: ACTION.homeDealChannels,
          user: "U_REP",
          view: { id: "VHOME", type: "home" },
          action: { type: "multi_conversations_select", selected_conversations: [] },
        }),
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(await h.store.deals.dealChannels(TEAM_ID)).toEqual(["C_NEWDEALS"]);
    } finally {
      h.slack.off("users.info");
    }
  });
});
