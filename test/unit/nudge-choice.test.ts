import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chooseNudges, FRESH_MS, nudgeChoice, nudgeIntent } from "../../src/deals/nudge-choice.js";
import { NudgeSender } from "../../src/deals/nudge-sender.js";
import { DEFAULT_POLICY } from "../../src/deals/policy.js";
import { libraryCoacher } from "../../src/llm/coacher.js";
import { createLogger } from "../../src/logger.js";
import { nudgeMessenger } from "../../src/slack/nudge-messenger.js";
import type { Store } from "../../src/store/types.js";
import { library } from "../support/library.js";
import { testStore } from "../support/store.js";

// Nudges are chosen: the first nudge of a rep who has not chosen is a one-time invitation, nothing more
// until they choose; No thanks stops them for good, Keep them coming lets them (and the fresh held ones)
// through; an admin's default-on sends the first nudge with a notice and Stop. Exactly once: the
// invitation is not doubled by repeated passes, parallel senders or a post whose answer never came.

let clock: Date;
const now = () => clock;
let store: Store;
let posts: Array<Record<string, unknown>>;
let postFate: "ok" | "dies after" = "ok";
const key = { teamId: "T1", userId: "U1" };

const fakeClient = {
  conversations: {
    open: async (args: { users: string }) => ({ ok: true, channel: { id: `D_${args.users}` } }),
    history: async (args: Record<string, unknown>) => ({
      ok: true,
      messages: posts.filter((m) => m.channel === args.channel),
      has_more: false,
    }),
    replies: async () => ({ ok: true, messages: [], has_more: false }),
  },
  chat: {
    postMessage: async (args: Record<string, unknown>) => {
      posts.push(args);
      // Slack-like: a little latency, so parallel senders really overlap.
      await new Promise((r) => setTimeout(r, 5));
      if (postFate === "dies after") throw new Error("socket hang up");
      return { ok: true, ts: String(posts.length) };
    },
  },
} as unknown as WebClient;

const sender = (leaseMs = 60_000) =>
  new NudgeSender({
    store,
    library,
    coacher: libraryCoacher(library),
    logger: createLogger("silent"),
    now,
    policy: { ...DEFAULT_POLICY, quietHours: "off", weekends: "on", dailyCap: 50, weeklyCap: 100 },
    messenger: nudgeMessenger({ clientFor: async () => fakeClient }),
    leaseMs,
  });

async function addNudge(deal: string, userId = "U1") {
  return store.deals.addNudge({
    teamId: "T1",
    userId,
    ownerEmail: `${userId.toLowerCase()}@acme.test`,
    source: "deals",
    dealId: deal,
    dueAt: clock,
    payload: {
      trigger: {
        kind: "stage_change",
        themes: ["decision_process"],
        key: `k-${deal}`,
        summary: "Moved to Negotiation",
      },
      dealName: `Deal ${deal}`,
      situation: "moved to negotiation",
      stage: "negotiation",
    },
  });
}

const isInvitation = (p: Record<string, unknown>) => JSON.stringify(p.blocks).includes('"nudge_invitation"');
const isNudge = (p: Record<string, unknown>) => JSON.stringify(p.blocks).includes('"nudge_actions"');
const actionIds = (p: Record<string, unknown>) =>
  ((p.blocks ?? []) as Array<{ elements?: Array<{ action_id?: string }> }>)
    .flatMap((b) => b.elements ?? [])
    .map((e) => e.action_id)
    .filter((id) => id !== undefined);

beforeEach(async () => {
  clock = new Date("2026-11-18T14:00:00Z");
  store = await testStore({ now });
  posts = [];
  postFate = "ok";
});
afterEach(async () => {
  await store.close();
});

describe("the choice, as a pure decision", () => {
  it("reads the rep's setting first, then the workspace default", () => {
    expect(nudgeChoice(true, false)).toBe("on");
    expect(nudgeChoice(false, true)).toBe("off");
    expect(nudgeChoice(null, false)).toBe("unchosen");
    expect(nudgeChoice(undefined, true)).toBe("default_on");
    expect(nudgeIntent("unchosen", true)).toEqual({ kind: "invite" });
    expect(nudgeIntent("unchosen", false)).toEqual({ kind: "hold" });
    expect(nudgeIntent("default_on", true)).toEqual({ kind: "post", notice: true });
    expect(nudgeIntent("default_on", false)).toEqual({ kind: "post", notice: false });
    expect(nudgeIntent("off", true)).toEqual({ kind: "skip" });
  });
});

describe(`chosen nudges (${process.env.TEST_STORE ?? "pglite"})`, () => {
  it("sends a new rep the invitation only, by DM, and nothing more until they choose", async () => {
    await addNudge("A");
    await addNudge("B");
    await sender().sendDue();
    expect(posts).toHaveLength(1);
    const [invite] = posts as [Record<string, unknown>];
    expect(invite.channel).toBe("D_U1");
    expect(isInvitation(invite)).toBe(true);
    expect(isNudge(invite)).toBe(false);
    expect(actionIds(invite)).toEqual(["nudge_keep", "nudge_decline"]);
    expect(String(invite.text)).toContain("deal nudges");
    expect(JSON.stringify(invite.blocks)).toContain("Deal A");
    // More deal updates, more passes: still only the invitation.
    await addNudge("C");
    for (let i = 0; i < 3; i++) {
      clock = new Date(clock.getTime() + 120_000);
      await sender().sendDue();
    }
    expect(posts).toHaveLength(1);
    expect(await store.deals.countSent("T1", "U1", new Date(0))).toBe(0);
    expect((await store.getUser(key))?.settings.nudges ?? null).toBeNull();
  });

  it("No thanks: the held nudges and every later one are dropped", async () => {
    await addNudge("A");
    await addNudge("B");
    await sender().sendDue();
    expect(await chooseNudges(store, key, false, clock)).toEqual({ on: false, released: 0 });
    await addNudge("C");
    clock = new Date(clock.getTime() + 86_400_000);
    await sender().sendDue();
    clock = new Date(clock.getTime() + 7 * 86_400_000);
    await sender().sendDue();
    expect(posts).toHaveLength(1); // the invitation, nothing since
    expect(await store.deals.countSent("T1", "U1", new Date(0))).toBe(0);
  });

  it("Keep them coming: the fresh held nudges follow, stale ones don't, and later ones flow", async () => {
    await addNudge("A");
    await sender().sendDue();
    clock = new Date(clock.getTime() + FRESH_MS + 60_000);
    await addNudge("B");
    await sender().sendDue();
    expect(posts).toHaveLength(1);
    // A was held FRESH_MS ago; B is fresh.
    expect(await chooseNudges(store, key, true, clock)).toEqual({ on: true, released: 1 });
    await sender().sendDue();
    expect(posts).toHaveLength(2);
    expect(isNudge(posts[1] as Record<string, unknown>)).toBe(true);
    expect(JSON.stringify(posts[1]?.blocks)).toContain("Deal B");
    await addNudge("C");
    await sender().sendDue();
    expect(posts).toHaveLength(3);
    expect(JSON.stringify(posts[2]?.blocks)).toContain("Deal C");
    // No intro rides on a chosen rep's nudges.
    expect(actionIds(posts[2] as Record<string, unknown>)).not.toContain("nudge_stop");
  });

  it("a rep who chose before any nudge gets nudges straight away, never an invitation", async () => {
    await chooseNudges(store, key, true, clock);
    await addNudge("A");
    await sender().sendDue();
    expect(posts).toHaveLength(1);
    expect(isNudge(posts[0] as Record<string, unknown>)).toBe(true);
  });

  it("admin default-on: the first nudge is sent with the notice and Stop, later ones without; Stop stops", async () => {
    await store.deals.setNudgesDefaultOn("T1", true);
    await addNudge("A");
    await sender().sendDue();
    expect(posts).toHaveLength(1);
    const first = posts[0] as Record<string, unknown>;
    expect(isNudge(first)).toBe(true);
    expect(JSON.stringify(first.blocks)).toContain("turned deal nudges on for everyone");
    expect(actionIds(first)).toContain("nudge_stop");
    await addNudge("B");
    await sender().sendDue();
    expect(posts).toHaveLength(2);
    expect(JSON.stringify(posts[1]?.blocks)).not.toContain("for everyone");
    expect(actionIds(posts[1] as Record<string, unknown>)).not.toContain("nudge_stop");
    // Stop:
    await chooseNudges(store, key, false, clock);
    await addNudge("C");
    await sender().sendDue();
    expect(posts).toHaveLength(2);
    // A rep who said no before the default changed stays off.
    await store.upsertUser({ teamId: "T1", userId: "U2" }, { settings: { nudges: false } });
    await addNudge("D", "U2");
    await sender().sendDue();
    expect(posts).toHaveLength(2);
  });

  it("the invitation is not doubled by parallel senders working on several nudges of one rep", async () => {
    for (const d of ["A", "B", "C"]) await addNudge(d);
    // Three senders, each claims one nudge (limit 1), at the same moment.
    const senders = [sender(), sender(), sender()];
    await Promise.all(senders.map((s) => s.sendDue(1)));
    await Promise.all(senders.map((s) => s.sendDue(1)));
    expect(posts.filter(isInvitation)).toHaveLength(1);
    expect(posts).toHaveLength(1);
    // None lost: all three were held, and all three follow a Keep.
    expect(await chooseNudges(store, key, true, clock)).toEqual({ on: true, released: 3 });
  });

  it("an invitation whose answer never came is found in the DM and not posted again", async () => {
    await addNudge("A");
    postFate = "dies after";
    await sender(1000).sendDue();
    expect(posts).toHaveLength(1);
    postFate = "ok";
    clock = new Date(clock.getTime() + 2000); // the lease lapses: A is due again
    expect(await sender(1000).sendDue()).toBe(1);
    await addNudge("B");
    clock = new Date(clock.getTime() + 2000);
    await sender(1000).sendDue();
    expect(posts).toHaveLength(1);
    // A is held (not "sent", not lost): Keep brings it.
    expect(await chooseNudges(store, key, true, clock)).toEqual({ on: true, released: 2 });
    await sender(1000).sendDue();
    expect(posts.filter(isNudge).map((p) => JSON.stringify(p.blocks).includes("Deal A"))).toContain(true);
    expect(posts).toHaveLength(3);
  });

  it("a choice made while a nudge was being held still settles it", async () => {
    await addNudge("A");
    await sender().sendDue(); // invitation; A held
    await addNudge("B");
    // The rep clicks Keep while B is in a sender's hands: the click's settle runs before B is held.
    const claimed = await store.deals.claimDueNudges(10, 60_000);
    expect(claimed.map((n) => n.dealId)).toEqual(["B"]);
    await chooseNudges(store, key, true, clock);
    await store.deals.holdNudge(claimed[0]?.id ?? "");
    const { settleIfChosen } = await import("../../src/deals/nudge-choice.js");
    await settleIfChosen(store, key, clock);
    await sender().sendDue();
    expect(posts.filter(isNudge).map((p) => JSON.stringify(p.blocks))).toEqual([
      expect.stringContaining("Deal A"),
      expect.stringContaining("Deal B"),
    ]);
  });

  it("forget removes the rep's intro record", async () => {
    await addNudge("A");
    await sender().sendDue();
    expect(await store.deals.nudgeIntro("T1", "U1")).toBeDefined();
    await store.forgetUser(key);
    expect(await store.deals.nudgeIntro("T1", "U1")).toBeUndefined();
  });
});
