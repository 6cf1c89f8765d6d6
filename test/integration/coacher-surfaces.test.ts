import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import type { Coacher } from "../../src/llm/coacher.js";
import { anglePayload } from "../../src/slack/blocks/coach-reply.js";
import { LIBRARY_NOTE, THINKING_TEXT } from "../../src/slack/blocks/thinking.js";
import { ACTION, VIEW } from "../../src/slack/ids.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import { MARK, type TestCoacher, testCoacher } from "../support/coachers.js";
import type { ApiCall, StoredMessage } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import {
  appMention,
  BOT_USER_ID,
  blockActions,
  CHANNEL_ID,
  messageIm,
  nextTs,
  TEAM_ID,
  viewSubmission,
} from "../support/slack-payloads.js";

// Every Slack surface takes its questions from services.coacher. With a coacher that may ask a model
// (usesModel) and answers after a delay, the rep sees a placeholder at once and then ONE reply in its
// place: the same message updated (chat.update), or the command's ephemeral replaced (replace_original).
// When the update fails there is still exactly one visible reply; without a model nothing is shown first;
// a coacher that rejects or never answers still gives library questions, with a kind note.

type Body = { text?: string; blocks?: Record<string, unknown>[]; replace_original?: boolean };

const DELAY_MS = 300;
const PATIENCE_MS = 1500;
let current: TestCoacher = testCoacher();
/** The harness's coacher: each test chooses the one behind it. */
const switchable: Coacher = {
  get usesModel() {
    return current.usesModel;
  },
  coach: (call) => current.coach(call),
  weekly: (call) => current.weekly(call),
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness("http", "info", {}, undefined, {
    coacher: switchable,
    coachPatienceMs: PATIENCE_MS,
  });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  h.slack.off("chat.update");
  h.slack.onResponse(undefined);
});

const questionsIn = (blocks: unknown) =>
  ((blocks ?? []) as Record<string, unknown>[])
    .filter((b) => b.type === "section" && String(b.block_id ?? "").startsWith("q_"))
    .map((b) => (b.text as { text: string }).text);
const responsesTo = (id: string) => h.slack.responses.filter((r) => r.id === id);
const inThread = (channel: string, threadTs: string): StoredMessage[] =>
  h.slack.messages.filter((m) => m.channel === channel && m.thread_ts === threadTs);
const postsIn = (channel: string, threadTs: string): ApiCall[] =>
  h.slack
    .callsTo("chat.postMessage")
    .filter((c) => c.args.channel === channel && c.args.thread_ts === threadTs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const marked = (blocks: unknown) => {
  const qs = questionsIn(blocks);
  expect(qs.length).toBeGreaterThan(0);
  for (const q of qs) expect(q).toContain(MARK);
};

/** A placeholder posted in a thread, then that very message updated with the reply: one message. */
async function expectReplacedInThread(channel: string, threadTs: string, coacher: TestCoacher) {
  const update = await h.slack.waitFor((c) => c.method === "chat.update" && c.args.channel === channel);
  const posts = postsIn(channel, threadTs);
  expect(posts).toHaveLength(1);
  expect(posts[0]?.args.text).toBe(THINKING_TEXT);
  // Shown before the coacher answered, not after it.
  expect(posts[0]?.at).toBeLessThan(coacher.answeredAt[0] ?? 0);
  marked(update.args.blocks);
  await sleep(200);
  const held = inThread(channel, threadTs);
  expect(held).toHaveLength(1);
  // The placeholder's own message, now holding the reply.
  expect(held[0]?.ts).toBe(update.args.ts);
  expect(held[0]?.text).toContain(MARK);
  return update;
}

describe("with a model (usesModel) that answers after a delay", () => {
  it("/coach: a private placeholder at once, then replaced by the questions; nothing else", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    await h.command({
      text: "Globex went quiet after the pricing call",
      user_id: "U_CMD1",
      response_url: h.slack.responseUrl("cmd1"),
    });
    const first = await h.slack.waitForResponse((p) => p.id === "cmd1");
    const shownAt = Date.now();
    expect((first.body as Body).text).toBe(THINKING_TEXT);
    expect((first.body as Body).replace_original).toBe(false);
    await eventually(() => expect(responsesTo("cmd1")).toHaveLength(2));
    expect(shownAt).toBeLessThanOrEqual(current.answeredAt[0] ?? 0);
    const second = responsesTo("cmd1")[1]?.body as Body;
    expect(second.replace_original).toBe(true);
    marked(second.blocks);
    expect(current.calls[0]?.teamId).toBe(TEAM_ID);
    await sleep(200);
    expect(responsesTo("cmd1")).toHaveLength(2);
    // The weekly invitation DM is the only post; no question goes out a second way.
    expect(JSON.stringify(h.slack.callsTo("chat.postMessage"))).not.toContain(MARK);
  });

  it("a mention: the placeholder in the thread is updated with the questions", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    const ts = nextTs();
    await h.event(
      appMention({ text: `<@${BOT_USER_ID}> Globex went quiet after pricing`, ts, user: "U_MEN1" }),
    );
    await expectReplacedInThread(CHANNEL_ID, ts, current);
  });

  it("a DM: the placeholder in the thread is updated with the questions", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    const ts = nextTs();
    await h.event(messageIm({ text: "the champion left Initech", ts, channel: "D_DM1", user: "U_DM1" }));
    await expectReplacedInThread("D_DM1", ts, current);
  });

  it("a DM reply in the thread (going deeper) is one updated message too", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    const ts = nextTs();
    await h.event(messageIm({ text: "budget is frozen until Q2", ts, channel: "D_DM2", user: "U_DM2" }));
    await h.slack.waitFor((c) => c.method === "chat.update" && c.args.channel === "D_DM2");
    current = testCoacher({ delayMs: DELAY_MS });
    const reply = nextTs();
    await h.event(
      messageIm({ text: "they said Q3 maybe", ts: reply, thread_ts: ts, channel: "D_DM2", user: "U_DM2" }),
    );
    await eventually(() =>
      expect(h.slack.callsTo("chat.update").filter((c) => c.args.channel === "D_DM2")).toHaveLength(2),
    );
    await sleep(200);
    // The first reply and the second, each one message: no placeholder left in the thread.
    const held = inThread("D_DM2", ts);
    expect(held).toHaveLength(2);
    expect(held.some((m) => m.text === THINKING_TEXT)).toBe(false);
  });

  it("Another angle under a posted reply: the placeholder in its thread is updated", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    const messageTs = nextTs();
    await h.interact(
      blockActions({
        action_id: ACTION.anotherAngle,
        value: anglePayload("they loved the demo and nobody pushed back on price", null, ["budget"]),
        user: "U_ANG1",
        channel: "D_ANG1",
        message: { ts: messageTs },
      }),
    );
    await expectReplacedInThread("D_ANG1", messageTs, current);
  });

  it("Another angle under an ephemeral reply: no placeholder Slack couldn't replace, one answer", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    const post = await h.actionReply(
      blockActions({
        action_id: ACTION.anotherAngle,
        value: anglePayload("they loved the demo and nobody pushed back on price", null, ["budget"]),
        user: "U_ANG2",
        message: null,
        container: { type: "message", is_ephemeral: true },
      }),
    );
    marked(post.blocks);
    expect(post.replace_original).toBe(false);
    await sleep(200);
    const id = h.slack.responses.find((r) => r.body === post)?.id ?? "";
    expect(responsesTo(id)).toHaveLength(1);
  });

  it("Go deeper: the library's follow-up at once, without the coacher or a placeholder", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    const question = library.themes.get("budget")?.questions.find((q) => q.followUps.length > 0);
    if (!question) throw new Error("no budget question with follow-ups");
    const messageTs = nextTs();
    await h.interact(
      blockActions({
        action_id: ACTION.goDeeper,
        value: question.id,
        user: "U_DEEP1",
        channel: "D_DEEP1",
        message: { ts: messageTs },
      }),
    );
    const post = await h.slack.waitFor(
      (c) => c.method === "chat.postMessage" && c.args.channel === "D_DEEP1",
    );
    expect(post.args.text).toBe(question.followUps[0]?.text);
    await sleep(200);
    expect(postsIn("D_DEEP1", messageTs)).toHaveLength(1);
    expect(current.calls).toHaveLength(0);
  });

  it("the /coach form: placeholder and reply through the command's response_url", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    await h.interact(
      viewSubmission({
        callback_id: VIEW.situation,
        user: "U_FORM1",
        private_metadata: JSON.stringify({ r: h.slack.responseUrl("form1") }),
        values: {
          situation_deal: { deal: "Globex" },
          situation_happened: { happened: "they want 20% off to sign this quarter" },
        },
      }),
    );
    await eventually(() => expect(responsesTo("form1")).toHaveLength(2));
    const [first, second] = responsesTo("form1").map((r) => r.body as Body);
    expect(first?.text).toBe(THINKING_TEXT);
    expect(second?.replace_original).toBe(true);
    marked(second?.blocks);
  });
});

describe("when the placeholder can't be replaced", () => {
  it("chat.update fails: the reply is posted once and the placeholder deleted", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    h.slack.on("chat.update", () => ({ ok: false, error: "cant_update_message" }));
    const ts = nextTs();
    await h.event(appMention({ text: `<@${BOT_USER_ID}> Initech wants a discount`, ts, user: "U_UPD1" }));
    const deleted = await h.slack.waitFor((c) => c.method === "chat.delete" && c.args.channel === CHANNEL_ID);
    const posts = postsIn(CHANNEL_ID, ts);
    expect(posts).toHaveLength(2);
    expect(posts[0]?.args.text).toBe(THINKING_TEXT);
    marked(posts[1]?.args.blocks);
    // The reply was up before the placeholder went: never a moment with nothing.
    expect(posts[1]?.at).toBeLessThanOrEqual(deleted.at);
    const held = inThread(CHANNEL_ID, ts);
    expect(held).toHaveLength(1);
    expect(held[0]?.text).toContain(MARK);
  });

  it("the response_url refuses replace_original: the placeholder is deleted, then the reply posted", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    h.slack.onResponse((body) =>
      (body as Body).replace_original === true ? { status: 404, body: "expired_url" } : undefined,
    );
    await h.command({
      text: "Globex wants to wait",
      user_id: "U_CMD2",
      response_url: h.slack.responseUrl("cmd2"),
    });
    await eventually(() => expect(responsesTo("cmd2")).toHaveLength(4));
    const bodies = responsesTo("cmd2").map((r) => r.body as Body & { delete_original?: boolean });
    expect(bodies[0]?.text).toBe(THINKING_TEXT);
    expect(bodies[1]?.replace_original).toBe(true);
    expect(bodies[2]).toEqual({ delete_original: true });
    marked(bodies[3]?.blocks);
    expect(bodies[3]?.replace_original).toBeUndefined();
  });

  it("the placeholder itself can't be posted: the reply still comes, once", async () => {
    current = testCoacher({ delayMs: DELAY_MS });
    let refused = false;
    h.slack.on("chat.postMessage", (args) => {
      if (args.text !== THINKING_TEXT || refused) return undefined;
      refused = true;
      return { ok: false, error: "ratelimited" };
    });
    try {
      const ts = nextTs();
      await h.event(appMention({ text: `<@${BOT_USER_ID}> Acme went silent`, ts, user: "U_PH1" }));
      await eventually(() => expect(inThread(CHANNEL_ID, ts)).toHaveLength(1));
      expect(inThread(CHANNEL_ID, ts)[0]?.text).toContain(MARK);
      expect(refused).toBe(true);
      expect(
        h.slack.callsTo("chat.update").filter((c) => c.args.channel === CHANNEL_ID && c.args.ts === ts),
      ).toEqual([]);
    } finally {
      h.slack.off("chat.postMessage");
    }
  });
});

describe("without a model (usesModel false)", () => {
  it("/coach: no placeholder, one reply, still from the coacher", async () => {
    current = testCoacher({ usesModel: false, delayMs: DELAY_MS });
    await h.command({
      text: "Globex went quiet",
      user_id: "U_NOM1",
      response_url: h.slack.responseUrl("nom1"),
    });
    await h.slack.waitForResponse((p) => p.id === "nom1");
    await sleep(200);
    const bodies = responsesTo("nom1").map((r) => r.body as Body);
    expect(bodies).toHaveLength(1);
    marked(bodies[0]?.blocks);
    expect(bodies[0]?.replace_original).toBeUndefined();
    expect(current.calls).toHaveLength(1);
  });

  it("a mention: no placeholder, no update, one post", async () => {
    current = testCoacher({ usesModel: false, delayMs: DELAY_MS });
    const ts = nextTs();
    const updates = h.slack.callsTo("chat.update").length;
    await h.event(appMention({ text: `<@${BOT_USER_ID}> Globex went quiet`, ts, user: "U_NOM2" }));
    await eventually(() => expect(postsIn(CHANNEL_ID, ts)).toHaveLength(1));
    marked(postsIn(CHANNEL_ID, ts)[0]?.args.blocks);
    await sleep(200);
    expect(postsIn(CHANNEL_ID, ts)).toHaveLength(1);
    expect(h.slack.callsTo("chat.update")).toHaveLength(updates);
  });
});

describe("a coacher that breaks its promise", () => {
  const libraryReply = (blocks: unknown) => {
    const qs = questionsIn(blocks);
    expect(qs.length).toBeGreaterThan(0);
    for (const q of qs) {
      expect(q).not.toContain(MARK);
      expect(checkReply(q).ok).toBe(true);
    }
    expect(JSON.stringify(blocks)).toContain(LIBRARY_NOTE);
  };

  it("rejects: the library's questions and a kind note, in the placeholder's place", async () => {
    current = testCoacher({ delayMs: DELAY_MS, fails: "reject" });
    await h.command({
      text: "Initech's CFO wants to wait",
      user_id: "U_REJ1",
      response_url: h.slack.responseUrl("rej1"),
    });
    await eventually(() => expect(responsesTo("rej1")).toHaveLength(2));
    const second = responsesTo("rej1")[1]?.body as Body;
    expect(second.replace_original).toBe(true);
    libraryReply(second.blocks);
    expect(
      h.logs.some((l) => l.msg === "coacher failed; the library answered" && l.trouble === "rejected"),
    ).toBe(true);
  });

  it("never answers: after the surface's patience, the library in one reply", async () => {
    current = testCoacher({ fails: "hang" });
    const ts = nextTs();
    const started = Date.now();
    await h.event(appMention({ text: `<@${BOT_USER_ID}> Acme stalled in legal`, ts, user: "U_HANG1" }));
    const update = await h.slack.waitFor(
      (c) => c.method === "chat.update" && c.args.channel === CHANNEL_ID && c.at > started,
      {
        timeoutMs: PATIENCE_MS + 3000,
      },
    );
    expect(update.at - started).toBeGreaterThanOrEqual(PATIENCE_MS - 50);
    libraryReply(update.args.blocks);
    expect(inThread(CHANNEL_ID, ts)).toHaveLength(1);
  });
});
