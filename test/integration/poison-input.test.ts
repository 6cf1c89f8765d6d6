import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals, signHubSpot } from "../../src/deals/sources/index.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import {
  type FakeHubSpot,
  type FakePipedrive,
  startFakeHubSpot,
  startFakePipedrive,
} from "../support/fake-crm.js";
import { postToApp } from "../support/fake-slack.js";
import { storeKind } from "../support/store.js";

// Poison input through the real routes, signed: a NUL byte or a lone surrogate (sent as JSON escapes,
// the only way they can arrive in valid UTF-8 JSON) never earns a 5xx. Text is stored repaired (U+FFFD)
// and processed; an item whose id carries one is refused alone, naming the field, and the rest of its
// batch is stored once.

const R = "\uFFFD";
const POISON = "\u0000\uD800";
const DEALS_SECRET = "poison-deals";
const HUBSPOT_SECRET = "poison-hubspot";
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
  });
  h.slack.on("users.lookupByEmail", (args) =>
    String(args.email).startsWith("ann")
      ? { ok: true, user: { id: "U_ANN", is_bot: false, deleted: false } }
      : { ok: false, error: "users_not_found" },
  );
  h.slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
}, 120_000);
afterAll(async () => {
  await h?.close();
  await hubspot?.close();
  await pipedrive?.close();
});

function postDeals(body: string) {
  const ts = Math.floor(Date.now() / 1000);
  return postToApp(`${h.url}/webhooks/deals`, body, {
    contentType: "application/json",
    headers: {
      "x-deal-coach-timestamp": String(ts),
      "x-deal-coach-signature": signDeals(DEALS_SECRET, ts, body),
    },
  });
}

const item = (
  i: number,
  fields: { eventId?: string; dealId?: string; name?: string; note?: string } = {},
) => ({
  event_id: fields.eventId ?? `poison-${i}`,
  occurred_at: new Date(Date.now() - 1000).toISOString(),
  deal: {
    id: fields.dealId ?? `P-${i}`,
    name: fields.name ?? `Poison deal ${i}`,
    stage: "negotiation",
    owner_email: `nobody${i}@acme.test`,
  },
  previous: { stage: "proposal" },
  ...(fields.note ? { note: fields.note } : {}),
});

const inboxIds = async (status: "done" | "dead") =>
  new Set((await h.store.deals.listInbox([status])).map((r) => r.eventId));

describe(`poison input through the webhook routes (${storeKind})`, () => {
  it("/webhooks/deals stores a batch of 100 with poisoned text repaired and refuses only the item with a poisoned id", async () => {
    const batch = Array.from({ length: 100 }, (_, i) => item(i));
    batch[3] = item(3, { name: `Globex ${POISON} renewal`, note: `they said ${POISON} maybe` });
    batch[7] = item(7, { eventId: `poison-7${POISON}` });
    const body = JSON.stringify(batch);
    expect(body).toContain("\\u0000");
    expect(body).toContain("\\ud800");
    const res = await postDeals(body);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      accepted: 99,
      duplicates: 0,
      rejected: [{ item: 7, field: "event id" }],
    });
    // The CRM sends it again (it always may): duplicates, the same refusal, no retry loop.
    const again = await postDeals(body);
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ accepted: 0, duplicates: 99, rejected: [{ item: 7 }] });

    await eventually(async () => expect((await inboxIds("done")).size).toBeGreaterThanOrEqual(99), 60_000);
    expect([...(await inboxIds("dead"))].filter((id) => id.startsWith("poison-"))).toEqual([]);
    const deal = await h.store.deals.getDeal("deals", "P-3");
    expect(deal?.state.snapshot.name).toBe(`Globex ${R}${R} renewal`);
  }, 120_000);

  it("/webhooks/deals answers 400 naming the field when every item has a poisoned id", async () => {
    const byEvent = await postDeals(JSON.stringify(item(200, { eventId: `e${POISON}` })));
    expect(byEvent.status).toBe(400);
    expect((byEvent.json as { error: string }).error).toMatch(/item 0: the event id contains a NUL byte/);
    const byDeal = await postDeals(
      JSON.stringify([item(201, { dealId: `d\u0000` }), item(202, { dealId: "\uDC00" })]),
    );
    expect(byDeal.status).toBe(400);
    expect(byDeal.json).toMatchObject({
      rejected: [
        { item: 0, field: "deal id" },
        { item: 1, field: "deal id" },
      ],
    });
    expect(await inboxIds("done")).not.toContain("poison-201");
  });

  it("/webhooks/deals nudges the owner of a deal whose name and note were repaired", async () => {
    const body = JSON.stringify({
      ...item(300, { name: `Initech ${POISON}`, note: `budget ${POISON} cut` }),
      deal: { id: "P-300", name: `Initech ${POISON}`, stage: "negotiation", owner_email: "ann@acme.test" },
    });
    expect((await postDeals(body)).status).toBe(202);
    const nudge = await h.slack.waitFor(
      (c) => c.method === "chat.postMessage" && JSON.stringify(c.args.blocks ?? "").includes("Initech"),
      { timeoutMs: 30_000 },
    );
    expect(JSON.stringify(nudge.args.blocks)).toContain(`Initech ${R}${R}`);
  }, 60_000);

  it("/webhooks/hubspot stores a poisoned property value and a poisoned deal from the API", async () => {
    hubspot.deals.set("9001", {
      dealname: `Hooli ${POISON}`,
      dealstage: "contractsent",
      hubspot_owner_id: "5",
    });
    hubspot.owners.set("5", { email: "nobody-hs@acme.test" });
    const body = JSON.stringify([
      {
        eventId: 90011,
        subscriptionId: 1,
        portalId: 1,
        appId: 1,
        occurredAt: Date.now() - 1000,
        subscriptionType: "deal.propertyChange",
        attemptNumber: 0,
        objectId: 9001,
        propertyName: "dealname",
        propertyValue: `Hooli ${POISON}`,
        changeSource: "CRM_UI",
      },
    ]);
    const timestamp = Date.now();
    const uri = `http://127.0.0.1:${h.running.port}/webhooks/hubspot`;
    const res = await postToApp(`${h.url}/webhooks/hubspot`, body, {
      contentType: "application/json",
      headers: {
        "x-hubspot-signature-v3": signHubSpot(HUBSPOT_SECRET, {
          method: "POST",
          uri,
          rawBody: body,
          timestamp,
        }),
        "x-hubspot-request-timestamp": String(timestamp),
        host: `127.0.0.1:${h.running.port}`,
      },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: 1, duplicates: 0 });
    await eventually(async () => expect(await inboxIds("done")).toContain("90011"), 30_000);
    expect((await h.store.deals.getDeal("hubspot", "9001"))?.state.snapshot.name).toBe(`Hooli ${R}${R}`);
  }, 60_000);

  it("/webhooks/pipedrive stores a poisoned title repaired", async () => {
    pipedrive.users.set("42", { email: "nobody-pd@acme.test" });
    const body = JSON.stringify({
      meta: {
        action: "change",
        entity: "deal",
        version: "2.0",
        company_id: 1,
        user_id: 42,
        id: 7007,
        entity_id: 7007,
        timestamp: Math.floor(Date.now() / 1000),
        change_source: "app",
      },
      data: { id: 7007, title: `Umbrella ${POISON}`, status: "open", stage_id: 4, owner_id: 42 },
      previous: { title: "Umbrella" },
    });
    const res = await postToApp(`${h.url}/webhooks/pipedrive`, body, {
      contentType: "application/json",
      headers: { authorization: `Basic ${Buffer.from("pd-user:pd-pass").toString("base64")}` },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: 1, duplicates: 0 });
    await eventually(
      async () =>
        expect((await h.store.deals.getDeal("pipedrive", "7007"))?.state.snapshot.name).toBe(
          `Umbrella ${R}${R}`,
        ),
      30_000,
    );
  }, 60_000);
});
