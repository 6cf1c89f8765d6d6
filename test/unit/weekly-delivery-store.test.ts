import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DealState } from "../../src/deals/types.js";
import type { Store, UserKey } from "../../src/store/types.js";
import type { WeeklySend } from "../../src/store/weekly-types.js";
import { storeKind, testStore } from "../support/store.js";

// The set-based delivery half of the weekly store (src/store/sql-weekly-delivery.ts): leasing pending
// sends, the context of a batch, finishing a batch, and the per-workspace pace every sender shares.
// Against PGlite (default) or PostgreSQL (TEST_STORE=postgres).

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;
const LEASE = MINUTE;

let store: Store;
let clock: Date;
const at = (iso: string) => new Date(iso);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

beforeEach(async () => {
  clock = at("2026-11-20T10:00:00.000Z");
  store = await testStore({ now: () => clock });
});
afterEach(() => store.close());

/** An opted-in rep whose next run is `nextRunAt` (claimDue joins users, so the user row is needed). */
async function optIn(key: UserKey, nextRunAt: Date, extra: { unanswered?: number } = {}): Promise<void> {
  await store.upsertUser(key);
  await store.weekly.saveSchedule(key, { enabled: true, nextRunAt, ...extra });
}

/** Claims every due schedule at `when` for `week`, moving each a week on. */
function claimWeek(when: Date, week: string) {
  return store.weekly.claimDue(when, 1000, (row) => ({
    week,
    nextRunAt: plus(row.nextRunAt ?? when, WEEK),
  }));
}

const who = (sends: WeeklySend[]) => sends.map((s) => `${s.teamId}/${s.userId}`);

describe(`claimDue and claimPending (${storeKind})`, () => {
  const u1 = { teamId: "T1", userId: "U1" };
  const u2 = { teamId: "T1", userId: "U2" };
  const u3 = { teamId: "T2", userId: "U3" };
  const u4 = { teamId: "T2", userId: "U4" };
  const t0 = at("2026-11-27T15:00:00.000Z");

  beforeEach(async () => {
    // Created out of due order on purpose.
    await optIn(u1, plus(t0, 3 * MINUTE));
    await optIn(u2, plus(t0, 1 * MINUTE));
    await optIn(u3, plus(t0, 2 * MINUTE));
    await optIn(u4, t0);
  });

  it("writes one pending send per due rep and moves schedules on; a second claim creates nothing", async () => {
    const now = plus(t0, 5 * MINUTE);
    expect(await claimWeek(now, "2026-W48")).toEqual({ claimed: 4, created: 4 });
    expect(await claimWeek(now, "2026-W48")).toEqual({ claimed: 0, created: 0 });
    expect((await store.weekly.getSchedule(u1))?.nextRunAt).toEqual(plus(t0, 3 * MINUTE + WEEK));
    const [send] = await store.weekly.recentSends(u2, 10);
    expect(send).toMatchObject({
      ...u2,
      week: "2026-W48",
      status: "pending",
      kind: "prompt",
      attempts: 0,
      dueAt: plus(t0, MINUTE),
      sentAt: null,
    });
    // Due again for a week that already has its send: the schedule is claimed, the send kept as it is.
    await store.weekly.saveSchedule(u2, { nextRunAt: t0 });
    expect(await claimWeek(now, "2026-W48")).toEqual({ claimed: 1, created: 0 });
    expect(await store.weekly.recentSends(u2, 10)).toEqual([send]);
  });

  it("leases earliest due first, one workspace when asked, and counts only what is free to lease", async () => {
    const now = plus(t0, 5 * MINUTE);
    await claimWeek(now, "2026-W48");
    const w = store.weekly;
    expect(await w.pendingCount(now)).toBe(4);
    expect(await w.pendingTeams(now)).toEqual(["T1", "T2"]);

    const first = await w.claimPending(now, 2, LEASE);
    expect(who(first)).toEqual(["T2/U4", "T1/U2"]);
    expect(first.map((s) => s.attempts)).toEqual([1, 1]);
    expect(first.every((s) => s.status === "pending")).toBe(true);
    expect(await w.pendingCount(now)).toBe(2);
    expect(await w.pendingTeams(now)).toEqual(["T1", "T2"]);

    // Only T1's: U1 (T2's U3 is due earlier but belongs to the other workspace).
    const ofT1 = await w.claimPending(now, 10, LEASE, "T1");
    expect(who(ofT1)).toEqual(["T1/U1"]);
    expect(await w.pendingTeams(now)).toEqual(["T2"]);
    expect(await w.pendingCount(now)).toBe(1);
    expect(await w.claimPending(now, 10, LEASE, "T1")).toEqual([]);
    expect(await w.claimPending(now, 10, LEASE, "T3")).toEqual([]);

    // A millisecond before the leases end, only U3 (never leased) is free.
    const justBefore = plus(now, LEASE - 1);
    expect(await w.pendingCount(justBefore)).toBe(1);
    const second = await w.claimPending(justBefore, 10, LEASE);
    expect(who(second)).toEqual(["T2/U3"]);
    expect(second[0]?.attempts).toBe(1);
    expect(await w.pendingCount(justBefore)).toBe(0);
    expect(await w.pendingTeams(justBefore)).toEqual([]);
    expect(await w.claimPending(justBefore, 10, LEASE)).toEqual([]);

    // Once the first leases have ended, those three are free again (U3's lease runs on).
    const after = plus(now, LEASE + 1);
    expect(await w.pendingCount(after)).toBe(3);
    expect(await w.pendingTeams(after)).toEqual(["T1", "T2"]);
    const again = await w.claimPending(after, 10, LEASE);
    expect(who(again)).toEqual(["T2/U4", "T1/U2", "T1/U1"]);
    expect(again.map((s) => s.attempts)).toEqual([2, 2, 2]);
    expect(await w.pendingCount(after)).toBe(0);

    // Sent or skipped sends are never free to lease again, however late.
    await w.finishSends([
      { ...u4, week: "2026-W48", status: "sent", channel: "D4", ts: "1.4" },
      { ...u2, week: "2026-W48", status: "skipped" },
    ]);
    const muchLater = plus(now, 10 * LEASE);
    expect(await w.pendingCount(muchLater)).toBe(2);
    expect(await w.pendingTeams(muchLater)).toEqual(["T1", "T2"]);
    expect(who(await w.claimPending(muchLater, 10, LEASE))).toEqual(["T2/U3", "T1/U1"]);
    expect((await w.recentSends(u3, 1))[0]?.attempts).toBe(2);
    expect((await w.recentSends(u1, 1))[0]?.attempts).toBe(3);
    expect((await w.recentSends(u4, 1))[0]?.attempts).toBe(2);
  });

  it("returnSends frees unused leases at once, undoing their attempt, but not a send leased again since", async () => {
    const now = plus(t0, 5 * MINUTE);
    await claimWeek(now, "2026-W48");
    const w = store.weekly;
    const leased = await w.claimPending(now, 10, LEASE, "T1");
    expect(who(leased)).toEqual(["T1/U2", "T1/U1"]);
    expect(await w.pendingCount(now)).toBe(2);
    await w.returnSends(leased);
    expect(await w.pendingCount(now)).toBe(4);
    expect((await w.recentSends(u1, 1))[0]).toMatchObject({ attempts: 0, status: "pending" });

    // Leased by A, its lease lapses, B leases it: A's late return leaves B's lease alone.
    const [a] = await w.claimPending(now, 1, LEASE, "T2");
    expect(a).toMatchObject({ userId: "U4", attempts: 1 });
    const [b] = await w.claimPending(plus(now, LEASE + 1), 1, LEASE, "T2");
    expect(b).toMatchObject({ userId: "U4", attempts: 2 });
    if (!a) throw new Error("nothing leased");
    await w.returnSends([a]);
    expect((await w.recentSends(u4, 1))[0]?.attempts).toBe(2);
    expect(who(await w.claimPending(plus(now, LEASE + 2), 10, LEASE, "T2"))).toEqual(["T2/U3"]);

    // A send that has ended is never made pending or free again.
    await w.finishSends([{ ...u2, week: "2026-W48", status: "sent", channel: "D2", ts: "1.2" }]);
    const [sent] = await w.recentSends(u2, 1);
    if (!sent) throw new Error("no send");
    await w.returnSends([sent]);
    expect((await w.recentSends(u2, 1))[0]).toMatchObject({ status: "sent", attempts: 0 });
    await w.returnSends([]);
  });

  it("gives concurrent claimers disjoint sends", async () => {
    const now = plus(t0, 5 * MINUTE);
    await claimWeek(now, "2026-W48");
    const batches = await Promise.all([
      store.weekly.claimPending(now, 2, LEASE),
      store.weekly.claimPending(now, 2, LEASE),
      store.weekly.claimPending(now, 2, LEASE),
    ]);
    const all = batches.flatMap(who);
    expect(new Set(all).size).toBe(all.length);
    // SKIP LOCKED may leave a row to a later claim, but never hands one out twice.
    expect(all.length).toBeLessThanOrEqual(4);
    const rest = await store.weekly.claimPending(now, 10, LEASE);
    expect([...all, ...who(rest)].sort()).toEqual(["T1/U1", "T1/U2", "T2/U3", "T2/U4"]);
    for (const send of [...batches.flat(), ...rest]) expect(send.attempts).toBe(1);
  });
});

describe(`contexts (${storeKind})`, () => {
  const ua = { teamId: "T1", userId: "UA" };
  const ub = { teamId: "T1", userId: "UB" };
  const uc = { teamId: "T1", userId: "UC" }; // no schedule
  const ud = { teamId: "T1", userId: "UD" }; // a schedule and nothing else
  const uaElsewhere = { teamId: "T2", userId: "UA" };
  const t0 = at("2026-11-06T15:00:00.000Z");

  function deal(dealId: string, ownerEmail: string): DealState {
    return {
      source: "deals",
      dealId,
      snapshot: { id: dealId, name: `Deal ${dealId}`, ownerEmail },
      closeDateMoves: 0,
      riskRecorded: false,
    };
  }

  beforeEach(async () => {
    await optIn(ua, t0);
    await optIn(uaElsewhere, t0);
    await optIn(ub, plus(t0, 3 * WEEK));
    await optIn(ud, plus(t0, 52 * WEEK));
    await store.upsertUser(uc);
    // Four weeks of sends for UA (in both workspaces), one for UB.
    for (let i = 0; i < 4; i++) await claimWeek(plus(t0, i * WEEK), `2026-W${45 + i}`);

    clock = at("2026-11-28T09:00:00.000Z");
    await store.addReflection(ua, { questionText: "q", answer: "UA older answer" });
    clock = at("2026-11-28T10:00:00.000Z");
    await store.addReflection(ua, { questionText: "q", answer: "UA latest answer" });
    clock = at("2026-11-28T11:00:00.000Z");
    await store.addReflection(ub, { questionText: "q", answer: "UB answer" });
    clock = at("2026-11-28T12:00:00.000Z");
    await store.addReflection(uaElsewhere, { questionText: "q", answer: "UA answer in T2" });
    await store.addReflection(uc, { questionText: "q", answer: "UC answer" });

    const d = store.deals;
    await d.saveOwnerLink("T1", "Ann@Example.com", "UA", "link");
    await d.saveOwnerLink("T1", "bob@example.com", "UB", "lookup");
    await d.saveOwnerLink("T1", "carol@example.com", "UC", "link");
    await d.saveOwnerLink("T2", "ann@example.com", "UA", "link");
    await d.saveDeal("T1", deal("A1", "ann@example.com"), at("2026-11-20T09:00:00Z"), []);
    await d.saveDeal("T1", deal("A2", "ANN@example.com"), at("2026-11-25T09:00:00Z"), []);
    await d.saveDeal("T1", deal("A3", "Ann@Example.com"), at("2026-11-22T09:00:00Z"), []);
    await d.saveDeal("T1", deal("B1", "bob@example.com"), at("2026-11-21T09:00:00Z"), []);
    await d.saveDeal("T1", deal("C1", "carol@example.com"), at("2026-11-21T09:00:00Z"), []);
    await d.saveDeal("T1", deal("X1", "nobody@example.com"), at("2026-11-26T09:00:00Z"), []);
    await d.saveDeal("T2", deal("T2A", "ann@example.com"), at("2026-11-27T09:00:00Z"), []);
  });

  it("loads each rep's schedule, recent sends, latest answer and owned deals, and leaves out reps without a schedule", async () => {
    const contexts = await store.weekly.contexts("T1", ["UA", "UB", "UC", "UD"], 3);
    expect([...contexts.keys()].sort()).toEqual(["UA", "UB", "UD"]);

    const a = contexts.get("UA");
    expect(a?.schedule).toEqual(await store.weekly.getSchedule(ua));
    expect(a?.schedule?.nextRunAt).toEqual(plus(t0, 4 * WEEK));
    expect(a?.recentSends.map((s) => s.week)).toEqual(["2026-W48", "2026-W47", "2026-W46"]);
    expect(a?.recentSends.every((s) => s.teamId === "T1" && s.userId === "UA")).toBe(true);
    expect(a?.recentSends).toEqual(await store.weekly.recentSends(ua, 3));
    expect(a?.lastAnswer).toEqual({ text: "UA latest answer", at: at("2026-11-28T10:00:00.000Z") });
    expect(a?.deals.map((x) => x.state.dealId)).toEqual(["A2", "A3", "A1"]);
    expect(a?.deals[0]).toEqual({
      state: deal("A2", "ANN@example.com"),
      lastEventAt: at("2026-11-25T09:00:00Z"),
    });

    const b = contexts.get("UB");
    expect(b?.schedule).toEqual(await store.weekly.getSchedule(ub));
    expect(b?.recentSends.map((s) => [s.userId, s.week])).toEqual([["UB", "2026-W48"]]);
    expect(b?.lastAnswer).toEqual({ text: "UB answer", at: at("2026-11-28T11:00:00.000Z") });
    expect(b?.deals.map((x) => x.state.dealId)).toEqual(["B1"]);

    expect(contexts.get("UD")).toEqual({
      schedule: await store.weekly.getSchedule(ud),
      recentSends: [],
      lastAnswer: null,
      deals: [],
    });
    expect(contexts.has("UC")).toBe(false);
  });

  it("keeps workspaces apart and honours the limit", async () => {
    const elsewhere = await store.weekly.contexts("T2", ["UA", "UB"], 10);
    expect([...elsewhere.keys()]).toEqual(["UA"]);
    const a = elsewhere.get("UA");
    expect(a?.schedule?.teamId).toBe("T2");
    expect(a?.recentSends.map((s) => `${s.teamId}:${s.week}`)).toEqual([
      "T2:2026-W48",
      "T2:2026-W47",
      "T2:2026-W46",
      "T2:2026-W45",
    ]);
    expect(a?.lastAnswer?.text).toBe("UA answer in T2");
    expect(a?.deals.map((x) => x.state.dealId)).toEqual(["T2A"]);

    const one = await store.weekly.contexts("T1", ["UA"], 1);
    expect([...one.keys()]).toEqual(["UA"]);
    expect(one.get("UA")?.recentSends.map((s) => s.week)).toEqual(["2026-W48"]);
    expect(one.get("UA")?.lastAnswer?.text).toBe("UA latest answer");
  });

  it("returns an empty map for no users or unknown users", async () => {
    expect((await store.weekly.contexts("T1", [], 3)).size).toBe(0);
    expect((await store.weekly.contexts("T1", ["UNKNOWN"], 3)).size).toBe(0);
    expect((await store.weekly.contexts("T9", ["UA"], 3)).size).toBe(0);
  });
});

describe(`finishSends (${storeKind})`, () => {
  const u1 = { teamId: "T1", userId: "U1" };
  const u2 = { teamId: "T1", userId: "U2" };
  const u3 = { teamId: "T1", userId: "U3" };
  const u1Elsewhere = { teamId: "T2", userId: "U1" };
  const keys = [u1, u2, u3, u1Elsewhere];
  const t0 = at("2026-11-27T15:00:00.000Z");
  const week = "2026-W48";
  const sends = () => Promise.all(keys.map((k) => store.weekly.recentSends(k, 10)));
  const schedules = () => Promise.all(keys.map((k) => store.weekly.getSchedule(k)));

  beforeEach(async () => {
    for (const k of keys) await optIn(k, t0, { unanswered: 1 });
    await claimWeek(t0, week);
    expect(await store.weekly.claimPending(t0, 10, LEASE)).toHaveLength(4);
    clock = at("2026-11-27T15:00:07.123Z");
  });

  it("finishes several sends in one call and applies schedule changes only to the reps given", async () => {
    await store.weekly.finishSends([
      {
        ...u1,
        week,
        status: "sent",
        channel: "D1",
        ts: "1764255607.000100",
        promptId: "p-1",
        kind: "prompt",
        schedule: { unanswered: 2 },
      },
      { ...u2, week, status: "failed", kind: "keep_going", schedule: { awaitingChoice: true } },
    ]);
    const [s1, s2, s3, s1Elsewhere] = await sends();
    expect(s1).toEqual([
      expect.objectContaining({
        ...u1,
        week,
        status: "sent",
        channel: "D1",
        ts: "1764255607.000100",
        promptId: "p-1",
        kind: "prompt",
        sentAt: clock,
        attempts: 1,
      }),
    ]);
    expect(s2).toEqual([
      expect.objectContaining({
        ...u2,
        status: "failed",
        channel: null,
        ts: null,
        promptId: null,
        kind: "keep_going",
        sentAt: null,
      }),
    ]);
    // Left alone: U3, and T2's U1 (same user id, other workspace).
    for (const rest of [s3, s1Elsewhere])
      expect(rest).toEqual([
        expect.objectContaining({ status: "pending", channel: null, ts: null, sentAt: null, attempts: 1 }),
      ]);

    const [c1, c2, c3, c1Elsewhere] = await schedules();
    expect(c1).toMatchObject({ unanswered: 2, awaitingChoice: false, nextRunAt: plus(t0, WEEK) });
    expect(c2).toMatchObject({ unanswered: 1, awaitingChoice: true });
    expect(c3).toMatchObject({ unanswered: 1, awaitingChoice: false });
    expect(c1Elsewhere).toMatchObject({ unanswered: 1, awaitingChoice: false });

    // The untouched sends are still leased.
    expect(await store.weekly.pendingCount(t0)).toBe(0);
    expect(await store.weekly.claimPending(t0, 10, LEASE)).toEqual([]);
  });

  it("clears the lease, and keeps stored fields a later finish leaves out", async () => {
    // Given back as pending: free to lease at once, though its lease would have run for a minute.
    await store.weekly.finishSends([{ ...u3, week, status: "pending", channel: "D3" }]);
    expect(await store.weekly.pendingCount(t0)).toBe(1);
    expect(await store.weekly.pendingTeams(t0)).toEqual(["T1"]);
    const [leased] = await store.weekly.claimPending(t0, 10, LEASE);
    expect(leased).toMatchObject({ ...u3, attempts: 2, channel: "D3", sentAt: null });

    await store.weekly.finishSends([
      { ...u3, week, status: "sent", ts: "1.3", schedule: { unanswered: 0, awaitingChoice: true } },
    ]);
    expect((await store.weekly.recentSends(u3, 1))[0]).toMatchObject({
      status: "sent",
      channel: "D3",
      ts: "1.3",
      kind: "prompt",
      sentAt: clock,
    });
    expect(await store.weekly.getSchedule(u3)).toMatchObject({ unanswered: 0, awaitingChoice: true });
  });

  it("ends only pending sends: a late finish neither overwrites a send another sender ended nor moves its schedule", async () => {
    await store.weekly.finishSends([{ ...u1, week, status: "sent", channel: "D1", ts: "1.1" }]);
    const sentAt = clock;
    clock = at("2026-11-27T15:01:00.000Z");
    // The sender whose lease ran out comes back with its own outcome.
    await store.weekly.finishSends([
      { ...u1, week, status: "failed", schedule: { unanswered: 5, awaitingChoice: true } },
    ]);
    expect((await store.weekly.recentSends(u1, 1))[0]).toMatchObject({
      status: "sent",
      channel: "D1",
      ts: "1.1",
      sentAt,
    });
    expect(await store.weekly.getSchedule(u1)).toMatchObject({ unanswered: 1, awaitingChoice: false });
  });

  it("touches no send of another week, and does nothing for an empty list", async () => {
    const before = await sends();
    const schedulesBefore = await schedules();
    await store.weekly.finishSends([]);
    await store.weekly.finishSends([{ ...u1, week: "2026-W47", status: "sent", channel: "D1" }]);
    expect(await sends()).toEqual(before);
    expect(await schedules()).toEqual(schedulesBefore);
  });
});

describe(`reservePace and pausePace (${storeKind})`, () => {
  const now = at("2026-11-27T15:00:00.000Z");
  /** A reservation that must be granted (without keepMs, every one is). */
  const pace = async (team: string, holder: string, count: number, intervalMs: number, when = now) => {
    const reserved = await store.weekly.reservePace(team, holder, count, intervalMs, when);
    if (reserved.start === null) throw new Error(`refused: held by ${reserved.holder}`);
    return reserved;
  };
  const KEEP = 250;
  const hold = (team: string, holder: string, count: number, when: Date) =>
    store.weekly.reservePace(team, holder, count, 20, when, KEEP);

  it("with keepMs, one holder at a time: another is refused until the hold lapses or is released", async () => {
    expect(await hold("T1", "A", 5, now)).toEqual({ start: now, previousHolder: null });
    // A's slots run to now + 100 ms: B is refused until 250 ms after that, told when and by whom.
    const refused = { start: null, holder: "A", freeAt: plus(now, 100 + KEEP) };
    expect(await hold("T1", "B", 1, plus(now, 50))).toEqual(refused);
    expect(await hold("T1", "B", 1, plus(now, 100 + KEEP - 1))).toEqual(refused);
    // The holder renews its hold as it goes.
    expect(await hold("T1", "A", 5, plus(now, 90))).toEqual({ start: plus(now, 100), previousHolder: "A" });
    expect(await hold("T1", "B", 1, plus(now, 100 + KEEP))).toEqual({
      start: null,
      holder: "A",
      freeAt: plus(now, 200 + KEEP),
    });
    // A stops (died): at its last slot's end plus keepMs, B takes over, at once, naming A before it.
    const lapse = plus(now, 200 + KEEP);
    expect(await hold("T1", "B", 2, lapse)).toEqual({ start: lapse, previousHolder: "A" });
    expect(await hold("T1", "A", 1, lapse)).toMatchObject({ start: null, holder: "B" });
    // Another workspace is not held by anyone.
    expect(await hold("T2", "A", 1, lapse)).toEqual({ start: lapse, previousHolder: null });
    // Without keepMs the hold is not checked (slots are simply shared).
    expect(await pace("T1", "A", 1, 20, lapse)).toEqual({ start: plus(lapse, 40), previousHolder: "B" });
  });

  it("releasePace hands the workspace over at once, after the slots already reserved", async () => {
    expect(await hold("T1", "A", 5, now)).toEqual({ start: now, previousHolder: null });
    // Only the holder can release it.
    await store.weekly.releasePace("T1", "B");
    expect(await hold("T1", "B", 1, plus(now, 10))).toMatchObject({ start: null, holder: "A" });
    await store.weekly.releasePace("T1", "A");
    // B starts after A's last reserved slot (never next to it), and knows A was there before it.
    expect(await hold("T1", "B", 1, plus(now, 10))).toEqual({ start: plus(now, 100), previousHolder: "A" });
    expect(await hold("T1", "B", 1, plus(now, 10))).toEqual({ start: plus(now, 120), previousHolder: "B" });
    // A pause keeps the holder: others wait for the pause's end plus keepMs.
    await store.weekly.pausePace("T1", plus(now, 1000));
    expect(await hold("T1", "A", 1, plus(now, 500))).toEqual({
      start: null,
      holder: "B",
      freeAt: plus(now, 1000 + KEEP),
    });
    expect(await hold("T1", "B", 1, plus(now, 500))).toEqual({ start: plus(now, 1000), previousHolder: "B" });
  });

  it("gives concurrent holders one winner per workspace", async () => {
    const results = await Promise.all(["A", "B", "C", "D"].map((h) => hold("T9", h, 5, now)));
    const winners = results.filter((r) => r.start !== null);
    expect(winners).toHaveLength(1);
    const refused = results.filter((r) => r.start === null);
    expect(refused).toHaveLength(3);
    const winner = ["A", "B", "C", "D"][results.findIndex((r) => r.start !== null)];
    for (const r of refused)
      expect(r).toEqual({ start: null, holder: winner, freeAt: plus(now, 100 + KEEP) });
  });

  it("hands out consecutive slots, reporting who reserved just before", async () => {
    expect(await pace("T1", "A", 5, 20)).toEqual({ start: now, previousHolder: null });
    expect(await pace("T1", "A", 3, 20)).toEqual({ start: plus(now, 100), previousHolder: "A" });
    // Another holder, a little later but before the pace's next slot: it queues after A.
    expect(await pace("T1", "B", 2, 20, plus(now, 10))).toEqual({
      start: plus(now, 160),
      previousHolder: "A",
    });
    expect(await pace("T1", "A", 1, 20, plus(now, 10))).toEqual({
      start: plus(now, 200),
      previousHolder: "B",
    });
    // Idle: the pace's next slot (now + 220 ms) is in the past, so the reservation starts at its now.
    const idle = plus(now, 10_000);
    expect(await pace("T1", "B", 4, 20, idle)).toEqual({ start: idle, previousHolder: "A" });
    expect(await pace("T1", "B", 1, 20, idle)).toEqual({ start: plus(idle, 80), previousHolder: "B" });
    // Exactly at the pace's next slot is not idle and not late.
    expect(await pace("T1", "A", 1, 20, plus(idle, 100))).toEqual({
      start: plus(idle, 100),
      previousHolder: "B",
    });
  });

  it("keeps one pace per workspace", async () => {
    expect(await pace("T1", "A", 10, 50)).toEqual({ start: now, previousHolder: null });
    expect(await pace("T2", "B", 10, 50)).toEqual({ start: now, previousHolder: null });
    expect(await pace("T1", "B", 1, 50)).toEqual({ start: plus(now, 500), previousHolder: "A" });
    expect(await pace("T2", "A", 1, 50)).toEqual({ start: plus(now, 500), previousHolder: "B" });
    await store.weekly.pausePace("T1", plus(now, 60_000));
    expect(await pace("T2", "B", 1, 50)).toEqual({ start: plus(now, 550), previousHolder: "A" });
    expect(await pace("T1", "A", 1, 50)).toEqual({ start: plus(now, 60_000), previousHolder: "B" });
  });

  it("accumulates fractional intervals without drift", async () => {
    const interval = 1000 / 49;
    expect((await pace("T1", "A", 49, interval)).start).toEqual(now);
    expect((await pace("T1", "A", 49, interval)).start).toEqual(plus(now, 1000));
    expect((await pace("T1", "B", 7, interval)).start).toEqual(plus(now, 2000));
    // 2000 + 7 * 1000/49 = 2142.857... ms; a Date holds whole milliseconds.
    expect((await pace("T1", "A", 1, interval)).start).toEqual(plus(now, 2142));
    expect((await pace("T1", "A", 1, interval)).start).toEqual(plus(now, 2163)); // 2163.265...
    // One slot at a time for the rest of the second: each start is where exact arithmetic puts it, to
    // the millisecond (the database keeps microseconds, so per-slot rounding stays far below that).
    const starts: number[] = [];
    for (let i = 0; i < 40; i++)
      starts.push((await pace("T1", i % 2 ? "A" : "B", 1, interval)).start.getTime());
    starts.forEach((start, i) => {
      const exact = now.getTime() + 2000 + (9 + i) * interval;
      expect(Math.abs(start - exact)).toBeLessThan(1);
    });
    // 49 slots after 2000 ms: 3000 ms, give or take the microseconds rounding left behind.
    const end = (await pace("T1", "A", 1, interval)).start.getTime() - now.getTime();
    expect(end).toBeGreaterThanOrEqual(2999);
    expect(end).toBeLessThanOrEqual(3000);
  });

  it("pauses a workspace until a 429 ends, never moving the pace backwards", async () => {
    // A pause before any reservation.
    await store.weekly.pausePace("T1", plus(now, 3_000));
    expect(await pace("T1", "A", 2, 100)).toEqual({ start: plus(now, 3_000), previousHolder: null });
    // The pace is at now + 3.2 s: a pause ending sooner changes nothing.
    await store.weekly.pausePace("T1", plus(now, 1_000));
    expect(await pace("T1", "B", 1, 100)).toEqual({ start: plus(now, 3_200), previousHolder: "A" });
    // A pause ending later moves it on.
    await store.weekly.pausePace("T1", plus(now, 5_000));
    expect(await pace("T1", "A", 1, 100)).toEqual({ start: plus(now, 5_000), previousHolder: "B" });
    expect(await pace("T1", "A", 1, 100, plus(now, 4_000))).toEqual({
      start: plus(now, 5_100),
      previousHolder: "A",
    });
    // A pause already over by the time of the reservation leaves it at its now.
    await store.weekly.pausePace("T2", plus(now, -5_000));
    expect(await pace("T2", "A", 1, 100)).toEqual({ start: now, previousHolder: null });
    // T1's pause did not touch T3.
    expect(await pace("T3", "A", 1, 100)).toEqual({ start: now, previousHolder: null });
  });

  it("gives 20 concurrent reservations by two holders disjoint, contiguous slots", async () => {
    const interval = 25;
    const requests = Array.from({ length: 20 }, (_, i) => ({
      holder: i % 2 ? "B" : "A",
      count: (i % 4) + 1,
    }));
    const results = await Promise.all(
      requests.map(async (r) => ({ ...r, ...(await pace("T1", r.holder, r.count, interval)) })),
    );
    const sorted = [...results].sort((a, b) => a.start.getTime() - b.start.getTime());
    expect(sorted[0]?.start).toEqual(now);
    expect(sorted[0]?.previousHolder).toBeNull();
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      const cur = sorted[i];
      if (!prev || !cur) throw new Error("missing reservation");
      expect(cur.start.getTime() - prev.start.getTime()).toBe(prev.count * interval);
      // Each reservation names the one just before it.
      expect(cur.previousHolder).toBe(prev.holder);
    }
    const total = requests.reduce((sum, r) => sum + r.count, 0);
    const last = sorted[sorted.length - 1];
    const next = await pace("T1", "C", 1, interval);
    expect(next).toEqual({ start: plus(now, total * interval), previousHolder: last?.holder });
  });
});
