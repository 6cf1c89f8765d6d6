import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { coach } from "../../src/coaching/coach.js";
import { dealFields, snapshotFields } from "../../src/deals/deal-fields.js";
import { dealRefs, linkedDealFields } from "../../src/deals/deal-links.js";
import { NudgeSender } from "../../src/deals/nudge-sender.js";
import { DEFAULT_POLICY } from "../../src/deals/policy.js";
import { DealProcessor } from "../../src/deals/processor.js";
import { situationText } from "../../src/deals/situation.js";
import type { DealState, DealUpdate } from "../../src/deals/types.js";
import { libraryCoacher } from "../../src/llm/coacher.js";
import { createLogger } from "../../src/logger.js";
import { nudgeMessenger } from "../../src/slack/nudge-messenger.js";
import type { DealHistoryEntry } from "../../src/store/deal-types.js";
import type { Store } from "../../src/store/types.js";
import { library } from "../support/library.js";
import { optInToNudges } from "../support/nudges.js";
import { testStore } from "../support/store.js";

// Deal fields reach the coach: a stored deal and its history become the coach's structured fields, and
// the real processor and sender carry them from a CRM update to the questions a nudge asks.

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);

function state(overrides: Partial<DealState> = {}): DealState {
  return {
    source: "deals",
    dealId: "D1",
    snapshot: { id: "D1", name: "Globex", stage: "proposal", closeDate: "2027-01-15", status: "open" },
    closeDateMoves: 0,
    riskRecorded: false,
    ...overrides,
  };
}

const entry = (field: string, oldValue: string | null, newValue: string, occurredAt: string) =>
  ({ field, oldValue, newValue, occurredAt: at(occurredAt) }) satisfies DealHistoryEntry;

describe("dealFields", () => {
  const now = at("2026-11-18T14:00:00Z");

  it("maps the snapshot's fields and reads moves, the previous close date and amount, and days in stage from history", () => {
    const fields = dealFields(
      state({
        snapshot: {
          id: "D1",
          stage: "proposal",
          amount: 30000,
          closeDate: "2027-01-15",
          discountPercent: 20,
          competitor: "Initech",
          contactCount: 1,
          forecastCategory: "commit",
          status: "open",
          nextStep: "follow up",
          lastActivityAt: "2026-11-01T09:00:00Z",
        },
        closeDateMoves: 2,
        stageChangedAt: "2026-09-01T00:00:00Z",
      }),
      [
        entry("stage", null, "discovery", "2026-08-01T00:00:00Z"),
        entry("closeDate", null, "2026-12-01", "2026-08-01T00:00:00Z"),
        entry("stage", "discovery", "proposal", "2026-10-01T12:00:00Z"),
        entry("closeDate", "2026-12-01", "2026-12-20", "2026-10-05T00:00:00Z"),
        entry("amount", "40000", "30000", "2026-10-06T00:00:00Z"),
        entry("closeDate", "2026-12-20", "2027-01-15", "2026-11-10T00:00:00Z"),
      ],
      now,
    );
    expect(fields).toEqual({
      stage: "proposal",
      amount: 30000,
      previous_amount: 40000,
      close_date: "2027-01-15",
      previous_close_date: "2026-12-20",
      close_date_moves: 2,
      discount_percent: 20,
      competitor: "Initech",
      contact_count: 1,
      forecast_category: "commit",
      status: "open",
      next_step: "follow up",
      days_since_activity: 17,
      // From the last stage change in the history (48 days), not the older stageChangedAt.
      days_in_stage: 48,
    });
  });

  it("falls back to when we last heard of the deal and to stageChangedAt; no quiet or stage days for a closed deal", () => {
    const open = dealFields(
      state({ lastSeenAt: "2026-10-29T14:00:00Z", stageChangedAt: "2026-10-19T14:00:00Z" }),
      [],
      now,
    );
    expect(open).toMatchObject({ days_since_activity: 20, days_in_stage: 30 });
    expect(open).not.toHaveProperty("close_date_moves");
    const won = dealFields(
      state({
        snapshot: { id: "D1", stage: "post_sale", status: "won", lastActivityAt: "2026-01-01T00:00:00Z" },
        lastSeenAt: "2026-01-01T00:00:00Z",
      }),
      [entry("stage", "closing", "post_sale", "2026-01-01T00:00:00Z")],
      now,
    );
    expect(won).toEqual({ stage: "post_sale", status: "won" });
  });

  it("reads a closed deal as what it was: no discount, contacts, quiet days or slips; a lost deal keeps its competitor", () => {
    const sold = {
      id: "D1",
      amount: 9000,
      discountPercent: 30,
      contactCount: 1,
      competitor: "Initech",
      nextStep: "none",
      lastActivityAt: "2026-01-01T00:00:00Z",
    };
    // HubSpot sends no status: a closed stage says it.
    const won = dealFields(
      state({
        snapshot: { ...sold, stage: "post_sale" },
        closeDateMoves: 3,
        lastSeenAt: "2026-01-01T00:00:00Z",
      }),
      [entry("closeDate", "2026-01-01", "2026-02-01", "2026-01-05T00:00:00Z")],
      now,
    );
    expect(won).toEqual({ stage: "post_sale", amount: 9000 });
    const lost = dealFields(state({ snapshot: { ...sold, status: "lost" }, closeDateMoves: 3 }), [], now);
    expect(lost).toEqual({ amount: 9000, status: "lost", competitor: "Initech" });
  });

  it("never counts negative days or reads an unparseable time", () => {
    expect(snapshotFields({ lastActivityAt: "2026-12-01T00:00:00Z" }, now)).toEqual({
      days_since_activity: 0,
    });
    expect(snapshotFields({ lastActivityAt: "not a time" }, now)).toEqual({});
  });

  it("makes the coach's field rules fire: slipped, stalled, quiet, discount, single-threaded, competitor", () => {
    const deal = dealFields(
      state({
        snapshot: {
          id: "D1",
          stage: "proposal",
          discountPercent: 20,
          contactCount: 1,
          competitor: "Initech",
          status: "open",
        },
        closeDateMoves: 2,
        lastSeenAt: new Date(now.getTime() - 20 * DAY).toISOString(),
        stageChangedAt: new Date(now.getTime() - 40 * DAY).toISOString(),
      }),
      [],
      now,
    );
    const result = coach(library, { text: "Globex: update", deal });
    expect(result.signals).toEqual(
      expect.arrayContaining([
        "close_date_slipped",
        "stalled",
        "gone_quiet",
        "discount",
        "single_threaded",
        "competitor",
      ]),
    );
    expect(coach(library, { text: "Globex: update" }).signals).not.toContain("close_date_slipped");
  });
});

describe("situationText", () => {
  const idle = { kind: "idle" as const, themes: [], key: "idle:2026-11-01", summary: "Globex: no activity" };
  const moved = {
    ...idle,
    kind: "close_date_moved" as const,
    key: "close_date_moved:2",
    summary: "Globex: close date moved",
  };
  it("says the close date moved twice or more on an open deal's other nudges, once", () => {
    expect(situationText(idle, { id: "D1" }, undefined, 2)).toContain("The close date moved 2 times.");
    expect(situationText(idle, { id: "D1" }, undefined, 1)).not.toContain("close date moved");
    expect(situationText(moved, { id: "D1" }, undefined, 2)).not.toContain("The close date moved");
    expect(situationText(idle, { id: "D1", status: "won" }, undefined, 3)).not.toContain("close date moved");
  });
});

describe("dealRefs", () => {
  it("finds HubSpot (both link forms, any data centre) and Pipedrive deal links, without repeats", () => {
    const text = [
      "<https://app.hubspot.com/contacts/123/deal/456|Acme>",
      "https://app-eu1.hubspot.com/contacts/9/record/0-3/789/view/1",
      "again https://app.hubspot.com/contacts/123/deal/456",
      "https://acme-co.pipedrive.com/deal/42",
    ].join(" ");
    expect(dealRefs(text)).toEqual([
      { source: "hubspot", dealId: "456" },
      { source: "hubspot", dealId: "789" },
      { source: "pipedrive", dealId: "42" },
    ]);
  });

  it("ignores look-alikes: other objects, other hosts, text without a link", () => {
    expect(
      dealRefs(
        "https://app.hubspot.com/contacts/123/contact/456 https://evil.example/app.hubspot.com/deal/1 " +
          "https://pipedrive.com.evil.example/deal/5 https://acme.pipedrive.com/person/7 deal 456",
      ),
    ).toEqual([]);
  });
});

// ---- through the real processor and sender, on the test store (PGlite or PostgreSQL) ------------------

let clock: Date;
const now = () => clock;
let store: Store;
let posts: Array<Record<string, unknown>>;

const fakeClient = {
  conversations: {
    open: async (args: { users: string }) => ({ ok: true, channel: { id: `D_${args.users}` } }),
    history: async () => ({ ok: true, messages: [], has_more: false }),
    replies: async () => ({ ok: true, messages: [], has_more: false }),
  },
  chat: {
    postMessage: async (args: Record<string, unknown>) => {
      posts.push(args);
      return { ok: true, ts: String(posts.length) };
    },
  },
} as unknown as WebClient;

function update(eventId: string, occurredAt: string, deal: Partial<DealUpdate["deal"]>): DealUpdate {
  return {
    source: "deals",
    eventId,
    occurredAt,
    deal: { id: "D7", name: "Globex", ownerEmail: "ann@acme.test", ...deal },
    changedFields: Object.keys(deal),
  };
}

const sectionTexts = (post: Record<string, unknown> | undefined) =>
  ((post?.blocks ?? []) as Array<{ type: string; text?: { text: string } }>)
    .filter((b) => b.type === "section")
    .map((b) => b.text?.text ?? "");

describe("nudges carry the deal to the coach", () => {
  let processor: DealProcessor;
  let sender: NudgeSender;

  beforeEach(async () => {
    clock = at("2026-11-02T10:00:00Z"); // a Monday
    store = await testStore({ now });
    posts = [];
    processor = new DealProcessor({
      store,
      logger: createLogger("silent"),
      now,
      enrich: async (u) => u,
      resolveOwner: async (_team, email) => (email === "ann@acme.test" ? "U_ANN" : null),
      idleBusinessDays: 14,
    });
    sender = new NudgeSender({
      store,
      library,
      coacher: libraryCoacher(library),
      logger: createLogger("silent"),
      now,
      policy: { ...DEFAULT_POLICY, quietHours: "off", weekends: "on", dailyCap: 50, weeklyCap: 100 },
      messenger: nudgeMessenger({ clientFor: async () => fakeClient }),
    });
    await optInToNudges(store, "T1", "U_ANN");
  });
  afterEach(async () => {
    await store.close();
  });

  it("asks a close-date-move question on the idle nudge of a deal whose close date moved twice", async () => {
    const first = {
      stage: "proposal" as const,
      stageLabel: "proposal",
      closeDate: "2026-11-30",
      status: "open" as const,
    };
    await store.deals.accept("T1", [update("e1", "2026-11-02T09:00:00Z", { id: "D7", ...first })]);
    await processor.processDue();
    await store.deals.accept("T1", [update("e2", "2026-11-03T09:00:00Z", { closeDate: "2026-12-15" })]);
    clock = at("2026-11-03T10:00:00Z");
    await processor.processDue();
    await store.deals.accept("T1", [update("e3", "2026-11-04T09:00:00Z", { closeDate: "2027-01-20" })]);
    clock = at("2026-11-04T10:00:00Z");
    await processor.processDue();
    await sender.sendDue();
    const sentBefore = posts.length;

    // Nothing more happens for five weeks: the sweep raises the idle nudge.
    clock = at("2026-12-09T10:00:00Z");
    expect(await processor.sweep()).toBe(1);
    const idle = (await store.deals.claimDueNudges(10, 1)).find((n) => n.payload.trigger.kind === "idle");
    expect(idle?.payload.deal).toMatchObject({
      stage: "proposal",
      close_date: "2027-01-20",
      previous_close_date: "2026-12-15",
      close_date_moves: 2,
      days_since_activity: 35,
      days_in_stage: 37,
    });
    expect(idle?.payload.situation).toContain("The close date moved 2 times.");

    clock = new Date(clock.getTime() + 5_000); // past the lease just taken
    await sender.sendDue();
    const nudge = posts.slice(sentBefore).find((p) => JSON.stringify(p.blocks).includes("no activity"));
    const slipReasons = library.questions.get("urgency.slip-reasons")?.text as string;
    expect(slipReasons).toBeTruthy();
    expect(sectionTexts(nudge)).toContain(slipReasons);
  });

  it("sends the questions the deal's fields call for, not those of the text alone", async () => {
    const situation = "Globex moved to Negotiation";
    const deal = {
      stage: "negotiation" as const,
      contact_count: 1,
      competitor: "Initech",
      days_in_stage: 45,
    };
    const trigger = {
      kind: "stage_change" as const,
      themes: [] as never[],
      key: "stage_change:negotiation",
      summary: situation,
    };
    const options = { user: "U_ANN", history: [] };
    const withDeal = coach(library, { text: situation, stage: "negotiation", deal }, options);
    const without = coach(library, { text: situation, stage: "negotiation" }, options);
    // The premise of this test: the fields change the reply.
    expect(withDeal.questions.map((q) => q.id)).not.toEqual(without.questions.map((q) => q.id));

    await store.deals.addNudge({
      teamId: "T1",
      userId: "U_ANN",
      ownerEmail: "ann@acme.test",
      source: "deals",
      dealId: "D8",
      dueAt: clock,
      payload: { trigger, dealName: "Globex", situation, stage: "negotiation", deal },
    });
    expect(await sender.sendDue()).toBe(1);
    expect(sectionTexts(posts[0])).toEqual(withDeal.questions.map((q) => q.text));
  });
});

describe("linkedDealFields", () => {
  beforeEach(async () => {
    clock = at("2026-11-18T14:00:00Z");
    store = await testStore({ now });
  });
  afterEach(async () => {
    await store.close();
  });

  it("reads the linked deal of this team only", async () => {
    const hubspotDeal: DealState = {
      ...state({ source: "hubspot", dealId: "456", closeDateMoves: 3 }),
      snapshot: { id: "456", stage: "negotiation", competitor: "Initech" },
    };
    await store.deals.saveDeal("T1", hubspotDeal, clock, [
      entry("closeDate", "2026-12-01", "2027-01-15", "2026-11-10T00:00:00Z"),
    ]);
    const link = "see https://app.hubspot.com/contacts/1/deal/456";
    expect(await linkedDealFields(store.deals, "T1", link, clock)).toMatchObject({
      stage: "negotiation",
      competitor: "Initech",
      close_date_moves: 3,
      previous_close_date: "2026-12-01",
    });
    expect(await linkedDealFields(store.deals, "T2", link, clock)).toBeUndefined();
    expect(
      await linkedDealFields(store.deals, "T1", "https://app.hubspot.com/contacts/1/deal/999", clock),
    ).toBeUndefined();
  });
});
