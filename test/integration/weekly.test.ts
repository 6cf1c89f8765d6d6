import { WebClient } from "@slack/web-api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Coacher, libraryCoacher } from "../../src/llm/coacher.js";
import { createLogger } from "../../src/logger.js";
import { RateLimited } from "../../src/reflection/messenger.js";
import { WeeklySender } from "../../src/reflection/sender.js";
import { WEEKLY_ACTION, WEEKLY_EVENT_TYPE } from "../../src/slack/blocks/weekly.js";
import { weeklyMessenger } from "../../src/slack/weekly-messenger.js";
import { setWeekly } from "../../src/slack/weekly-opt-in.js";
import type { Store, UserKey } from "../../src/store/types.js";
import { MARK, testCoacher } from "../support/coachers.js";
import { FakeSlack } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import { storeKind, testStore } from "../support/store.js";

// The weekly sender against the fake Slack with a fake clock (`at`): opt-in and schedule, exactly once
// (twice in a row, a crash between claim and send, two senders racing), downtime, 429s, the 3-week
// question. Timezones come from users.info.

let slack: FakeSlack;
let store: Store;
const TZ: Record<string, string> = {
  U_LON: "Europe/London",
  U_NY: "America/New_York",
  U_KOL: "Asia/Kolkata",
};

beforeAll(async () => {
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await slack?.close();
});
beforeEach(async () => {
  slack.reset();
  slack.on("users.info", (args) => ({
    ok: true,
    user: { id: args.user, tz: TZ[String(args.user)] ?? "Europe/London", is_bot: false },
  }));
  slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
  store = await testStore();
});
afterEach(async () => {
  await store.close();
});

function client(team = "T1"): WebClient {
  return new WebClient(`xoxb-${team}`, {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

function sender(
  ratePerSec = 1000,
  leaseMs = 60_000,
  /** Changes the sender's Slack client (e.g. one whose posts stop answering). */
  wrap: (client: WebClient) => WebClient = (c) => c,
  coacher: Coacher = libraryCoacher(library),
  /** The pass's clock after its start instant (WeeklySenderDeps.now; real time by default). */
  now?: () => number,
): WeeklySender {
  const clients = new Map<string, WebClient>();
  return new WeeklySender({
    store,
    library,
    coacher,
    logger: createLogger("silent"),
    ratePerSec,
    leaseMs,
    now,
    messenger: weeklyMessenger({
      clientFor: async (team) => {
        if (!clients.has(team)) clients.set(team, wrap(client(team)));
        return clients.get(team) as WebClient;
      },
    }),
  });
}

const prompts = () =>
  slack
    .callsTo("chat.postMessage")
    .filter((c) => (c.args.metadata as { event_type?: string })?.event_type === WEEKLY_EVENT_TYPE);

async function optIn(key: UserKey, day: 1 | 2 | 3 | 4 | 5 | 6 | 7, time: string, now: Date) {
  return setWeekly(store, client(key.teamId), key, { on: true, day, time }, now);
}

/** A sender that claimed week 48's sends and took their lease, then died; returns the instant it did. */
async function crashAfterLease(): Promise<Date> {
  const at = new Date("2026-11-27T15:00:05Z");
  await store.weekly.claimDue(at, 10, () => ({
    week: "2026-W48",
    nextRunAt: new Date("2026-12-04T15:00:00Z"),
  }));
  await store.weekly.claimPending(at, 10, 60_000);
  return at;
}

describe("opt-in and schedule", () => {
  it("schedules the next prompt in the user's own timezone and says when, in their local time", async () => {
    const key = { teamId: "T1", userId: "U_LON" };
    const reply = await optIn(key, 5, "15:00", new Date("2026-11-25T10:00:00Z")); // a Wednesday
    expect(reply).toMatch(/Friday 27 November at 15:00 \(Europe\/London\)/);
    expect((await store.weekly.getSchedule(key))?.nextRunAt?.toISOString()).toBe("2026-11-27T15:00:00.000Z");
    expect((await store.getUser(key))?.tz).toBe("Europe/London");
    const off = await setWeekly(store, client(), key, { on: false }, new Date("2026-11-25T10:00:00Z"));
    expect(off).toMatch(/off/);
    expect(await store.weekly.due(new Date("2026-12-31T00:00:00Z"))).toEqual([]);
  });

  it("keeps the local time across a DST change (New York, November 1)", async () => {
    const key = { teamId: "T1", userId: "U_NY" };
    await optIn(key, 5, "15:00", new Date("2026-10-26T12:00:00Z"));
    const s = sender();
    const first = await store.weekly.getSchedule(key);
    expect(first?.nextRunAt?.toISOString()).toBe("2026-10-30T19:00:00.000Z"); // 15:00 EDT
    await s.runOnce(new Date("2026-10-30T19:00:30Z"));
    expect((await store.weekly.getSchedule(key))?.nextRunAt?.toISOString()).toBe("2026-11-06T20:00:00.000Z"); // 15:00 EST
  });
});

describe("exactly once", () => {
  it("sends one prompt per rep and week, however often the sender runs", async () => {
    const keys = ["U_A", "U_B", "U_C"].map((userId) => ({ teamId: "T1", userId }));
    for (const k of keys) await optIn(k, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    const at = new Date("2026-11-27T15:00:05Z");
    expect(await sender().runOnce(at)).toEqual({ due: 3, sent: 3, skipped: 0, failed: 0 });
    expect(await sender().runOnce(at)).toEqual({ due: 0, sent: 0, skipped: 0, failed: 0 });
    const sent = prompts();
    expect(sent).toHaveLength(3);
    expect(
      sent.map((c) => (c.args.metadata as { event_payload: { week: string } }).event_payload.week),
    ).toEqual(["2026-W48", "2026-W48", "2026-W48"]);
    const blocks = JSON.stringify(sent[0]?.args.blocks);
    for (const id of [WEEKLY_ACTION.answer, WEEKLY_ACTION.skip, WEEKLY_ACTION.pause, WEEKLY_ACTION.stop])
      expect(blocks).toContain(id);
  });

  it("after a crash between claim and send, finds the prompt in the DM instead of sending it again", async () => {
    const key = { teamId: "T1", userId: "U_CRASH" };
    await optIn(key, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    // The sender that crashed: it claimed (pending send written, lease taken) and posted, then died.
    const at = await crashAfterLease();
    slack.on("conversations.history", () => ({
      ok: true,
      messages: [
        {
          ts: "1764255605.000100",
          text: "…",
          metadata: { event_type: WEEKLY_EVENT_TYPE, event_payload: { week: "2026-W48" } },
        },
      ],
    }));
    const later = new Date(at.getTime() + 61_000);
    expect(await sender().runOnce(later)).toEqual({ due: 1, sent: 1, skipped: 0, failed: 0 });
    expect(prompts()).toHaveLength(0);
    expect((await store.weekly.recentSends(key, 1))[0]).toMatchObject({
      status: "sent",
      ts: "1764255605.000100",
    });
  });

  it("after a crash before the post, sends it once", async () => {
    const key = { teamId: "T1", userId: "U_CRASH2" };
    await optIn(key, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    const at = await crashAfterLease();
    const later = new Date(at.getTime() + 61_000);
    await sender().runOnce(later);
    await sender().runOnce(later);
    expect(slack.callsTo("conversations.history")).toHaveLength(1);
    expect(prompts()).toHaveLength(1);
  });

  it(`lets two senders race without sending twice (${storeKind})`, async () => {
    for (let i = 0; i < 12; i++)
      await optIn(
        { teamId: i % 2 ? "T1" : "T2", userId: `U_R${i}` },
        5,
        "15:00",
        new Date("2026-11-25T10:00:00Z"),
      );
    const at = new Date("2026-11-27T15:00:05Z");
    const [a, b] = await Promise.all([sender().runOnce(at), sender().runOnce(at)]);
    expect((a?.sent ?? 0) + (b?.sent ?? 0)).toBe(12);
    const users = prompts().map((c) => c.args.channel);
    expect(new Set(users).size).toBe(12);
    expect(users).toHaveLength(12);
  });

  it("sends a prompt missed by downtime once on return, but skips one more than 24 hours late", async () => {
    await optIn({ teamId: "T1", userId: "U_LATE1" }, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    expect(await sender().runOnce(new Date("2026-11-28T14:00:00Z"))).toMatchObject({ sent: 1 }); // 23 h late
    await optIn({ teamId: "T1", userId: "U_LATE2" }, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    expect(await sender().runOnce(new Date("2026-11-29T16:00:00Z"))).toMatchObject({ sent: 0, skipped: 1 }); // 49 h late
    expect(
      (await store.weekly.getSchedule({ teamId: "T1", userId: "U_LATE2" }))?.nextRunAt?.toISOString(),
    ).toBe("2026-12-04T15:00:00.000Z");
  });
});

describe("delivery", () => {
  it("posts to the rep's user id and records the DM channel Slack answers with", async () => {
    const key = { teamId: "T1", userId: "U_DM" };
    await optIn(key, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    await sender().runOnce(new Date("2026-11-27T15:00:05Z"));
    expect(prompts().map((c) => c.args.channel)).toEqual(["U_DM"]);
    expect(slack.callsTo("conversations.open")).toHaveLength(0);
    expect((await store.weekly.recentSends(key, 1))[0]).toMatchObject({ status: "sent", channel: "D_DM" });
  });

  it("finds a prompt in the DM when its 'sent' could not be saved, and never posts it twice", async () => {
    const keys = ["U_L1", "U_L2"].map((userId) => ({ teamId: "T1", userId }));
    for (const k of keys) await optIn(k, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    // The DM remembers what was posted there, with its metadata, as Slack's does.
    const dm = new Map<string, Array<{ ts: string; metadata: unknown }>>();
    slack.on("chat.postMessage", (args) => {
      const channel = `D${String(args.channel).slice(1)}`;
      const ts = `1764255605.00010${dm.size}`;
      dm.set(channel, [...(dm.get(channel) ?? []), { ts, metadata: args.metadata }]);
      return { ok: true, channel, ts };
    });
    slack.on("conversations.open", (args) => ({
      ok: true,
      channel: { id: `D${String(args.users).slice(1)}` },
    }));
    slack.on("conversations.history", (args) => ({ ok: true, messages: dm.get(String(args.channel)) ?? [] }));
    const real = store.weekly.finishSends.bind(store.weekly);
    let failures = 0;
    // The pass's clock, moved past the lease when the "sent" is lost, as waiting it out would.
    let skewMs = 0;
    store.weekly.finishSends = async (finishes) => {
      if (failures++ === 0) {
        skewMs += 1500;
        throw new Error("connection reset");
      }
      return real(finishes);
    };
    // A short lease: the sends whose "sent" was lost come back within the pass, and the pass looks for
    // them every quarter lease.
    const result = await sender(1000, 1500, undefined, undefined, () => Date.now() + skewMs).runOnce(
      new Date("2026-11-27T15:00:05Z"),
    );
    expect(result).toEqual({ due: 2, sent: 2, skipped: 0, failed: 0 });
    expect(prompts()).toHaveLength(2);
    expect(slack.callsTo("conversations.history")).toHaveLength(2);
    for (const k of keys) expect((await store.weekly.recentSends(k, 1))[0]?.status).toBe("sent");
  }, 20_000);

  it(`keeps two senders on one workspace to its rate, counted over any second (${storeKind})`, async () => {
    const RATE = 20;
    for (let i = 0; i < 50; i++)
      await optIn({ teamId: "T_PACE", userId: `U_P${i}` }, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    // Slack's limit as the benchmark's fake enforces it: more than RATE posts in any sliding second -> 429.
    const accepted: number[] = [];
    let limited = 0;
    slack.on("chat.postMessage", () => {
      const now = Date.now();
      if (accepted.filter((t) => now - t < 1000).length >= RATE) {
        limited++;
        return { status: 429, retryAfter: 1 };
      }
      accepted.push(now);
      return undefined;
    });
    const at = new Date("2026-11-27T15:00:05Z");
    // A short lease keeps each lane's batches small (a sixth of a lease's posts). One sender holds the
    // workspace while it posts; the other gives back what it leased and waits.
    const [a, b] = await Promise.all([sender(RATE, 3000).runOnce(at), sender(RATE, 3000).runOnce(at)]);
    expect((a?.sent ?? 0) + (b?.sent ?? 0)).toBe(50);
    // Who was due is counted by the sender that posted: given-back sends are not counted twice.
    expect((a?.due ?? 0) + (b?.due ?? 0)).toBe(50);
    expect(limited).toBe(0);
    expect(new Set(prompts().map((c) => c.args.channel)).size).toBe(50);
    // 50 posts at 20 a second: the first second's 20, then 30 more at the rate.
    expect((accepted.at(-1) ?? 0) - (accepted[0] ?? 0)).toBeGreaterThanOrEqual(1400);
  }, 20_000);
});

describe("slow answers", () => {
  it(`keeps enough posts in flight for the rate when Slack takes 250 ms to answer, never more than the rate (${storeKind})`, async () => {
    const RATE = 40;
    for (let i = 0; i < 40; i++)
      await optIn({ teamId: "T_SLOW", userId: `U_S${i}` }, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    let inFlight = 0;
    let most = 0;
    slack.on("chat.postMessage", async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 250));
      inFlight--;
      return undefined;
    });
    const result = await sender(RATE).runOnce(new Date("2026-11-27T15:00:05Z"));
    expect(result).toEqual({ due: 40, sent: 40, skipped: 0, failed: 0 });
    // A post every 25 ms, each answered after 250 ms: about 10 at once. A fixed 4 per workspace (as
    // before) held this workspace to 16 a second.
    expect(most).toBeGreaterThanOrEqual(8);
    expect(most).toBeLessThanOrEqual(RATE);
  }, 20_000);
});

describe("two senders, one workspace", () => {
  it(`takes over a workspace whose sender stops posting, once its hold lapses, and sends each prompt once (${storeKind})`, async () => {
    for (let i = 0; i < 20; i++)
      await optIn({ teamId: "T_HOLD", userId: `U_H${i}` }, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    // Sender A's 6th post and every one after it never get an answer (its host froze), until `thaw`.
    let thaw = () => {};
    const frozen = new Promise<void>((resolve) => {
      thaw = resolve;
    });
    let aPosts = 0;
    const freezes = (c: WebClient) => {
      const postMessage = c.chat.postMessage.bind(c.chat);
      c.chat.postMessage = (async (args: Parameters<typeof postMessage>[0]) => {
        if (++aPosts <= 5) return postMessage(args);
        await frozen;
        throw new Error("socket hang up");
      }) as typeof c.chat.postMessage;
      return c;
    };
    const at = new Date("2026-11-27T15:00:05Z");
    const a = sender(20, 1500, freezes).runOnce(at);
    a.catch(() => undefined);
    for (let i = 0; i < 200 && prompts().length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(prompts()).toHaveLength(5);
    const frozeAt = Date.now();
    const b = await sender(20, 1500).runOnce(at);
    thaw();
    await a;

    // B posted all the rest: the free ones once A's hold lapsed, then the ones A had leased once their
    // lease ran out (after looking for them in the DM first).
    expect(b.sent).toBe(15);
    const channels = prompts().map((c) => c.args.channel);
    expect(channels).toHaveLength(20);
    expect(new Set(channels).size).toBe(20);
    const bFirst = prompts()[5]?.at ?? 0;
    expect(bFirst - frozeAt).toBeLessThan(1000);
    expect(slack.callsTo("conversations.history").length).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) {
      const [send] = await store.weekly.recentSends({ teamId: "T_HOLD", userId: `U_H${i}` }, 1);
      expect(send?.status, `U_H${i}`).toBe("sent");
    }
  }, 20_000);
});

describe("pacing and 429s", () => {
  it("pauses only the rate-limited workspace", async () => {
    for (let i = 0; i < 3; i++)
      await optIn({ teamId: "T_SLOW", userId: `U_S${i}` }, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    for (let i = 0; i < 3; i++)
      await optIn({ teamId: "T_FAST", userId: `U_F${i}` }, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    let limited = 0;
    slack.on("chat.postMessage", (_args, call) => {
      if (call.token === "xoxb-T_SLOW" && limited < 2) {
        limited++;
        return { status: 429, retryAfter: 1 };
      }
      return undefined;
    });
    const started = Date.now();
    expect(await sender().runOnce(new Date("2026-11-27T15:00:05Z"))).toMatchObject({ sent: 6, failed: 0 });
    const done = (token: string) =>
      Math.max(
        ...slack.calls
          .filter((c) => c.method === "chat.postMessage" && c.token === token && c.status === 200)
          .map((c) => c.at),
      );
    expect(done("xoxb-T_FAST") - started).toBeLessThan(800);
    // The slow workspace waited out Retry-After (1 s); the fast one did not wait for it.
    expect(done("xoxb-T_SLOW") - started).toBeGreaterThanOrEqual(950);
    expect(prompts().filter((c) => c.status === 200)).toHaveLength(6);
  });
});

describe("the messenger's errors", () => {
  it("a 429 becomes RateLimited with Slack's Retry-After; any other failure passes through as it was", async () => {
    const dms = await weeklyMessenger({ clientFor: async (team) => client(team) }).workspace("T1");
    const message = { kind: "keep_going" as const, week: "2026-W48" };
    slack.on("chat.postMessage", () => ({ status: 429, retryAfter: 7 }));
    const limited = await dms.post("U1", message).catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(RateLimited);
    expect((limited as RateLimited).retryAfterSec).toBe(7);
    slack.on("conversations.open", () => ({ ok: false, error: "user_not_found" }));
    await expect(dms.findSent("U1", "2026-W48", new Date())).rejects.toMatchObject({
      data: { error: "user_not_found" },
    });
  });
});

describe("unanswered prompts", () => {
  it("after 3 unanswered weeks asks once whether to keep them coming, then sends nothing until the rep chooses", async () => {
    const key = { teamId: "T1", userId: "U_QUIET" };
    await optIn(key, 5, "15:00", new Date("2026-11-01T10:00:00Z"));
    const s = sender();
    const fridays = ["2026-11-06", "2026-11-13", "2026-11-20", "2026-11-27", "2026-12-04", "2026-12-11"].map(
      (d) => new Date(`${d}T15:00:05Z`),
    );
    for (const at of fridays) await s.runOnce(at);
    const sent = slack.callsTo("chat.postMessage");
    expect(sent).toHaveLength(4);
    expect(String(sent[3]?.args.text)).toMatch(/How would you like the weekly questions to go/);
    expect((await store.weekly.getSchedule(key))?.awaitingChoice).toBe(true);
    await setWeekly(store, client(), key, { on: true }, new Date("2026-12-12T10:00:00Z"));
    await s.runOnce(new Date("2026-12-18T15:00:05Z"));
    expect(slack.callsTo("chat.postMessage")).toHaveLength(5);
  });

  it("never repeats a prompt within 8 weeks", async () => {
    const key = { teamId: "T1", userId: "U_EIGHT" };
    await optIn(key, 1, "09:00", new Date("2026-09-01T00:00:00Z"));
    const s = sender();
    for (let w = 0; w < 8; w++) {
      const at = new Date(Date.UTC(2026, 8, 7 + 7 * w, 9, 0, 5)); // Mondays, at or just after 09:00 London
      await s.runOnce(at);
      await store.weekly.markAnswered(key, (await store.weekly.recentSends(key, 1))[0]?.week ?? "", at);
    }
    const ids = (await store.weekly.recentSends(key, 8)).map((x) => x.promptId);
    expect(ids.filter(Boolean)).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });
});

describe("the weekly prompt comes from the coacher", () => {
  const at = new Date("2026-11-27T15:00:05Z");
  const prompted = () => JSON.stringify(prompts().map((c) => c.args.blocks));

  it("posts the coacher's prompt, chosen with the rep's week, and records its id", async () => {
    const key = { teamId: "T1", userId: "U_MARK" };
    await optIn(key, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    const coacher = testCoacher({ delayMs: 50 });
    expect(await sender(1000, 60_000, undefined, coacher).runOnce(at)).toMatchObject({ sent: 1 });
    expect(prompts()).toHaveLength(1);
    expect(prompted()).toContain(MARK);
    expect(coacher.weeklyCalls[0]).toMatchObject({ teamId: "T1", input: { seed: "U_MARK:2026-W48" } });
    const recorded = (await store.weekly.recentSends(key, 1))[0];
    expect(recorded?.status).toBe("sent");
    expect(recorded?.promptId).toBeTruthy();
  });

  it("a coacher that rejects: the library's prompt still goes out, once", async () => {
    const key = { teamId: "T1", userId: "U_REJ" };
    await optIn(key, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    const result = await sender(1000, 60_000, undefined, testCoacher({ fails: "reject" })).runOnce(at);
    expect(result).toMatchObject({ sent: 1, failed: 0 });
    expect(prompts()).toHaveLength(1);
    expect(prompted()).not.toContain(MARK);
  });

  it("a coacher slower than most of the lease: that lease posts nothing; the send goes out once", async () => {
    const key = { teamId: "T1", userId: "U_SLOW" };
    await optIn(key, 5, "15:00", new Date("2026-11-25T10:00:00Z"));
    let calls = 0;
    // The first answer comes after the lease's safe share (0.8 of 1.5 s); later ones at once.
    const coacher = testCoacher({ delayMs: () => (calls++ === 0 ? 1300 : 0) });
    const result = await sender(1000, 1500, undefined, coacher).runOnce(at);
    expect(result).toMatchObject({ sent: 1, failed: 0 });
    expect(coacher.weeklyCalls.length).toBeGreaterThanOrEqual(2);
    expect(prompts()).toHaveLength(1);
    expect(prompted()).toContain(MARK);
  }, 20_000);
});
