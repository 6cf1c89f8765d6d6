import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DealUpdate, Trigger } from "../../src/deals/types.js";
import type { Store } from "../../src/store/types.js";
import { storeKind, testStore } from "../support/store.js";

let clock = new Date("2026-11-20T10:00:00Z");
const now = () => clock;
const later = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

function update(
  dealId: string,
  eventId: string,
  occurredAt: string,
  extra: Partial<DealUpdate> = {},
): DealUpdate {
  return {
    source: "deals",
    eventId,
    occurredAt,
    deal: { id: dealId, name: `Deal ${dealId}`, ownerEmail: "Ann@Example.com" },
    changedFields: ["stage"],
    ...extra,
  };
}

const trigger = (key: string): Trigger => ({
  kind: "stage_change",
  themes: ["decision_process"],
  key,
  summary: "moved",
});

let store: Store;
beforeEach(async () => {
  clock = new Date("2026-11-20T10:00:00Z");
  store = await testStore({ now });
});
afterEach(async () => {
  await store.close();
});

describe(`deal inbox (${storeKind})`, () => {
  it("accepts each (source, event id) once", async () => {
    const d = store.deals;
    expect(
      await d.accept("T1", [
        update("1", "e1", "2026-11-20T09:00:00Z"),
        update("1", "e2", "2026-11-20T09:01:00Z"),
      ]),
    ).toEqual({
      accepted: 2,
      duplicates: 0,
    });
    expect(
      await d.accept("T1", [
        update("1", "e2", "2026-11-20T09:01:00Z"),
        update("2", "e3", "2026-11-20T09:02:00Z"),
      ]),
    ).toEqual({
      accepted: 1,
      duplicates: 1,
    });
    // The same event id from another source is a different event.
    expect(
      (await d.accept("T1", [{ ...update("1", "e1", "2026-11-20T09:00:00Z"), source: "hubspot" }])).accepted,
    ).toBe(1);
  });

  it("hands out one update per deal at a time, oldest occurrence first", async () => {
    const d = store.deals;
    // Delivered out of order: e-late first.
    await d.accept("T1", [
      update("A", "e-late", "2026-11-20T09:05:00Z"),
      update("A", "e-early", "2026-11-20T09:00:00Z"),
    ]);
    await d.accept("T1", [update("B", "b1", "2026-11-20T09:03:00Z")]);
    const first = await d.claimInbox(10, 60_000);
    expect(first.map((r) => r.eventId)).toEqual(["e-early", "b1"]);
    expect(await d.claimInbox(10, 60_000)).toEqual([]);
    await d.completeInbox(first[0]?.id ?? "");
    const second = await d.claimInbox(10, 60_000);
    expect(second.map((r) => r.eventId)).toEqual(["e-late"]);
    expect(second[0]?.update.deal.ownerEmail).toBe("Ann@Example.com");
  });

  it("gives a row back when its lease expires (the process died), and retries then dead-letters failures", async () => {
    const d = store.deals;
    await d.accept("T1", [update("A", "e1", "2026-11-20T09:00:00Z")]);
    const [row] = await d.claimInbox(1, 30_000);
    expect(row?.attempts).toBe(1);
    expect(await d.claimInbox(1, 30_000)).toEqual([]);
    later(31_000);
    const [again] = await d.claimInbox(1, 30_000);
    expect(again?.id).toBe(row?.id);
    expect(again?.attempts).toBe(2);
    await d.failInbox(again?.id ?? "", "HubSpot said 500", new Date(clock.getTime() + 5_000));
    expect(await d.claimInbox(1, 30_000)).toEqual([]);
    later(5_000);
    const [third] = await d.claimInbox(1, 30_000);
    await d.failInbox(third?.id ?? "", "still failing", null);
    const dead = await d.listInbox(["dead"]);
    expect(dead.map((r) => [r.eventId, r.lastError])).toEqual([["e1", "still failing"]]);
    expect(await d.replayInbox(dead[0]?.id ?? "")).toBe(true);
    expect((await d.claimInbox(1, 30_000)).map((r) => r.eventId)).toEqual(["e1"]);
    expect(await d.replayInbox("999999")).toBe(false);
    expect(await d.replayInbox("not-an-id")).toBe(false);
  });

  it("never gives the same row to two claimers at once", async () => {
    const d = store.deals;
    await d.accept(
      "T1",
      Array.from({ length: 20 }, (_, i) =>
        update(`D${i}`, `e${i}`, `2026-11-20T09:${String(i).padStart(2, "0")}:00Z`),
      ),
    );
    const [a, b] = await Promise.all([d.claimInbox(15, 60_000), d.claimInbox(15, 60_000)]);
    const ids = [...(a ?? []), ...(b ?? [])].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(20);
  });
});

describe(`deals, owners and nudges (${storeKind})`, () => {
  it("keeps a deal's state and history", async () => {
    const d = store.deals;
    const state = {
      source: "deals" as const,
      dealId: "A",
      snapshot: { id: "A", name: "Acme" },
      closeDateMoves: 1,
      riskRecorded: false,
    };
    await d.saveDeal("T1", state, new Date("2026-11-20T09:00:00Z"), [
      {
        field: "closeDate",
        oldValue: "2026-12-01",
        newValue: "2027-01-15",
        occurredAt: new Date("2026-11-20T09:00:00Z"),
      },
    ]);
    await d.saveDeal("T1", { ...state, closeDateMoves: 2 }, new Date("2026-11-21T09:00:00Z"), []);
    expect(await d.getDeal("deals", "A")).toEqual({
      state: { ...state, closeDateMoves: 2 },
      lastEventAt: new Date("2026-11-21T09:00:00Z"),
    });
    expect((await d.dealHistory("deals", "A")).map((h) => h.newValue)).toEqual(["2027-01-15"]);
    expect((await d.allDeals()).map((x) => x.teamId)).toEqual(["T1"]);
  });

  it("lets a /coach link win over a cached lookup", async () => {
    const d = store.deals;
    await d.saveOwnerLink("T1", "Ann@Example.com", "U_LOOKUP", "lookup");
    expect(await d.ownerLink("T1", "ann@example.com")).toEqual({ userId: "U_LOOKUP", origin: "lookup" });
    await d.saveOwnerLink("T1", "ann@example.com", "U_LINKED", "link");
    await d.saveOwnerLink("T1", "ann@example.com", "U_OTHER", "lookup");
    expect(await d.ownerLink("T1", "ANN@example.com")).toEqual({ userId: "U_LINKED", origin: "link" });
  });

  it("creates one nudge per deal per trigger, waits for an unmapped owner, and counts what was sent", async () => {
    const d = store.deals;
    const payload = { trigger: trigger("stage_change:negotiation"), dealName: "Acme", situation: "moved" };
    const base = { teamId: "T1", source: "deals" as const, dealId: "A", payload, dueAt: clock };
    expect(await d.addNudge({ ...base, userId: null, ownerEmail: "Ann@Example.com" })).toBe(true);
    expect(await d.addNudge({ ...base, userId: "U1", ownerEmail: "ann@example.com" })).toBe(false);
    expect(await d.claimDueNudges(10, 60_000)).toEqual([]);
    expect((await d.waitingForOwner("T1")).map((n) => n.ownerEmail)).toEqual(["ann@example.com"]);
    expect(await d.assignOwner("T1", "ANN@example.com", "U1")).toBe(1);
    const [nudge] = await d.claimDueNudges(10, 60_000);
    expect(nudge?.userId).toBe("U1");
    expect(nudge?.payload.dealName).toBe("Acme");
    await d.deferNudge(nudge?.id ?? "", new Date(clock.getTime() + 3_600_000), "quiet_hours");
    expect(await d.claimDueNudges(10, 60_000)).toEqual([]);
    later(3_600_000);
    const [due] = await d.claimDueNudges(10, 60_000);
    await d.finishNudge(due?.id ?? "", "sent");
    expect(await d.countSent("T1", "U1", new Date(clock.getTime() - 1000))).toBe(1);
    expect(await d.countSent("T1", "U1", new Date(clock.getTime() + 1000))).toBe(0);
  });

  it("remembers snooze and mute per user and deal, and deal channels per team", async () => {
    const d = store.deals;
    expect(await d.dealPref("T1", "U1", "deals", "A")).toEqual({ snoozedUntil: null, muted: false });
    const until = new Date("2026-11-27T10:00:00Z");
    await d.setDealPref("T1", "U1", "deals", "A", { snoozedUntil: until });
    await d.setDealPref("T1", "U1", "deals", "A", { muted: true });
    expect(await d.dealPref("T1", "U1", "deals", "A")).toEqual({ snoozedUntil: until, muted: true });
    await d.setDealChannel("T1", "C1", true, "U1");
    await d.setDealChannel("T1", "C2", true);
    await d.setDealChannel("T1", "C2", false);
    expect(await d.dealChannels("T1")).toEqual(["C1"]);
  });

  it("forgets a user's deal data with the rest of their data", async () => {
    const d = store.deals;
    await d.saveOwnerLink("T1", "ann@example.com", "U1", "link");
    await d.setDealPref("T1", "U1", "deals", "A", { muted: true });
    await d.addNudge({
      teamId: "T1",
      userId: "U1",
      ownerEmail: "ann@example.com",
      source: "deals",
      dealId: "A",
      payload: { trigger: trigger("won"), dealName: "Acme", situation: "won" },
      dueAt: clock,
    });
    const report = await store.forgetUser({ teamId: "T1", userId: "U1" });
    expect(report).toMatchObject({ crmLinks: 1, dealPrefs: 1, nudges: 1 });
    expect(await d.ownerLink("T1", "ann@example.com")).toBeUndefined();
    expect(await d.dealPref("T1", "U1", "deals", "A")).toEqual({ snoozedUntil: null, muted: false });
  });
});
