import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SORRY } from "../../../src/slack/blocks/messages.js";
import { INPUT } from "../../../src/slack/ids.js";
import { appHomeOpened } from "../../../src/slack/listeners/events/app-home.js";
import type { EventArgs } from "../../../src/slack/listeners/events/event-args.js";
import { appUninstalled } from "../../../src/slack/listeners/events/lifecycle.js";
import { type PlainMessage, routeMessage } from "../../../src/slack/listeners/events/message.js";
import { reflectSubmitted } from "../../../src/slack/listeners/views/reflect.js";
import type { ViewArgs } from "../../../src/slack/listeners/views/submission.js";
import type { Store } from "../../../src/store/types.js";
import { testStore } from "../../support/store.js";
import { fakeClient, must, recorder, storeServices, usersInfo } from "./fakes.js";

// The message router with the real handlers over a real store: a DM is coached in its thread, a deal
// channel's post (a CRM bot's too) is read as a deal update, a mention in another channel is answered,
// and edits, bots and unaddressed channel chatter are left alone. Then the Home tab, uninstall and a
// modal submission through their real functions.

let store: Store;
beforeAll(async () => {
  store = await testStore();
});
afterAll(async () => {
  await store.close();
});

const where = { teamId: "T1", botUserId: "UBOT", botId: "BBOT", requestId: "req-7" };
let seq = 0;
const ts = () => `${1_700_000_000 + ++seq}.000100`;

function chatClient() {
  return fakeClient({
    chat: {
      postMessage: () => ({ ok: true, ts: "99.1" }),
      update: () => ({ ok: true }),
      postEphemeral: () => ({ ok: true }),
    },
    conversations: { replies: () => ({ ok: true, messages: [] }) },
  });
}

/** The thread replies posted, as channel, thread and text. */
const posted = (calls: Array<{ method: string; args: unknown }>) =>
  calls
    .filter((c) => c.method === "chat.postMessage")
    .map((c) => c.args as { channel: string; thread_ts?: string; text: string });

describe("routeMessage", () => {
  it("a person's DM is coached in its own thread, and the questions are recorded for them", async () => {
    const { services } = storeServices(store);
    const { client, calls } = chatClient();
    const m: PlainMessage = {
      channel: "D1",
      channel_type: "im",
      user: "UDM",
      text: "The champion went quiet after the pricing call",
      ts: ts(),
    };
    await routeMessage(services, client, m, where);
    const replies = posted(calls);
    expect(replies).toHaveLength(1);
    expect(must(replies[0])).toMatchObject({ channel: "D1", thread_ts: m.ts });
    expect(must(replies[0]).text).toContain("?");
    const asked = await store.recentQuestionIds({ teamId: "T1", userId: "UDM" }, { threadKey: `D1:${m.ts}` });
    expect(asked.length).toBeGreaterThan(0);
  });

  it("a deal channel's CRM bot post is answered in its thread; the same post again is not", async () => {
    const { services } = storeServices(store);
    await store.deals.setDealChannel("T1", "CDEALS", true, "UADMIN");
    const { client, calls } = chatClient();
    const m: PlainMessage = {
      channel: "CDEALS",
      channel_type: "channel",
      subtype: "bot_message",
      bot_id: "BCRM",
      text: "Deal Globex moved to Negotiation; the buyer asked for a 20% discount",
      ts: ts(),
    };
    await routeMessage(services, client, m, where);
    await routeMessage(services, client, m, where);
    expect(posted(calls)).toEqual([expect.objectContaining({ channel: "CDEALS", thread_ts: m.ts })]);
  });

  it("a mention in another channel is answered in the thread; unaddressed chatter is not", async () => {
    const { services } = storeServices(store);
    const { client, calls } = chatClient();
    const base = { channel: "CGEN", channel_type: "channel", user: "UM" };
    await routeMessage(services, client, { ...base, text: "lunch anyone?", ts: ts() }, where);
    expect(calls).toHaveLength(0);
    const m = { ...base, text: "<@UBOT> the buyer keeps pushing the signing date", ts: ts() };
    await routeMessage(services, client, m, where);
    expect(posted(calls)).toEqual([expect.objectContaining({ channel: "CGEN", thread_ts: m.ts })]);
  });

  it("edits, bot posts (ours included) and messages without a user are ignored outside deal channels", async () => {
    const { services } = storeServices(store);
    const { client, calls } = chatClient();
    const dm = { channel: "D2", channel_type: "im", text: "the buyer went quiet" };
    await routeMessage(services, client, { ...dm, user: "U1", subtype: "message_changed", ts: ts() }, where);
    await routeMessage(services, client, { ...dm, bot_id: "BBOT", ts: ts() }, where);
    await routeMessage(services, client, { ...dm, bot_id: "BOTHER", user: "U9", ts: ts() }, where);
    await routeMessage(services, client, { ...dm, ts: ts() }, where);
    // Our own post in a deal channel is never read as a deal update.
    await store.deals.setDealChannel("T1", "CDEALS2", true);
    await routeMessage(
      services,
      client,
      { channel: "CDEALS2", channel_type: "channel", user: "UBOT", text: "a question?", ts: ts() },
      where,
    );
    expect(calls).toHaveLength(0);
  });

  it("a DM whose coaching fails is told kindly in its thread, never the error; logged with a constant message", async () => {
    const failing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "recordAsked")
          return () => Promise.reject(new Error("deadlock detected on asked_questions"));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { services, logger } = storeServices(failing);
    const { client, calls } = chatClient();
    const m = { channel: "D3", channel_type: "im", user: "UF", text: "they asked for a discount", ts: ts() };
    await routeMessage(services, client, m, where);
    expect(posted(calls)).toEqual([{ channel: "D3", thread_ts: m.ts, ...SORRY }]);
    expect(logger.lines.map((l) => l.message)).toContain("listener failed");
    expect(JSON.stringify(logger.lines.map((l) => l.message))).not.toContain("deadlock");
  });
});

describe("app_home_opened, through publishHome", () => {
  it("publishes the opener's Home with their saved settings", async () => {
    const { services } = storeServices(store);
    await store.upsertUser({ teamId: "T1", userId: "UHOME" }, { settings: { nudges: true } });
    const { client, calls } = fakeClient({ users: usersInfo(), views: { publish: () => ({ ok: true }) } });
    const args = {
      event: { type: "app_home_opened", tab: "home", user: "UHOME" },
      body: { team_id: "T1" },
      client,
      context: { requestId: "req-8" },
    } as unknown as EventArgs<"app_home_opened">;
    await appHomeOpened(services)(args);
    const publish = calls.filter((c) => c.method === "views.publish");
    expect(publish).toHaveLength(1);
    expect(must(publish[0]).args).toMatchObject({ user_id: "UHOME", view: { type: "home" } });
    expect(JSON.stringify(must(publish[0]).args)).toContain("Deal nudges:* on");
  });
});

describe("app_uninstalled, through forgetTeam", () => {
  it("deletes the workspace's people and leaves another workspace's", async () => {
    const { services, logger } = storeServices(store);
    await store.upsertUser({ teamId: "TGONE", userId: "U1" });
    await store.upsertUser({ teamId: "TSTAY", userId: "U1" });
    const args = {
      event: { type: "app_uninstalled" },
      body: { team_id: "TGONE" },
      context: { requestId: "req-9" },
    };
    await appUninstalled(services)(args as unknown as EventArgs<"app_uninstalled">);
    expect(await store.getUser({ teamId: "TGONE", userId: "U1" })).toBeUndefined();
    expect(await store.getUser({ teamId: "TSTAY", userId: "U1" })).toBeDefined();
    expect(logger.lines.map((l) => l.message)).toEqual(["app uninstalled: team data deleted"]);
  });
});

describe("the Reflect modal, through saveReflection", () => {
  it("stores the answer privately with the question's text, then shows the saved view", async () => {
    const { services } = storeServices(store);
    const ack = recorder();
    const args = {
      ack,
      context: { requestId: "req-10" },
      body: { user: { id: "UREF", team_id: "T1" }, team: { id: "T1" } },
      view: {
        state: {
          values: {
            [INPUT.answer[0]]: {
              [INPUT.answer[1]]: { type: "plain_text_input", value: " I never asked who signs " },
            },
          },
        },
        private_metadata: "",
      },
    } as unknown as ViewArgs;
    await reflectSubmitted(services)(args);
    const [saved] = await store.listReflections({ teamId: "T1", userId: "UREF" });
    expect(saved).toMatchObject({ answer: "I never asked who signs" });
    expect(ack.calls).toEqual([[expect.objectContaining({ response_action: "update" })]]);
  });
});
