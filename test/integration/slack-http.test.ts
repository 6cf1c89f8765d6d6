import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import { WEEKLY_ACTION } from "../../src/slack/blocks/weekly.js";
import { ACTION, NUDGE_ACTION, VIEW } from "../../src/slack/ids.js";
import { eventually, type Harness, SECRET, startHarness } from "../support/app-harness.js";
import { postToApp } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import {
  appHomeOpened,
  appMention,
  appUninstalled,
  BOT_USER_ID,
  blockActions,
  messageChannels,
  messageIm,
  nextTs,
  TEAM_ID,
  viewSubmission,
} from "../support/slack-payloads.js";

type Body = {
  text?: string;
  blocks?: Record<string, unknown>[];
  response_type?: string;
  replace_original?: boolean;
};

const questionsIn = (blocks: Record<string, unknown>[] | undefined) =>
  (blocks ?? [])
    .filter((b) => b.type === "section" && String(b.block_id ?? "").startsWith("q_"))
    .map((b) => (b.text as { text: string }).text);

let h: Harness;
beforeAll(async () => {
  h = await startHarness("http");
});
afterAll(async () => {
  await h?.close();
});

describe("HTTP mode: request verification", () => {
  it("acks a signed /coach within the 3 s window and replies privately with guarded questions", async () => {
    const started = Date.now();
    const res = await h.command({
      text: "they loved the demo and nobody pushed back on price",
      user_id: "U_HTTP1",
      response_url: h.slack.responseUrl("first"),
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    const post = await h.slack.waitForResponse((p) => p.id === "first");
    const body = post.body as Body;
    expect(body.response_type).toBe("ephemeral");
    const questions = questionsIn(body.blocks);
    expect(questions.length).toBeGreaterThanOrEqual(1);
    expect(questions.length).toBeLessThanOrEqual(3);
    for (const q of questions) expect(checkReply(q).ok).toBe(true);
    expect(body.text).toBe(questions.join("\n"));
    // A first /coach also brings the one invitation to the weekly reflection, by DM.
    await eventually(() =>
      expect(h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === "U_HTTP1")).toHaveLength(1),
    );
    const actionIds = JSON.stringify(body.blocks);
    for (const id of [
      ACTION.anotherAngle,
      ACTION.goDeeper,
      ACTION.reflect,
      ACTION.helpful,
      ACTION.notHelpful,
    ]) {
      expect(actionIds).toContain(id);
    }
  });

  it("rejects a bad signature and a stale timestamp with 401 and calls no Web API", async () => {
    const calls = h.slack.calls.length;
    const responses = h.slack.responses.length;
    const bad = await h.command({ text: "hello" }, { secret: "wrong-secret" });
    expect(bad.status).toBe(401);
    const stale = await h.command({ text: "hello" }, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(401);
    const unsigned = await postToApp(`${h.url}/slack/events`, "command=%2Fcoach&text=hi");
    expect(unsigned.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.calls.length).toBe(calls);
    expect(h.slack.responses.length).toBe(responses);
  });

  it("serves /healthz", async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", mode: "http" });
  });
});

describe("/coach", () => {
  it("opens the situation modal for /coach alone", async () => {
    const from = h.slack.calls.length;
    await h.command({ text: "" });
    const call = await h.slack.waitFor((c) => c.method === "views.open", { from });
    expect((call.args.view as { callback_id: string }).callback_id).toBe(VIEW.situation);
  });

  it("coaches from the situation modal's answers", async () => {
    const from = h.slack.responses.length;
    const res = await h.interact(
      viewSubmission({
        callback_id: VIEW.situation,
        private_metadata: JSON.stringify({ r: h.slack.responseUrl("modal") }),
        values: {
          situation_deal: { deal: "Globex" },
          situation_stage: { stage: { type: "static_select", selected_option: { value: "negotiation" } } },
          situation_happened: { happened: "they want 20% off to sign this quarter" },
        },
      }),
    );
    expect(res.status).toBe(200);
    const post = await h.slack.waitForResponse((p) => p.id === "modal", { from });
    expect(JSON.stringify((post.body as Body).blocks)).toContain("customer success");
  });

  it("explains itself with /coach help", async () => {
    expect((await h.commandReply({ text: "help" })).text).toMatch(/\/coach/);
  });

  it("opens settings with /coach settings and saves them", async () => {
    const from = h.slack.calls.length;
    await h.command({ text: "settings", user_id: "U_SETTINGS" });
    const call = await h.slack.waitFor((c) => c.method === "views.open", { from });
    expect((call.args.view as { callback_id: string }).callback_id).toBe(VIEW.settings);
    const sel = (value: string) => ({ type: "static_select", selected_option: { value } });
    const res = await h.interact(
      viewSubmission({
        callback_id: VIEW.settings,
        user: "U_SETTINGS",
        values: {
          settings_weekly: { weekly: sel("on") },
          settings_weekly_day: { day: sel("2") },
          settings_weekly_time: { time: sel("09:30") },
          settings_nudges: { nudges: sel("off") },
          settings_quiet_hours: { quiet_hours: sel("20:00-07:00") },
        },
      }),
    );
    expect(res.status).toBe(200);
    const user = await h.store.getUser({ teamId: TEAM_ID, userId: "U_SETTINGS" });
    expect(user?.settings).toEqual({
      weekly: { enabled: true, day: 2, time: "09:30" },
      nudges: false,
      quietHours: { start: "20:00", end: "07:00" },
    });
  });

  it("coaches on 4,000+ characters without failing", async () => {
    const id = "long-text";
    await h.command({
      text: `they went quiet after the demo. ${"blah ".repeat(1000)}`,
      response_url: h.slack.responseUrl(id),
    });
    const post = await h.slack.waitForResponse(
      (p) => p.id === id && questionsIn((p.body as Body).blocks).length > 0,
    );
    expect(questionsIn((post.body as Body).blocks).length).toBeGreaterThan(0);
  });

  it("forgets a user's data after confirmation and says what was deleted", async () => {
    const key = { teamId: TEAM_ID, userId: "U_FORGET" };
    await h.commandReply({ text: "budget frozen until Q2", user_id: key.userId });
    expect((await h.store.userStats(key)).asked).toBeGreaterThan(0);
    await h.store.addReflection(key, { questionText: "Q?", answer: "private words" });
    const confirm = await h.commandReply({ text: "forget", user_id: key.userId });
    expect(JSON.stringify(confirm.blocks)).toContain(ACTION.forgetConfirm);
    const done = await h.actionReply(
      blockActions({
        action_id: ACTION.forgetConfirm,
        value: "confirm",
        user: key.userId,
        message: null,
        container: { type: "message", is_ephemeral: true },
      }),
    );
    expect(done.replace_original).toBe(true);
    expect(done.text).toMatch(/Deleted \d+ asked questions?, 1 reflection/);
    expect(await h.store.userStats(key)).toMatchObject({ asked: 0, answered: 0 });
    expect(await h.store.listReflections(key)).toEqual([]);
  });
});

describe("buttons and modals", () => {
  async function coachReply(userId: string, text: string) {
    return (await h.commandReply({ text, user_id: userId })).blocks ?? [];
  }
  const buttonValue = (blocks: Record<string, unknown>[], actionId: string) => {
    for (const b of blocks) {
      for (const e of (b.elements as { action_id?: string; value?: string }[] | undefined) ?? []) {
        if (e.action_id === actionId) return e.value as string;
      }
    }
    throw new Error(`no ${actionId} in reply`);
  };
  const ephemeral = { type: "message", is_ephemeral: true };

  it("Another angle asks from themes not shown yet", async () => {
    const blocks = await coachReply("U_ANGLE", "they loved the demo and nobody pushed back on price");
    const value = buttonValue(blocks, ACTION.anotherAngle);
    const shown = JSON.parse(value).shownThemes as string[];
    const post = await h.actionReply(
      blockActions({
        action_id: ACTION.anotherAngle,
        value,
        user: "U_ANGLE",
        message: null,
        container: ephemeral,
      }),
    );
    const text = JSON.stringify(post.blocks);
    for (const theme of shown) expect(text).not.toContain(`Coaching on: ${theme.replace(/_/g, " ")}`);
    expect(questionsIn(post.blocks).length).toBeGreaterThan(0);
  });

  it("Another angle from an older message (one-letter value) still coaches; an unreadable one is told kindly", async () => {
    const click = (value: string, action_id: string = ACTION.anotherAngle) =>
      h.actionReply(blockActions({ action_id, value, user: "U_OLD", message: null, container: ephemeral }));
    const old = await click(
      JSON.stringify({ s: "they loved the demo and nobody pushed back on price", g: null, x: ["budget"] }),
    );
    expect(questionsIn(old.blocks).length).toBeGreaterThan(0);
    expect(JSON.stringify(old.blocks)).not.toContain("Coaching on: budget");
    for (const [value, action] of [
      ["{not json", ACTION.anotherAngle],
      [JSON.stringify({ situation: 42, stage: null, shownThemes: [] }), ACTION.anotherAngle],
      [JSON.stringify({ source: "salesforce", dealId: "D-1" }), NUDGE_ACTION.snooze],
      [JSON.stringify({ e: "ann@acme.test" }), NUDGE_ACTION.mute],
      ["", WEEKLY_ACTION.skip],
    ] as const) {
      const reply = await click(value, action);
      expect(reply.text, value).toMatch(/^That button is from an older version of this message/);
      expect(questionsIn(reply.blocks ?? [])).toEqual([]);
    }
  });

  it("Go deeper returns a follow-up on that question, then says when there is none", async () => {
    const question = library.themes.get("budget")?.questions.find((q) => q.followUps.length > 0);
    if (!question) throw new Error("no budget question with follow-ups");
    const deeper = () =>
      h.actionReply(
        blockActions({
          action_id: ACTION.goDeeper,
          value: question.id,
          user: "U_DEEP",
          message: null,
          container: ephemeral,
        }),
      );
    const seen: string[] = [];
    for (const _ of question.followUps) seen.push((await deeper()).text ?? "");
    expect(seen).toEqual(question.followUps.map((f) => f.text));
    expect((await deeper()).text).toMatch(/as deep as that question goes/);
  });

  it("Reflect opens a modal; the answer is stored privately and never posted", async () => {
    const blocks = await coachReply("U_REFLECT", "the champion left and the new VP is reviewing vendors");
    const value = buttonValue(blocks, ACTION.reflect);
    const from = h.slack.calls.length;
    await h.interact(
      blockActions({
        action_id: ACTION.reflect,
        value,
        user: "U_REFLECT",
        message: null,
        container: ephemeral,
      }),
    );
    const open = await h.slack.waitFor((c) => c.method === "views.open", { from });
    const view = open.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(VIEW.reflect);
    const secret = "I have been avoiding the new VP because I fear the answer";
    const res = await h.interact(
      viewSubmission({
        callback_id: VIEW.reflect,
        user: "U_REFLECT",
        private_metadata: view.private_metadata,
        values: { reflect_answer: { answer: secret } },
      }),
    );
    expect(res.status).toBe(200);
    expect((res.json as { response_action?: string }).response_action).toBe("update");
    const saved = await h.store.listReflections({ teamId: TEAM_ID, userId: "U_REFLECT" });
    expect(saved.map((r) => r.answer)).toEqual([secret]);
    expect(await h.store.listReflections({ teamId: TEAM_ID, userId: "U_SOMEONE_ELSE" })).toEqual([]);
    expect(JSON.stringify(h.slack.calls)).not.toContain(secret);
    expect(JSON.stringify(h.slack.responses)).not.toContain(secret);
    expect(h.rawLogs.join("")).not.toContain(secret);
  });

  it("asks again for an empty reflection instead of saving nothing", async () => {
    const res = await h.interact(
      viewSubmission({
        callback_id: VIEW.reflect,
        user: "U_EMPTY",
        private_metadata: "{}",
        values: { reflect_answer: { answer: "  " } },
      }),
    );
    expect((res.json as { response_action: string }).response_action).toBe("errors");
  });

  it("accepts a reflection from a user who has deleted their data", async () => {
    const key = { teamId: TEAM_ID, userId: "U_GONE" };
    await h.store.forgetUser(key);
    const res = await h.interact(
      viewSubmission({
        callback_id: VIEW.reflect,
        user: key.userId,
        private_metadata: "not json",
        values: { reflect_answer: { answer: "still thinking" } },
      }),
    );
    expect(res.status).toBe(200);
    expect((res.json as { response_action: string }).response_action).toBe("update");
  });

  it("records helpful / not helpful, the second click replacing the first", async () => {
    const blocks = await coachReply("U_FEEDBACK", "price too high, they want us to match the incumbent");
    const qid = buttonValue(blocks, ACTION.helpful);
    await h.interact(
      blockActions({
        action_id: ACTION.helpful,
        value: qid,
        user: "U_FEEDBACK",
        message: null,
        container: ephemeral,
      }),
    );
    await eventually(async () =>
      expect((await h.store.userStats({ teamId: TEAM_ID, userId: "U_FEEDBACK" })).helpful).toBe(1),
    );
    await h.interact(
      blockActions({
        action_id: ACTION.notHelpful,
        value: qid,
        user: "U_FEEDBACK",
        message: null,
        container: ephemeral,
      }),
    );
    await eventually(async () =>
      expect(await h.store.userStats({ teamId: TEAM_ID, userId: "U_FEEDBACK" })).toMatchObject({
        helpful: 0,
        notHelpful: 1,
      }),
    );
  });

  it("acks an unknown action id and answers kindly", async () => {
    const post = await h.actionReply(
      blockActions({ action_id: "something_from_v0", value: "x", message: null, container: ephemeral }),
    );
    expect(post.text).toMatch(/older message/);
  });

  it("tells the user kindly when Slack fails under it", async () => {
    h.slack.on("views.open", () => ({ ok: false, error: "expired_trigger_id" }));
    try {
      const post = await h.commandReply({ text: "" });
      expect(post.text).toMatch(/Sorry, something went wrong/);
      expect(post.text).not.toMatch(/expired_trigger_id|Error|at /);
    } finally {
      h.slack.off("views.open");
    }
  });
});

describe("mentions, DMs and retries", () => {
  it("replies once in the thread to a mention delivered as app_mention and message.channels", async () => {
    const ts = nextTs();
    const text = `<@${BOT_USER_ID}> Globex went quiet after the pricing call`;
    const from = h.slack.calls.length;
    await h.event(appMention({ text, ts, user: "U_MENTION" }));
    await h.event(messageChannels({ text, ts, user: "U_MENTION" }));
    const post = await h.slack.waitFor((c) => c.method === "chat.postMessage", { from });
    expect(post.args.thread_ts).toBe(ts);
    expect(post.args.text).not.toContain("<@");
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toHaveLength(1);
  });

  it("uses as context only the thread's messages addressed to the bot", async () => {
    const root = nextTs();
    h.slack.on("conversations.replies", () => ({
      ok: true,
      messages: [
        { ts: root, user: "U_THREAD", text: `<@${BOT_USER_ID}> the incumbent is cheaper and IT likes them` },
        { ts: nextTs(), user: "U_OTHER", text: "our budget got frozen lol" },
      ],
    }));
    try {
      const from = h.slack.calls.length;
      await h.event(appMention({ text: `<@${BOT_USER_ID}> what now?`, thread_ts: root, user: "U_THREAD" }));
      const post = await h.slack.waitFor((c) => c.method === "chat.postMessage", { from });
      expect(post.args.thread_ts).toBe(root);
      const context = JSON.stringify(post.args.blocks);
      expect(context).toContain("competition");
      expect(context).not.toContain("budget");
    } finally {
      h.slack.off("conversations.replies");
    }
  });

  it("answers a retried delivery (same event_id) once", async () => {
    const event = messageIm({ text: "we lost the deal to the incumbent", user: "U_RETRY" });
    const from = h.slack.calls.length;
    await h.event(event, { eventId: "Ev_RETRY_1" });
    await h.event(event, {
      eventId: "Ev_RETRY_1",
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    await h.slack.waitFor((c) => c.method === "chat.postMessage", { from });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toHaveLength(1);
  });

  it("coaches a DM in a thread, and a reply in that thread goes deeper without repeating", async () => {
    const ts = nextTs();
    const from = h.slack.calls.length;
    await h.event(messageIm({ text: "the champion at Initech just left", ts, user: "U_DM" }));
    const first = await h.slack.waitFor((c) => c.method === "chat.postMessage", { from });
    expect(first.args.thread_ts).toBe(ts);
    const firstQuestions = questionsIn(first.args.blocks as Record<string, unknown>[]);
    const from2 = h.slack.calls.length;
    await h.event(
      messageIm({ text: "nobody else there returns my emails", ts: nextTs(), thread_ts: ts, user: "U_DM" }),
    );
    const second = await h.slack.waitFor((c) => c.method === "chat.postMessage", { from: from2 });
    expect(second.args.thread_ts).toBe(ts);
    const secondQuestions = questionsIn(second.args.blocks as Record<string, unknown>[]);
    expect(secondQuestions.length).toBeGreaterThan(0);
    for (const q of secondQuestions) expect(firstQuestions).not.toContain(q);
  });

  it("ignores the bot's own and edited messages", async () => {
    const from = h.slack.calls.length;
    await h.event(messageIm({ text: "hello", bot_id: "B0123ABCD", user: BOT_USER_ID }));
    await h.event(messageIm({ text: "edited", subtype: "message_changed" }));
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toHaveLength(0);
  });
});

describe("App Home and lifecycle", () => {
  it("publishes the user's Home with settings, counts and own reflections only", async () => {
    const me = { teamId: TEAM_ID, userId: "U_HOME" };
    await h.store.addReflection(me, { questionText: "Why now?", answer: "my home reflection" });
    await h.store.addReflection(
      { teamId: TEAM_ID, userId: "U_NOT_ME" },
      { questionText: "Why?", answer: "someone else's words" },
    );
    const from = h.slack.calls.length;
    await h.event(appHomeOpened({ user: me.userId, tab: "home" }));
    const call = await h.slack.waitFor((c) => c.method === "views.publish", { from });
    expect(call.args.user_id).toBe(me.userId);
    const view = JSON.stringify(call.args.view);
    expect(view).toContain("my home reflection");
    expect(view).not.toContain("someone else's words");
    expect(view).toContain("Weekly reflection:* off");
  });

  it("changes settings from Home and publishes it again", async () => {
    const from = h.slack.calls.length;
    await h.interact(
      blockActions({
        action_id: ACTION.homeWeeklyToggle,
        value: "on",
        user: "U_HOME2",
        view: { id: "VHOME", type: "home" },
      }),
    );
    const call = await h.slack.waitFor((c) => c.method === "views.publish", { from });
    expect(JSON.stringify(call.args.view)).toContain("Weekly reflection:* on, Fridays at 15:00");
  });

  it("deletes a workspace's data on app_uninstalled", async () => {
    const key = { teamId: TEAM_ID, userId: "U_UNINSTALL" };
    await h.store.addReflection(key, { questionText: "Q?", answer: "A" });
    await h.event(appUninstalled());
    await eventually(async () => expect(await h.store.listReflections(key)).toEqual([]));
  });
});

describe("privacy in logs", () => {
  it("never logs tokens or message text at info level", async () => {
    const marker = "zebra-confidential-pipeline-detail";
    await h.commandReply({ text: `they went quiet ${marker}`, user_id: "U_LOGS" });
    await eventually(() => expect(h.logs.some((l) => l.msg === "coached" && l.user === "U_LOGS")).toBe(true));
    const logs = h.rawLogs.join("\n");
    expect(logs).not.toContain(marker);
    expect(logs).not.toContain("xoxb-test-token");
    expect(logs).not.toContain(SECRET);
    expect(
      h.logs.some((l) => l.msg === "coached" && l.user === "U_LOGS" && typeof l.requestId === "string"),
    ).toBe(true);
  });
});
