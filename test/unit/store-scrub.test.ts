import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DealUpdate } from "../../src/deals/types.js";
import type { Store } from "../../src/store/types.js";
import { storeKind, testStore } from "../support/store.js";

// Text PostgreSQL refuses (NUL; a lone surrogate, which jsonb refuses as an escape) reaches every write
// of the store: each is stored with U+FFFD instead of failing. Without the store's scrub each of these
// writes throws (22P05 / 22021 / 22P02).

const R = "\uFFFD";
const POISON = "a\u0000b\uD800c\uDC00d";
const REPAIRED = `a${R}b${R}c${R}d`;
const key = { teamId: "T1", userId: "U1" };
let store: Store;

beforeEach(async () => {
  store = await testStore();
});
afterEach(async () => {
  await store.close();
});

function update(eventId: string, name: string, note: string): DealUpdate {
  return {
    source: "deals",
    eventId,
    occurredAt: "2026-11-20T09:00:00.000Z",
    deal: { id: `D-${eventId}`, name, ownerEmail: `ann${POISON}@acme.test` },
    note,
    changedFields: ["name"],
  };
}

describe(`the store repairs unstorable text (${storeKind})`, () => {
  it("in deal updates (jsonb), their ids and text columns", async () => {
    expect(
      await store.deals.accept("T1", [update("e1", POISON, POISON), update(`e${POISON}`, "ok", "ok")]),
    ).toEqual({ accepted: 2, duplicates: 0 });
    const rows = await store.deals.listInbox(["pending"]);
    expect(rows.map((r) => r.eventId).sort()).toEqual(["e1", `e${REPAIRED}`]);
    const first = rows.find((r) => r.eventId === "e1");
    expect(first?.update.deal.name).toBe(REPAIRED);
    expect(first?.update.note).toBe(REPAIRED);

    const state = {
      source: "deals" as const,
      dealId: "D1",
      snapshot: { id: "D1", name: POISON },
      closeDateMoves: 0,
    };
    await store.deals.applyUpdate({
      inboxId: String(first?.id),
      teamId: "T1",
      deal: {
        state: state as never,
        lastEventAt: new Date("2026-11-20T09:00:00Z"),
        history: [{ field: "name", oldValue: POISON, newValue: "x", occurredAt: new Date() }],
      },
      nudges: [
        {
          teamId: "T1",
          userId: "U1",
          ownerEmail: `ann${POISON}@acme.test`,
          source: "deals",
          dealId: "D1",
          dueAt: new Date(),
          payload: {
            trigger: { kind: "stage_change", themes: [], key: `k${POISON}`, summary: POISON },
            dealName: POISON,
            situation: POISON,
          },
        },
      ],
    });
    expect((await store.deals.getDeal("deals", "D1"))?.state.snapshot.name).toBe(REPAIRED);
    expect((await store.deals.dealHistory("deals", "D1"))[0]?.oldValue).toBe(REPAIRED);
    const [nudge] = await store.deals.claimDueNudges(5, 60_000);
    expect(nudge?.payload.dealName).toBe(REPAIRED);
    expect(nudge?.triggerKey).toBe(`k${REPAIRED}`);
    expect(nudge?.ownerEmail).toBe(`ann${REPAIRED}@acme.test`);
    expect((await store.deals.listInbox(["done"])).map((r) => r.id)).toEqual([first?.id]);
  });

  it("in reflections, owner links, settings, claims and installations", async () => {
    await store.addReflection(key, { questionText: POISON, answer: `${POISON} and a typed \\u0000` });
    const [reflection] = await store.listReflections(key);
    expect(reflection?.answer).toBe(`${REPAIRED} and a typed \\u0000`);

    await store.deals.saveOwnerLink("T1", `x${POISON}@acme.test`, "U1", "link");
    expect((await store.deals.ownerLink("T1", `x${POISON}@acme.test`))?.userId).toBe("U1");

    const user = await store.upsertUser(key, {
      tz: POISON,
      settings: { quietHours: { start: POISON, end: "08:00" } } as never,
    });
    expect(user.tz).toBe(REPAIRED);
    expect((await store.getUser(key))?.settings.quietHours?.start).toBe(REPAIRED);

    expect(await store.claimOnce(`ev${POISON}`)).toBe(true);
    expect(await store.claimOnce(`ev${POISON}`)).toBe(false);
    await store.saveInstallation(`i${POISON}`, POISON);
    expect(await store.fetchInstallation(`i${POISON}`)).toBe(REPAIRED);
  });

  it("in a hand-written statement's parameters", async () => {
    // Reaches into the store's Kysely instance the way its own SQL does: sql`` parameters are scrubbed too.
    const db = (store.deals as unknown as { db: Parameters<ReturnType<typeof sql>["execute"]>[0] }).db;
    const result = await sql<{
      v: string;
      j: unknown;
    }>`SELECT ${POISON}::text AS v, ${JSON.stringify({ n: POISON })}::jsonb AS j`.execute(db);
    expect(result.rows[0]?.v).toBe(REPAIRED);
    expect(result.rows[0]?.j).toEqual({ n: REPAIRED });
  });
});
