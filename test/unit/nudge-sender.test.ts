import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import { NudgeSender } from "../../src/deals/nudge-sender.js";
import { DEFAULT_POLICY } from "../../src/deals/policy.js";
import type { Trigger } from "../../src/deals/types.js";
import { libraryCoacher } from "../../src/llm/coacher.js";
import { createLogger } from "../../src/logger.js";
import { nudgeMessenger } from "../../src/slack/nudge-messenger.js";
import type { Store } from "../../src/store/types.js";
import { MARK, type TestCoacher, testCoacher } from "../support/coachers.js";
import { library } from "../support/library.js";
import { testStore } from "../support/store.js";

// The nudge policy as the sender applies it, with a fake clock: quiet hours and weekends in the user's
// own timezone defer (never drop), caps defer to the next day or week, nudges-off / mute skip, snooze
// defers to the end of the snooze.

let clock: Date;
const now = () => clock;
let store: Store;
let posts: Array<Record<string, unknown>>;
let sender: NudgeSender;

/** What the post does: answer, or die (throw) before or after Slack has posted it. */
let postFate: "ok" | "dies before" | "dies after" = "ok";
let lookups: string[] = [];
const withMetadata = (args: Record<string, unknown>) => (m: Record<string, unknown>) =>
  m.channel === args.channel && (args.ts === undefined || m.thread_ts === args.ts);
const fakeClient = {
  conversations: {
    open: async (args: { users: string }) => ({ ok: true, channel: { id: `D_${args.users}` } }),
    history: async (args: Record<string, unknown>) => {
      lookups.push(`history ${String(args.channel)} ${String(args.include_all_metadata)}`);
      return { ok: true, messages: posts.filter(withMetadata(args)), has_more: false };
    },
    replies: async (args: Record<string, unknown>) => {
      lookups.push(`replies ${String(args.channel)} ${String(args.ts)}`);
      return { ok: true, messages: posts.filter(withMetadata(args)), has_more: false };
    },
  },
  chat: {
    postMessage: async (args: Record<string, unknown>) => {
      if (postFate === "dies before") throw new Error("socket hang up");
      posts.push(args);
      if (postFate === "dies after") throw new Error("socket hang up");
      return { ok: true, ts: String(posts.length) };
    },
  },
} as unknown as WebClient;

const trigger = (key: string): Trigger => ({
  kind: "stage_change",
  themes: ["decision_process", "stakeholders"],
  key,
  summary: "Acme moved to negotiation",
});

async function addNudge(
  key: string,
  userId = "U1",
  where: { channel?: string; threadTs?: string } = {},
  situation = "Acme moved to negotiation",
) {
  await store.deals.addNudge({
    teamId: "T1",
    userId,
    ownerEmail: "ann@acme.test",
    source: "deals",
    dealId: `D-${key}`,
    dueAt: clock,
    payload: {
      trigger: trigger(key),
      dealName: "Acme",
      situation,
      stage: "negotiation",
      ...where,
    },
  });
}

beforeEach(async () => {
  clock = new Date("2026-11-18T14:00:00Z"); // a Wednesday, 14:00 in London
  store = await testStore({ now });
  posts = [];
  lookups = [];
  postFate = "ok";
  sender = new NudgeSender({
    store,
    library,
    coacher: libraryCoacher(library),
    logger: createLogger("silent"),
    now,
    policy: DEFAULT_POLICY,
    messenger: nudgeMessenger({ clientFor: async () => fakeClient }),
  });
  // U1 chose to get nudges (the choice itself is tested in nudge-choice.test.ts).
  await store.upsertUser({ teamId: "T1", userId: "U1" }, { tz: "Europe/London", settings: { nudges: true } });
});
afterEach(async () => {
  await store.close();
});

describe("nudge sender", () => {
  it("sends a due nudge by DM with guarded questions and the deal's name", async () => {
    await addNudge("a");
    expect(await sender.sendDue()).toBe(1);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.channel).toBe("D_U1");
    const blocks = JSON.stringify(posts[0]?.blocks);
    expect(blocks).toContain("Acme");
    const sections = ((posts[0]?.blocks ?? []) as Array<{ type: string; text?: { text: string } }>).filter(
      (b) => b.type === "section",
    );
    for (const s of sections) expect(checkReply(s.text?.text ?? "").ok).toBe(true);
    expect(await store.userStats({ teamId: "T1", userId: "U1" })).toMatchObject({ asked: sections.length });
  });

  it("never turns words about the person in a CRM note into a caring nudge: deal questions only (docs/person.md)", async () => {
    await addNudge("p", "U1", {}, "Acme moved to negotiation\nNote: I'm burned out, I want to quit");
    expect(await sender.sendDue()).toBe(1);
    const sections = ((posts[0]?.blocks ?? []) as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === "section")
      .map((b) => b.text?.text ?? "");
    const caring = new Set(library.person.map((q) => q.text));
    expect(sections.some((t) => caring.has(t))).toBe(false);
    const asked = await store.recentQuestionIds({ teamId: "T1", userId: "U1" });
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.some((id) => id.startsWith("person."))).toBe(false);
  });

  it("defers a nudge in the user's quiet hours to when they end, in their timezone", async () => {
    await store.upsertUser({ teamId: "T1", userId: "U1" }, { tz: "Asia/Kolkata" });
    clock = new Date("2026-11-18T15:00:00Z"); // 20:30 in Kolkata
    await addNudge("b");
    await sender.sendDue();
    expect(posts).toHaveLength(0);
    clock = new Date("2026-11-19T02:29:00Z"); // 07:59 in Kolkata
    await sender.sendDue();
    expect(posts).toHaveLength(0);
    clock = new Date("2026-11-19T02:30:00Z"); // 08:00 in Kolkata
    await sender.sendDue();
    expect(posts).toHaveLength(1);
  });

  it("holds a Friday-evening nudge until Monday morning, then sends it", async () => {
    clock = new Date("2026-11-20T19:30:00Z"); // Friday 19:30 in London
    await addNudge("c");
    await sender.sendDue();
    clock = new Date("2026-11-22T12:00:00Z"); // Sunday noon
    await sender.sendDue();
    expect(posts).toHaveLength(0);
    clock = new Date("2026-11-23T08:00:00Z"); // Monday 08:00
    await sender.sendDue();
    expect(posts).toHaveLength(1);
  });

  it("keeps to three a day, deferring the fourth to the next morning", async () => {
    for (const k of ["d1", "d2", "d3", "d4"]) await addNudge(k);
    await sender.sendDue();
    expect(posts).toHaveLength(3);
    clock = new Date("2026-11-18T23:59:00Z");
    await sender.sendDue();
    expect(posts).toHaveLength(3);
    clock = new Date("2026-11-19T08:00:00Z");
    await sender.sendDue();
    expect(posts).toHaveLength(4);
  });

  it("skips when nudges are off or the deal is muted, and waits out a snooze", async () => {
    await store.upsertUser({ teamId: "T1", userId: "U_OFF" }, { settings: { nudges: false } });
    await addNudge("e", "U_OFF");
    await store.deals.setDealPref("T1", "U1", "deals", "D-f", { muted: true });
    await addNudge("f");
    const snoozeEnd = new Date("2026-11-25T10:00:00Z");
    await store.deals.setDealPref("T1", "U1", "deals", "D-g", { snoozedUntil: snoozeEnd });
    await addNudge("g");
    await sender.sendDue();
    expect(posts).toHaveLength(0);
    clock = snoozeEnd;
    await sender.sendDue();
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0]?.blocks)).toContain("D-g");
  });

  it("after a post whose answer never came, finds it in the DM by its metadata and does not post again", async () => {
    await addNudge("x1");
    postFate = "dies after"; // Slack posted it; the process never learned (killed, connection cut).
    await sender.sendDue();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.metadata).toMatchObject({ event_type: "deal_coach_nudge" });
    postFate = "ok";
    expect(await sender.sendDue()).toBe(0); // Still leased.
    clock = new Date(clock.getTime() + 61_000);
    expect(await sender.sendDue()).toBe(1);
    expect(posts).toHaveLength(1);
    expect(lookups).toEqual(["history D_U1 true"]);
    expect(await store.deals.countSent("T1", "U1", new Date(0))).toBe(1);
  });

  it("after a post that never reached Slack, looks, finds nothing and posts once", async () => {
    await addNudge("x2");
    postFate = "dies before";
    await sender.sendDue();
    expect(posts).toHaveLength(0);
    postFate = "ok";
    clock = new Date(clock.getTime() + 61_000);
    await sender.sendDue();
    expect(posts).toHaveLength(1);
    expect(lookups).toEqual(["history D_U1 true"]);
    // Sent: no further look, no further post.
    clock = new Date(clock.getTime() + 61_000);
    await sender.sendDue();
    expect(posts).toHaveLength(1);
    expect(lookups).toHaveLength(1);
  });

  it("looks in the deal channel's thread for a nudge that goes there", async () => {
    await addNudge("x3", "U1", { channel: "C_DEALS", threadTs: "1700000000.000100" });
    postFate = "dies after";
    await sender.sendDue();
    postFate = "ok";
    clock = new Date(clock.getTime() + 61_000);
    await sender.sendDue();
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ channel: "C_DEALS", thread_ts: "1700000000.000100" });
    expect(lookups).toEqual(["replies C_DEALS 1700000000.000100"]);
  });
});

describe("nudge questions come from the coacher", () => {
  const withCoacher = (coacher: TestCoacher, leaseMs?: number) =>
    new NudgeSender({
      store,
      library,
      coacher,
      logger: createLogger("silent"),
      now,
      policy: DEFAULT_POLICY,
      messenger: nudgeMessenger({ clientFor: async () => fakeClient }),
      ...(leaseMs ? { leaseMs } : {}),
    });
  const sectionsOf = (post: Record<string, unknown> | undefined) =>
    ((post?.blocks ?? []) as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === "section")
      .map((b) => b.text?.text ?? "");

  it("posts the coacher's questions (marked), with the deal's fields and the workspace in the call", async () => {
    const coacher = testCoacher({ delayMs: 50 });
    await addNudge("m1");
    expect(await withCoacher(coacher).sendDue()).toBe(1);
    expect(posts).toHaveLength(1);
    expect(sectionsOf(posts[0]).some((t) => t.includes(MARK))).toBe(true);
    expect(coacher.calls[0]).toMatchObject({
      teamId: "T1",
      situation: { text: "Acme moved to negotiation" },
    });
    expect(coacher.calls[0]?.options?.focusThemes).toEqual(["decision_process", "stakeholders"]);
  });

  it("a coacher that rejects still gives a nudge, with the library's guarded questions", async () => {
    await addNudge("m2");
    expect(await withCoacher(testCoacher({ fails: "reject" })).sendDue()).toBe(1);
    expect(posts).toHaveLength(1);
    const questions = sectionsOf(posts[0]).filter((t) => t.includes("?"));
    expect(questions.length).toBeGreaterThan(0);
    for (const q of questions) expect(q).not.toContain(MARK);
  });

  it("a coacher slower than most of the lease: not marked, not posted; sent once on the next lease", async () => {
    let slow = true;
    const coacher = testCoacher({ delayMs: () => (slow ? 400 : 0) });
    await addNudge("m3");
    const sender = withCoacher(coacher, 300);
    await sender.sendDue();
    expect(posts).toHaveLength(0);
    expect(lookups).toEqual([]);
    // Not marked as being posted: the next lease does not look for it in the DM first.
    slow = false;
    clock = new Date(clock.getTime() + 301);
    expect(await sender.sendDue()).toBe(1);
    expect(posts).toHaveLength(1);
    expect(lookups).toEqual([]);
    expect(sectionsOf(posts[0]).some((t) => t.includes(MARK))).toBe(true);
    clock = new Date(clock.getTime() + 301);
    expect(await sender.sendDue()).toBe(0);
    expect(posts).toHaveLength(1);
  });
});
