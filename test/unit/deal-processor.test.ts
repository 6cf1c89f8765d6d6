import { type Kysely, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DealProcessor, mergeTriggers } from "../../src/deals/processor.js";
import type { DealUpdate } from "../../src/deals/types.js";
import { createLogger } from "../../src/logger.js";
import type { Store } from "../../src/store/types.js";
import { testStore } from "../support/store.js";

// The processor between the inbox and the nudges: order, staleness, owners, retries and dead letters.

let clock = new Date("2026-11-18T14:00:00Z");
const now = () => clock;
let store: Store;
let enrichFails: Error | undefined;
const owners: Record<string, string> = { "ann@acme.test": "U_ANN" };
let processor: DealProcessor;

const update = (
  eventId: string,
  occurredAt: string,
  deal: Partial<DealUpdate["deal"]>,
  previous?: DealUpdate["previous"],
): DealUpdate => ({
  source: "deals",
  eventId,
  occurredAt,
  deal: { id: "D1", name: "Globex", ownerEmail: "ann@acme.test", ...deal },
  previous,
  changedFields: Object.keys(deal),
});

beforeEach(async () => {
  clock = new Date("2026-11-18T14:00:00Z");
  store = await testStore({ now });
  enrichFails = undefined;
  processor = new DealProcessor({
    store,
    logger: createLogger("silent"),
    now,
    enrich: async (u) => {
      if (enrichFails) throw enrichFails;
      return u;
    },
    resolveOwner: async (_team, email) => owners[email] ?? null,
    idleBusinessDays: 14,
  });
});
afterEach(async () => {
  await store.close();
});

describe("deal processor", () => {
  it("applies a deal's updates in occurrence order even when delivered out of order", async () => {
    await store.deals.accept("T1", [
      update("late", "2026-11-18T13:00:00Z", { stage: "closing" }, { stage: "negotiation" }),
      update("early", "2026-11-18T12:00:00Z", { stage: "negotiation" }, { stage: "proposal" }),
    ]);
    while ((await processor.processDue()) > 0);
    const history = await store.deals.dealHistory("deals", "D1");
    expect(history.filter((h) => h.field === "stage").map((h) => h.newValue)).toEqual([
      "negotiation",
      "closing",
    ]);
    expect((await store.deals.getDeal("deals", "D1"))?.state.snapshot.stage).toBe("closing");
  });

  it("never rolls a deal back with an update older than one already applied", async () => {
    await store.deals.accept("T1", [
      update("new", "2026-11-18T13:00:00Z", { stage: "closing" }, { stage: "negotiation" }),
    ]);
    await processor.processDue();
    await store.deals.accept("T1", [
      update("old", "2026-11-18T12:00:00Z", { stage: "proposal" }, { stage: "discovery" }),
    ]);
    await processor.processDue();
    expect((await store.deals.getDeal("deals", "D1"))?.state.snapshot.stage).toBe("closing");
    expect((await store.deals.listInbox(["done"])).map((r) => r.eventId).sort()).toEqual(["new", "old"]);
  });

  it("creates one nudge for the owner per change, and waits when the owner is unknown", async () => {
    await store.deals.accept("T1", [
      update("a", "2026-11-18T13:00:00Z", { stage: "negotiation" }, { stage: "proposal" }),
    ]);
    await processor.processDue();
    const [nudge] = await store.deals.claimDueNudges(10, 1000);
    expect(nudge?.userId).toBe("U_ANN");
    expect(nudge?.payload.trigger.themes[0]).toBe("absence_of_no");
    await store.deals.accept("T1", [
      {
        ...update("b", "2026-11-18T13:05:00Z", { id: "D2", stage: "negotiation" }, { stage: "proposal" }),
        deal: { id: "D2", name: "Hooli", ownerEmail: "x@y.test", stage: "negotiation" },
      },
    ]);
    await processor.processDue();
    expect((await store.deals.waitingForOwner("T1")).map((n) => n.payload.dealName)).toEqual(["Hooli"]);
  });

  it("retries a failing update with backoff, then dead-letters it; a permanent failure dies at once", async () => {
    enrichFails = new Error("CRM timed out");
    await store.deals.accept("T1", [update("r", "2026-11-18T13:00:00Z", { stage: "closing" })]);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(await processor.processDue()).toBe(1);
      clock = new Date(clock.getTime() + 3_600_000);
    }
    expect((await store.deals.listInbox(["dead"])).map((r) => [r.eventId, r.attempts, r.lastError])).toEqual([
      ["r", 5, "CRM timed out"],
    ]);

    enrichFails = Object.assign(new Error("HubSpot GET /crm/v3/objects/deals/9 answered 404"), {
      retryable: false,
    });
    await store.deals.accept("T1", [update("p", "2026-11-18T13:00:00Z", { id: "D9", stage: "closing" })]);
    await processor.processDue();
    expect((await store.deals.listInbox(["dead"])).map((r) => r.eventId).sort()).toEqual(["p", "r"]);
  });

  it("merges triggers raised together into one, leading with the first", () => {
    const merged = mergeTriggers([
      { kind: "late_stage_untested", themes: ["absence_of_no"], key: "late:negotiation", summary: "first" },
      {
        kind: "stage_change",
        themes: ["decision_process", "absence_of_no"],
        key: "stage_change:negotiation",
        summary: "second",
      },
    ]);
    expect(merged).toEqual({
      kind: "late_stage_untested",
      themes: ["absence_of_no", "decision_process"],
      key: "late:negotiation+stage_change:negotiation",
      summary: "first",
    });
  });

  it("commits a deal's new state with its nudge or not at all, so a retry still nudges", async () => {
    // The store's own connection, to make the nudge's insert fail as a crash between the two would.
    const db = (store.deals as unknown as { db: Kysely<unknown> }).db;
    await sql`CREATE FUNCTION refuse_nudge() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'nudge refused'; END $$`.execute(db);
    await sql`CREATE TRIGGER refuse BEFORE INSERT ON nudges FOR EACH ROW EXECUTE FUNCTION refuse_nudge()`.execute(
      db,
    );
    await store.deals.accept("T1", [
      update("atomic", "2026-11-18T13:00:00Z", { stage: "negotiation" }, { stage: "proposal" }),
    ]);
    await processor.processDue();
    expect(await store.deals.getDeal("deals", "D1")).toBeUndefined();
    expect(await store.deals.dealHistory("deals", "D1")).toEqual([]);
    expect((await store.deals.listInbox(["pending"])).map((r) => r.lastError)).toEqual(["nudge refused"]);

    await sql`DROP TRIGGER refuse ON nudges`.execute(db);
    clock = new Date(clock.getTime() + 60_000);
    await processor.processDue();
    expect((await store.deals.getDeal("deals", "D1"))?.state.snapshot.stage).toBe("negotiation");
    expect(await store.deals.claimDueNudges(10, 60_000)).toHaveLength(1);
    expect((await store.deals.listInbox(["done"])).map((r) => r.eventId)).toEqual(["atomic"]);
  });
});
