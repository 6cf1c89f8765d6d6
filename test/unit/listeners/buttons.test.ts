import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Question } from "../../../src/coaching/library.js";
import { SORRY } from "../../../src/slack/blocks/messages.js";
import { WEEKLY_INPUT } from "../../../src/slack/blocks/weekly.js";
import {
  angleValue,
  linkRequestValue,
  nudgeDealValue,
  reflectMetadata,
  reflectValue,
  weeklyAnswerMetadata,
  weeklyValue,
} from "../../../src/slack/button-values.js";
import { ACTION, INPUT } from "../../../src/slack/ids.js";
import {
  anotherAngle,
  goDeeperAction,
  reflectAction,
} from "../../../src/slack/listeners/actions/coach-actions.js";
import { homeDealChannels, homeSetting } from "../../../src/slack/listeners/actions/home-actions.js";
import { linkDecision } from "../../../src/slack/listeners/actions/link-actions.js";
import { nudgeChoiceAction, nudgePref } from "../../../src/slack/listeners/actions/nudge-actions.js";
import { weeklyAction } from "../../../src/slack/listeners/actions/weekly-actions.js";
import type { Store } from "../../../src/store/types.js";
import { library } from "../../support/library.js";
import { testStore } from "../../support/store.js";
import {
  buttonArgs,
  call,
  fakeClient,
  fakeServices,
  must,
  recorder,
  storeServices,
  usersInfo,
} from "./fakes.js";

// Button listeners over a real store: each acks first, calls its one function (whose effect is read back
// from the store or from the fake client's calls) and answers where the button's answers go. One failure
// per family: the user is told kindly (never the error), and the log line is a constant message.

let store: Store;
beforeAll(async () => {
  store = await testStore();
});
afterAll(async () => {
  await store.close();
});

/** The text of a reply and of its blocks, joined. */
const shown = (message: unknown): string => {
  const m = message as { text?: string; blocks?: Array<{ text?: { text: string } }> };
  return [m.text ?? "", ...(m.blocks ?? []).map((b) => b.text?.text ?? "")].join("\n");
};

/** A failed reply must not carry the error: SORRY's words only. */
function expectKindFailure(
  respond: { calls: unknown[][] },
  lines: Array<{ message: string }>,
  error: string,
) {
  expect(respond.calls).toEqual([[{ response_type: "ephemeral", replace_original: false, ...SORRY }]]);
  expect(JSON.stringify(respond.calls)).not.toContain(error);
  expect(lines.map((l) => l.message)).toContain("listener failed");
  expect(JSON.stringify(lines.map((l) => l.message))).not.toContain(error);
}

describe("nudge Snooze and Mute", () => {
  it("Snooze stores a week's snooze for the clicker and that deal, after the ack, and says until when", async () => {
    const { services } = storeServices(store);
    const { args, ack, respond, order } = buttonArgs(
      nudgeDealValue.encode({ source: "hubspot", dealId: "d-7" }),
    );
    const before = Date.now();
    await nudgePref(services, "snooze")(args);
    expect(ack.calls).toHaveLength(1);
    expect(order[0]).toBe("ack");
    const pref = await store.deals.dealPref("T1", "U1", "hubspot", "d-7");
    expect(pref.muted).toBe(false);
    const days = ((pref.snoozedUntil?.getTime() ?? 0) - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    expect(call(respond)[0]).toMatchObject({
      response_type: "ephemeral",
      replace_original: false,
      text: expect.stringContaining(
        `Snoozed: no nudges about this deal until ${pref.snoozedUntil?.toISOString().slice(0, 10)}`,
      ),
    });
  });

  it("Mute mutes only that deal for the clicker; an unreadable value changes nothing and says the button is old", async () => {
    const { services } = storeServices(store);
    const { args, respond } = buttonArgs(nudgeDealValue.encode({ source: "pipedrive", dealId: "d-8" }));
    await nudgePref(services, "mute")(args);
    expect((await store.deals.dealPref("T1", "U1", "pipedrive", "d-8")).muted).toBe(true);
    expect((await store.deals.dealPref("T1", "U2", "pipedrive", "d-8")).muted).toBe(false);
    expect(call(respond)[0]).toMatchObject({ text: "Muted: no more nudges about this deal." });

    const old = buttonArgs("d-9");
    await nudgePref(services, "mute")(old.args);
    expect(shown(call(old.respond)[0])).toContain("older version of this message");
  });

  it("a failing store is told kindly, never the error, and logged with a constant message", async () => {
    const setDealPref = recorder(() => new Error("connection reset by peer"));
    const { services, logger } = fakeServices({ store: { deals: { setDealPref } } });
    const { args, respond } = buttonArgs(nudgeDealValue.encode({ source: "hubspot", dealId: "d-1" }));
    await nudgePref(services, "snooze")(args);
    expect(setDealPref.calls).toHaveLength(1);
    expectKindFailure(respond, logger.lines, "connection reset");
  });
});

describe("nudge choice: Keep them coming, No thanks, Stop", () => {
  it("Keep stores nudges on and replaces the invitation with the answer", async () => {
    const key = { teamId: "T1", userId: "UKEEP" };
    const { services } = storeServices(store);
    const { args, ack, respond } = buttonArgs("on", { user: { id: "UKEEP", team_id: "T1" } });
    await nudgeChoiceAction(services, "keep")(args);
    expect(ack.calls).toHaveLength(1);
    expect((await store.getUser(key))?.settings.nudges).toBe(true);
    expect(call(respond)[0]).toEqual({
      replace_original: true,
      text: expect.stringContaining("Deal nudges are on"),
    });
  });

  it("No thanks stores nudges off, replacing the invitation; Stop does the same but answers privately", async () => {
    const { services } = storeServices(store);
    const decline = buttonArgs("off", { user: { id: "UNO", team_id: "T1" } });
    await nudgeChoiceAction(services, "decline")(decline.args);
    expect((await store.getUser({ teamId: "T1", userId: "UNO" }))?.settings.nudges).toBe(false);
    expect(call(decline.respond)[0]).toEqual({
      replace_original: true,
      text: expect.stringContaining("No deal nudges"),
    });

    const stop = buttonArgs("off", { user: { id: "USTOP", team_id: "T1" } });
    await nudgeChoiceAction(services, "stop")(stop.args);
    expect((await store.getUser({ teamId: "T1", userId: "USTOP" }))?.settings.nudges).toBe(false);
    expect(call(stop.respond)[0]).toMatchObject({
      response_type: "ephemeral",
      replace_original: false,
      text: expect.stringContaining("No deal nudges"),
    });
  });
});

describe("App Home controls", () => {
  const homeArgs = (
    actionId: string,
    action: Record<string, unknown>,
    client = fakeClient().client,
    user = "UH",
  ) => {
    const { args, ack, order } = buttonArgs(
      undefined,
      { user: { id: user, team_id: "T1" }, response_url: undefined },
      client,
      actionId,
    );
    Object.assign(args.action, action);
    return { args, ack, order };
  };
  const homeClient = (admins: string[] = []) =>
    fakeClient({ users: usersInfo(admins), views: { publish: () => ({ ok: true }) } });

  it("a quiet-hours choice is stored, then the clicker's Home is published again", async () => {
    const { services } = storeServices(store);
    const { client, calls } = homeClient();
    const { args, ack, order } = homeArgs(
      ACTION.homeQuietHours,
      { selected_option: { value: "21:00-07:00" } },
      client,
    );
    await homeSetting(services)(args);
    expect(ack.calls).toHaveLength(1);
    expect(order[0]).toBe("ack");
    expect((await store.getUser({ teamId: "T1", userId: "UH" }))?.settings.quietHours).toEqual({
      start: "21:00",
      end: "07:00",
    });
    const publish = calls.filter((c) => c.method === "views.publish");
    expect(publish).toEqual([{ method: "views.publish", args: expect.objectContaining({ user_id: "UH" }) }]);
  });

  it("the nudges toggle is the rep's choice of nudges; the weekly toggle schedules the prompt", async () => {
    const wakeDeals = recorder();
    const { services } = storeServices(store, { wakeDeals });
    const nudges = homeArgs(ACTION.homeNudgesToggle, { value: "on" }, homeClient().client, "UN");
    await homeSetting(services)(nudges.args);
    expect((await store.getUser({ teamId: "T1", userId: "UN" }))?.settings.nudges).toBe(true);
    expect(wakeDeals.calls).toHaveLength(1);

    const weekly = homeArgs(ACTION.homeWeeklyToggle, { value: "on" }, homeClient().client, "UW");
    await homeSetting(services)(weekly.args);
    const schedule = await store.weekly.getSchedule({ teamId: "T1", userId: "UW" });
    expect(schedule?.enabled).toBe(true);
    expect(schedule?.nextRunAt?.getTime()).toBeGreaterThan(Date.now());
    expect(wakeDeals.calls).toHaveLength(1);
  });

  it("deal channels: an admin's selection replaces the stored one; a non-admin's changes nothing", async () => {
    const { services } = storeServices(store);
    await store.deals.setDealChannel("T1", "COLD", true, "UADMIN");
    const admin = homeClient(["UADMIN"]);
    const chosen = homeArgs(
      ACTION.homeDealChannels,
      { type: "multi_conversations_select", selected_conversations: ["CNEW"] },
      admin.client,
      "UADMIN",
    );
    await homeDealChannels(services)(chosen.args);
    expect(chosen.ack.calls).toHaveLength(1);
    expect(await store.deals.dealChannels("T1")).toEqual(["CNEW"]);
    expect(admin.calls.map((c) => c.method)).toContain("views.publish");

    const rep = homeClient();
    const refused = homeArgs(
      ACTION.homeDealChannels,
      { type: "multi_conversations_select", selected_conversations: [] },
      rep.client,
      "UREP",
    );
    await homeDealChannels(services)(refused.args);
    expect(await store.deals.dealChannels("T1")).toEqual(["CNEW"]);
    expect(rep.calls.map((c) => c.method)).toEqual(["users.info"]);
  });

  it("a failure is logged with a constant message; Home, not published again, is all the user sees", async () => {
    const upsertUser = recorder(() => new Error("relation users does not exist"));
    const { services, logger } = fakeServices({ store: { upsertUser } });
    const { client, calls } = homeClient();
    await homeSetting(services)(
      homeArgs(ACTION.homeQuietHours, { selected_option: { value: "off" } }, client).args,
    );
    expect(calls).toHaveLength(0);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: "error",
        message: "home setting failed",
        fields: expect.objectContaining({ requestId: "req-5" }),
      }),
    ]);
  });
});

describe("link Approve and Decline", () => {
  it("an admin's Approve links the e-mail to the rep, tells the rep and the admin by DM, and refreshes Home", async () => {
    const { services } = storeServices(store, { wakeDeals: recorder() });
    await store.deals.links.request("T1", "rep@acme.test", "UREP");
    const { client, calls } = fakeClient({
      users: {
        ...usersInfo(["UADMIN"]),
        lookupByEmail: () =>
          Promise.reject(Object.assign(new Error("x"), { data: { error: "users_not_found" } })),
      },
      chat: { postMessage: () => ({ ok: true }) },
      views: { publish: () => ({ ok: true }) },
    });
    const { args, ack } = buttonArgs(
      linkRequestValue.encode({ email: "rep@acme.test", userId: "UREP" }),
      { user: { id: "UADMIN", team_id: "T1" }, response_url: undefined },
      client,
    );
    await linkDecision(services, true)(args);
    expect(ack.calls).toHaveLength(1);
    expect(await store.deals.links.requests("T1", 10)).toEqual([]);
    expect((await store.deals.ownerLink("T1", "rep@acme.test"))?.userId).toBe("UREP");
    const dms = calls
      .filter((c) => c.method === "chat.postMessage")
      .map((c) => (c.args as { channel: string }).channel);
    expect(dms).toEqual(["UREP", "UADMIN"]);
    expect(calls.at(-1)).toEqual({
      method: "views.publish",
      args: expect.objectContaining({ user_id: "UADMIN" }),
    });
  });

  it("a non-admin's Decline decides nothing and is told why, by DM", async () => {
    const { services } = storeServices(store);
    await store.deals.links.request("T1", "other@acme.test", "UREP2");
    const { client, calls } = fakeClient({
      users: usersInfo([]),
      chat: { postMessage: () => ({ ok: true }) },
    });
    const { args } = buttonArgs(
      linkRequestValue.encode({ email: "other@acme.test", userId: "UREP2" }),
      { user: { id: "UX", team_id: "T1" } },
      client,
    );
    await linkDecision(services, false)(args);
    expect((await store.deals.links.requests("T1", 10)).map((r) => r.email)).toEqual(["other@acme.test"]);
    expect(calls.at(-1)).toEqual({
      method: "chat.postMessage",
      args: { channel: "UX", text: "Only workspace admins can approve or decline link requests." },
    });
  });
  it("a store failure after the admin check is told kindly by DM, never the error, and logged", async () => {
    const decline = recorder(() => new Error("could not serialize access due to concurrent update"));
    const { services, logger } = fakeServices({ store: { deals: { links: { decline } } } });
    const { client, calls } = fakeClient({
      users: usersInfo(["UADMIN"]),
      chat: { postMessage: () => ({ ok: true }) },
    });
    const { args } = buttonArgs(
      linkRequestValue.encode({ email: "x@acme.test", userId: "UREP3" }),
      { user: { id: "UADMIN", team_id: "T1" } },
      client,
    );
    await linkDecision(services, false)(args);
    expect(decline.calls).toHaveLength(1);
    expect(calls.at(-1)).toEqual({
      method: "chat.postMessage",
      args: { channel: "UADMIN", text: SORRY.text },
    });
    expect(logger.lines.map((l) => l.message)).toEqual(["listener failed"]);
  });
});

describe("weekly prompt buttons", () => {
  const weekly = (value: string | undefined, user: string, client = fakeClient().client) =>
    buttonArgs(value, { user: { id: user, team_id: "T1" }, message: { text: "How was your week?" } }, client);

  it("Answer opens the answer modal on the prompt's own question, with the prompt and week in its metadata", async () => {
    const { services } = storeServices(store);
    const prompt = must(library.reflections[0]);
    const { client, calls } = fakeClient({ views: { open: () => ({ ok: true }) } });
    const { args, respond } = weekly(
      weeklyValue.encode({ prompt: prompt.id, week: "2026-W49" }),
      "UA",
      client,
    );
    await weeklyAction(services, "answer")(args);
    expect(calls).toHaveLength(1);
    const view = must(calls[0]).args as {
      trigger_id: string;
      view: { private_metadata: string; blocks: unknown[] };
    };
    expect(view.trigger_id).toBe("trig-5");
    expect(weeklyAnswerMetadata.decode(view.view.private_metadata)).toEqual({
      prompt: prompt.id,
      week: "2026-W49",
      question: prompt.text.slice(0, 500),
    });
    expect(JSON.stringify(view.view.blocks)).toContain(WEEKLY_INPUT.answer[0]);
    expect(respond.calls).toHaveLength(0);
  });

  it("Skip clears the unanswered count; Stop turns the schedule off; Keep turns it on; each says what comes next", async () => {
    const { services } = storeServices(store);
    const key = { teamId: "T1", userId: "UW2" };
    await store.weekly.saveSchedule(key, { enabled: true, unanswered: 2, awaitingChoice: true });
    const skip = weekly(weeklyValue.encode({ prompt: "p", week: "2026-W49" }), "UW2");
    await weeklyAction(services, "skip")(skip.args);
    expect((await store.weekly.getSchedule(key))?.unanswered).toBe(0);
    expect(shown(call(skip.respond)[0])).toContain("Skipped this week.");

    const client = fakeClient({
      users: { info: () => ({ ok: true, user: { id: "UW2", tz: "Europe/Paris" } }) },
    }).client;
    const stop = weekly(undefined, "UW2", client);
    await weeklyAction(services, "stop")(stop.args);
    expect((await store.weekly.getSchedule(key))?.enabled).toBe(false);
    expect(shown(call(stop.respond)[0])).toContain("Weekly reflection is off.");

    const keep = weekly(undefined, "UW2", client);
    await weeklyAction(services, "keep")(keep.args);
    expect((await store.weekly.getSchedule(key))?.enabled).toBe(true);
    expect(shown(call(keep.respond)[0])).toContain("Weekly reflection is on");
  });

  it("Pause moves the next prompt four weeks out", async () => {
    const { services } = storeServices(store);
    const key = { teamId: "T1", userId: "UW3" };
    await store.weekly.saveSchedule(key, { enabled: true, nextRunAt: new Date(Date.now() + 86_400_000) });
    const pause = weekly(undefined, "UW3");
    await weeklyAction(services, "pause")(pause.args);
    const next = (await store.weekly.getSchedule(key))?.nextRunAt?.getTime() ?? 0;
    expect(next - Date.now()).toBeGreaterThan(27 * 86_400_000);
    expect(shown(call(pause.respond)[0])).toContain("Paused for 4 weeks.");
  });

  it("a failing store is told kindly, never the error, and logged with a constant message", async () => {
    const markAnswered = recorder(() => new Error("disk I/O error at page 7"));
    const { services, logger } = fakeServices({ store: { weekly: { markAnswered } } });
    const skip = weekly(weeklyValue.encode({ prompt: "p", week: "2026-W49" }), "UW4");
    await weeklyAction(services, "skip")(skip.args);
    expect(markAnswered.calls).toHaveLength(1);
    expectKindFailure(skip.respond, logger.lines, "disk I/O");
  });
});

describe("coaching buttons", () => {
  const withFollowUp = [...library.questions.values()].find(
    (q): q is Question => "followUps" in q && q.followUps.length > 0,
  ) as Question;

  it("Another angle coaches again on the situation and answers privately under an ephemeral reply", async () => {
    const { services } = storeServices(store);
    const key = { teamId: "T1", userId: "UANG" };
    const value = angleValue.encode({
      situation: "They went quiet after we sent pricing",
      stage: null,
      shownThemes: [],
    });
    const { args, ack, respond } = buttonArgs(value, { user: { id: "UANG", team_id: "T1" } });
    await anotherAngle(services)(args);
    expect(ack.calls).toHaveLength(1);
    const asked = await store.recentQuestionIds(key);
    expect(asked.length).toBeGreaterThan(0);
    const reply = call(respond)[0];
    expect(reply).toMatchObject({ response_type: "ephemeral", replace_original: false });
    const first = library.questions.get(asked.at(-1) ?? "");
    expect(shown(reply)).toContain((first?.text ?? "?").slice(0, 40));
  });

  it("Go deeper under a posted reply asks the follow-up in the reply's thread and records it", async () => {
    const { services } = storeServices(store);
    const { client, calls } = fakeClient({ chat: { postMessage: () => ({ ok: true, ts: "9.9" }) } });
    const { args } = buttonArgs(
      withFollowUp.id,
      {
        user: { id: "UDEEP", team_id: "T1" },
        channel: { id: "D1" },
        message: { ts: "5.5" },
        container: { is_ephemeral: false },
      },
      client,
    );
    await goDeeperAction(services)(args);
    const follow = must(withFollowUp.followUps[0]);
    expect(await store.recentQuestionIds({ teamId: "T1", userId: "UDEEP" }, { threadKey: "D1:5.5" })).toEqual(
      [follow.id],
    );
    expect(calls).toHaveLength(1);
    expect(must(calls[0]).args).toMatchObject({ channel: "D1", thread_ts: "5.5" });
    expect(shown(must(calls[0]).args)).toContain(follow.text.slice(0, 40));
  });

  it("Reflect opens the Reflect modal on the button's questions", async () => {
    const { services } = storeServices(store);
    const { client, calls } = fakeClient({ views: { open: () => ({ ok: true }) } });
    const { args } = buttonArgs(reflectValue.encode({ questions: [withFollowUp.id] }), {}, client);
    await reflectAction(services)(args);
    expect(calls.map((c) => c.method)).toEqual(["views.open"]);
    const { trigger_id, view } = must(calls[0]).args as {
      trigger_id: string;
      view: { private_metadata: string; blocks: unknown[] };
    };
    expect(trigger_id).toBe("trig-5");
    expect(reflectMetadata.decode(view.private_metadata)).toEqual({ questions: [withFollowUp.id] });
    expect(JSON.stringify(view.blocks)).toContain(INPUT.answer[0]);
  });

  it("Reflect failing to open the modal is told kindly and logged with a constant message", async () => {
    const { services, logger } = storeServices(store);
    const { client } = fakeClient({
      views: { open: () => Promise.reject(new Error("trigger_expired at 0x1f")) },
    });
    const { args, respond } = buttonArgs(reflectValue.encode({ questions: [withFollowUp.id] }), {}, client);
    await reflectAction(services)(args);
    expectKindFailure(respond, logger.lines, "trigger_expired");
  });
});
