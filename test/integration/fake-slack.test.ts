// Proves test/support/fake-slack.ts is good enough to stand in for Slack: the real @slack/bolt App and
// WebClient run against it over loopback, in Socket Mode and in HTTP mode.

import type { AddressInfo } from "node:net";
import { App, LogLevel, SocketModeReceiver, webApi } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ApiCall,
  eventCallback,
  FakeSlack,
  interactiveBody,
  postToApp,
  signRequest,
  slashCommandBody,
} from "../support/fake-slack.js";
import {
  appHomeOpened,
  appMention,
  BOT_USER_ID,
  blockActions,
  CHANNEL_ID,
  DM_CHANNEL_ID,
  eventCallbackPayload,
  messageIm,
  nextTs,
  slashCommand,
  TEAM_ID,
  tokensRevoked,
  urlVerification,
  viewSubmission,
} from "../support/slack-payloads.js";

const SECRET = "s3cret";

/** Cleanups run in reverse order after each test, so an app is always stopped before its fake closes. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startFake(): Promise<FakeSlack> {
  const slack = await FakeSlack.start();
  cleanups.push(() => slack.close());
  return slack;
}

function webClient(slack: FakeSlack, options: webApi.WebClientOptions = {}): webApi.WebClient {
  return new webApi.WebClient("xoxb-test", {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
    ...options,
  });
}

const methods = (calls: ApiCall[]) => calls.map((c) => c.method);

describe("FakeSlack Web API", () => {
  it("records WebClient calls with the bearer token and form fields decoded back into objects", async () => {
    const slack = await startFake();
    const client = webClient(slack);
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "What would have to be true?" } }];
    const first = await client.chat.postMessage({ channel: CHANNEL_ID, text: "[not json", blocks });
    const second = await client.chat.postMessage({ channel: CHANNEL_ID, text: "again", thread_ts: first.ts });

    expect(first.ok).toBe(true);
    expect(first.channel).toBe(CHANNEL_ID);
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message?.ts).toBe(first.ts);

    const [call] = slack.callsTo("chat.postMessage");
    expect(call?.token).toBe("xoxb-test");
    expect(call?.contentType).toContain("application/x-www-form-urlencoded");
    expect(call?.args).toMatchObject({ channel: CHANNEL_ID, text: "[not json", blocks });
    expect(call?.args).not.toHaveProperty("token");
    expect(call?.status).toBe(200);
  });

  it("serves the defaults Bolt and the app rely on", async () => {
    const slack = await startFake();
    const client = webClient(slack);

    expect(await client.auth.test()).toMatchObject({
      ok: true,
      user_id: BOT_USER_ID,
      bot_id: "B0123ABCD",
      team_id: TEAM_ID,
    });
    expect((await client.conversations.open({ users: "U0123ABCD" })).channel?.id).toBe(DM_CHANNEL_ID);
    expect((await client.users.info({ user: "U0123ABCD" })).user).toMatchObject({
      tz: "Europe/London",
      tz_offset: 0,
    });
    expect((await client.conversations.replies({ channel: CHANNEL_ID, ts: "1.2" })).messages).toEqual([]);
    expect(
      (await client.chat.postEphemeral({ channel: CHANNEL_ID, user: "U0123ABCD", text: "x" })).message_ts,
    ).toMatch(/^\d+\.\d{6}$/);
    const opened = await client.views.open({
      trigger_id: "1.2.3",
      view: {
        type: "modal",
        callback_id: "coach_situation",
        title: { type: "plain_text", text: "Coach" },
        blocks: [],
      },
    });
    expect(opened.view?.id).toMatch(/^V/);
    expect(opened.view?.callback_id).toBe("coach_situation");
    expect(slack.callsTo("views.open")[0]?.args.view).toMatchObject({ callback_id: "coach_situation" });
    await expect(client.users.lookupByEmail({ email: "a@b.c" })).rejects.toMatchObject({
      data: { error: "users_not_found" },
    });
    await expect(client.chat.postMessage({ channel: "", text: "x" })).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
    expect(await client.reactions.add({ channel: CHANNEL_ID, timestamp: "1.2", name: "eyes" })).toMatchObject(
      { ok: true },
    );

    // JSON bodies and a body token are understood too; no token at all is not_authed.
    const viaJson = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ token: "xoxb-body", channel: CHANNEL_ID, text: "json", unfurl_links: false }),
    });
    expect(await viaJson.json()).toMatchObject({ ok: true, channel: CHANNEL_ID });
    const jsonCall = slack.callsTo("chat.postMessage").at(-1);
    expect(jsonCall?.token).toBe("xoxb-body");
    expect(jsonCall?.args).toEqual({ channel: CHANNEL_ID, text: "json", unfurl_links: false });
    const form = new FormData();
    form.append("channels", CHANNEL_ID);
    form.append("file", new Blob(["hello"]), "notes.txt");
    await fetch(`${slack.apiUrl}files.upload`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test" },
      body: form,
    });
    expect(slack.callsTo("files.upload")[0]?.args).toEqual({
      channels: CHANNEL_ID,
      file: { filename: "notes.txt", size: 5, type: "application/octet-stream" },
    });
    const anonymous = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: "POST",
      body: "channel=C1&text=x",
    });
    expect(await anonymous.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("lets a test override a reply, then restores the default", async () => {
    const slack = await startFake();
    const client = webClient(slack);
    const off = slack.on("conversations.replies", (args) => ({
      ok: true,
      messages: [{ type: "message", user: "U0123ABCD", text: "parent", ts: args.ts }],
    }));
    expect((await client.conversations.replies({ channel: CHANNEL_ID, ts: "1.5" })).messages?.[0]?.text).toBe(
      "parent",
    );
    off();
    expect((await client.conversations.replies({ channel: CHANNEL_ID, ts: "1.5" })).messages).toEqual([]);

    slack.on("chat.postMessage", () => ({ ok: false, error: "not_in_channel" }));
    await expect(client.chat.postMessage({ channel: CHANNEL_ID, text: "x" })).rejects.toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { error: "not_in_channel" },
    });
    slack.reset();
    expect(slack.calls).toEqual([]);
    expect((await client.chat.postMessage({ channel: CHANNEL_ID, text: "x" })).ok).toBe(true);
  });

  it("serves posted messages back through conversations.history and .replies, metadata only when asked", async () => {
    const slack = await startFake();
    const client = webClient(slack);
    const metadata = { event_type: "deal_coach_nudge", event_payload: { nudge_id: "7" } };
    const first = await client.chat.postMessage({ channel: "U0FAKE1", text: "one", metadata });
    expect(first.channel).toBe("D0FAKE1");
    const reply = await client.chat.postMessage({
      channel: "D0FAKE1",
      text: "in thread",
      thread_ts: first.ts,
    });
    const second = await client.chat.postMessage({ channel: "D0FAKE1", text: "two" });
    await client.chat.postMessage({ channel: CHANNEL_ID, text: "elsewhere" });

    // Newest first, top-level only, no metadata unless include_all_metadata.
    const plain = await client.conversations.history({ channel: "D0FAKE1" });
    expect(plain.messages?.map((m) => m.text)).toEqual(["two", "one"]);
    expect(plain.messages?.some((m) => "metadata" in m)).toBe(false);
    const withMeta = await client.conversations.history({ channel: "D0FAKE1", include_all_metadata: true });
    expect(withMeta.messages?.find((m) => m.text === "one")?.metadata).toEqual(metadata);
    // oldest is exclusive; limit pages with a cursor.
    expect(
      (await client.conversations.history({ channel: "D0FAKE1", oldest: first.ts })).messages?.map(
        (m) => m.text,
      ),
    ).toEqual(["two"]);
    const page1 = await client.conversations.history({ channel: "D0FAKE1", limit: 1 });
    expect(page1.messages?.map((m) => m.ts)).toEqual([second.ts]);
    expect(page1.has_more).toBe(true);
    const cursor = page1.response_metadata?.next_cursor ?? "";
    const page2 = await client.conversations.history({ channel: "D0FAKE1", limit: 1, cursor });
    expect(page2.messages?.map((m) => m.ts)).toEqual([first.ts]);
    expect(page2.has_more).toBe(false);
    // A thread: the parent, then its replies, oldest first.
    const thread = await client.conversations.replies({ channel: "D0FAKE1", ts: String(first.ts) });
    expect(thread.messages?.map((m) => m.ts)).toEqual([first.ts, reply.ts]);
  });

  it("waitFor resolves on past or future calls and fails with a list of what it saw", async () => {
    const slack = await startFake();
    const client = webClient(slack);
    await client.auth.test();
    expect((await slack.waitFor("auth.test")).method).toBe("auth.test");

    const from = slack.calls.length;
    const pending = slack.waitFor((c) => c.method === "chat.postMessage" && c.args.text === "later", {
      from,
    });
    await client.chat.postMessage({ channel: CHANNEL_ID, text: "sooner" });
    await client.chat.postMessage({ channel: CHANNEL_ID, text: "later" });
    expect((await pending).args.text).toBe("later");

    const error = await slack.waitFor("views.publish", { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/waitFor\(views\.publish\).*50 ms/);
    expect((error as Error).message).toMatch(/chat\.postMessage token=xoxb-test .*"text":"sooner"/);
    await expect(slack.waitForResponse(undefined, { timeoutMs: 20 })).rejects.toThrow(
      /no matching response_url/,
    );
  });

  it("returns 429 with Retry-After, which the WebClient sees", async () => {
    const slack = await startFake();
    slack.on("chat.postMessage", () => ({ status: 429, retryAfter: 1 }));
    const rejecting = webClient(slack, { rejectRateLimitedCalls: true });
    await expect(rejecting.chat.postMessage({ channel: CHANNEL_ID, text: "x" })).rejects.toMatchObject({
      code: webApi.ErrorCode.RateLimitedError,
      retryAfter: 1,
    });
    expect(slack.callsTo("chat.postMessage")[0]?.status).toBe(429);

    // Without rejectRateLimitedCalls the client sleeps Retry-After seconds and retries.
    slack.reset();
    let n = 0;
    slack.on("chat.postMessage", () => (++n === 1 ? { status: 429, retryAfter: 1 } : undefined));
    const retrying = webClient(slack, { retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
    const started = Date.now();
    const result = await retrying.chat.postMessage({ channel: CHANNEL_ID, text: "x" });
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(slack.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
  });
});

describe("Bolt 5.1.0 in Socket Mode against FakeSlack", () => {
  it("connects with the app token, acks envelopes, and routes respond() and say() back to the fake", async () => {
    const slack = await startFake();
    const app = new App({
      token: "xoxb-test",
      appToken: "xapp-test",
      socketMode: true,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      // Bolt hands installerOptions.clientOptions (not clientOptions) to the SocketModeClient, so the
      // retryConfig must be repeated here or apps.connections.open gets 100 retries.
      installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } } },
      logLevel: LogLevel.ERROR,
    });
    const retries: unknown[] = [];
    app.command("/coach", async ({ ack, respond, command }) => {
      await ack({ response_type: "ephemeral", text: "thinking" });
      await respond({ text: `hi ${command.text}` });
    });
    app.event("app_mention", async ({ event, say, context }) => {
      retries.push(context.retryNum, context.retryReason);
      await say({ text: `heard: ${event.text}`, thread_ts: event.ts });
    });
    app.action("coach_reflect", async ({ ack, respond }) => {
      await ack();
      await respond({ text: "reflecting", replace_original: false });
    });
    app.view("coach_situation", async ({ ack, view }) => {
      await ack({ response_action: "errors", errors: { situation_deal: `got ${view.private_metadata}` } });
    });
    await app.start();
    cleanups.push(() => app.stop());
    await slack.socketConnected();

    const open = slack.callsTo("apps.connections.open");
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe("xapp-test");
    expect(slack.callsTo("auth.test")[0]?.token).toBe("xoxb-test");

    // Slash command: the ack body comes back in the ack frame, respond() posts to the response_url.
    const command = slashCommand({ text: "Globex", response_url: slack.responseUrl("cmd-1") });
    expect(await slack.sendEnvelope("slash_commands", command)).toEqual({
      response_type: "ephemeral",
      text: "thinking",
    });
    const response = await slack.waitForResponse((r) => r.id === "cmd-1");
    expect(response.body).toEqual({ text: "hi Globex" });
    expect(response.path).toBe("/response_url/cmd-1");

    // Events: Bolt acks with an empty payload before the listener; say() is chat.postMessage as the bot.
    const mention = appMention({ text: `<@${BOT_USER_ID}> Globex went quiet` });
    expect(
      await slack.sendEnvelope("events_api", eventCallbackPayload(mention), {
        retryAttempt: 1,
        retryReason: "timeout",
      }),
    ).toEqual({});
    const posted = await slack.waitFor("chat.postMessage");
    expect(posted.token).toBe("xoxb-test");
    expect(posted.args).toMatchObject({
      channel: CHANNEL_ID,
      thread_ts: mention.ts,
      text: `heard: ${mention.text}`,
    });
    expect(retries).toEqual([1, "timeout"]);
    expect(slack.envelopes.at(-1)).toMatchObject({
      type: "events_api",
      retry_attempt: 1,
      retry_reason: "timeout",
    });

    // A bare event is wrapped in an event_callback envelope for you.
    const from = slack.calls.length;
    await slack.sendEnvelope("events_api", appMention({ text: "bare" }));
    await slack.waitFor((c) => c.method === "chat.postMessage" && c.args.text === "heard: bare", { from });

    // Interactivity: block_actions and view_submission.
    expect(await slack.sendEnvelope("interactive", blockActions({ action_id: "coach_reflect" }))).toEqual({});
    expect(
      (await slack.waitForResponse((r) => (r.body as { text?: string }).text === "reflecting")).body,
    ).toEqual({
      text: "reflecting",
      replace_original: false,
    });
    const submitted = viewSubmission({ callback_id: "coach_situation", private_metadata: "deal_1" });
    expect(await slack.sendEnvelope("interactive", submitted)).toEqual({
      response_action: "errors",
      errors: { situation_deal: "got deal_1" },
    });
    expect(slack.envelopes.at(-1)?.accepts_response_payload).toBe(true);
  });

  it("rejects sendEnvelope clearly when nothing acks or nothing is connected", async () => {
    const slack = await startFake();
    await expect(slack.sendEnvelope("events_api", appMention())).rejects.toThrow(
      /no Socket Mode connection is open/,
    );
    const app = new App({
      token: "xoxb-test",
      appToken: "xapp-test",
      socketMode: true,
      clientOptions: slack.clientOptions,
      installerOptions: { clientOptions: slack.clientOptions },
      logLevel: LogLevel.ERROR,
    });
    // A command listener that never acks (Bolt in Socket Mode has no 3 s auto-ack).
    app.command("/coach", async () => {});
    await app.start();
    cleanups.push(() => app.stop());
    await expect(slack.sendEnvelope("slash_commands", slashCommand(), { timeoutMs: 300 })).rejects.toThrow(
      /was not acked within 300 ms/,
    );
  });

  it("reconnects after a disconnect frame", async () => {
    const slack = await startFake();
    // App does not forward clientPingTimeout; the reconnect delay is clientPingTimeout (5 s by default), so
    // shorten it through an explicit receiver.
    const receiver = new SocketModeReceiver({
      appToken: "xapp-test",
      clientPingTimeout: 600,
      installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } } },
      logLevel: LogLevel.ERROR,
    });
    const app = new App({
      token: "xoxb-test",
      receiver,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    app.event("app_home_opened", async ({ client, event }) => {
      await client.views.publish({ user_id: event.user, view: { type: "home", blocks: [] } });
    });
    app.event("tokens_revoked", async () => {});
    await app.start();
    cleanups.push(() => app.stop());
    await slack.socketConnected();

    expect(slack.sendDisconnect("refresh_requested")).toBe(1);
    await slack.socketConnected({ count: 2, timeoutMs: 5000 });
    expect(slack.callsTo("apps.connections.open")).toHaveLength(2);
    expect(slack.openSockets).toBe(1);

    await slack.sendEnvelope("events_api", eventCallbackPayload(appHomeOpened({ user: "U0999ZZZ" })));
    expect((await slack.waitFor("views.publish")).args).toMatchObject({
      user_id: "U0999ZZZ",
      view: { type: "home" },
    });
    expect(await slack.sendEnvelope("events_api", tokensRevoked({ bot: [BOT_USER_ID] }))).toEqual({});
  });
});

describe("Bolt 5.1.0 in HTTP mode against FakeSlack", () => {
  async function startHttpApp(slack: FakeSlack) {
    const app = new App({
      token: "xoxb-test",
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    const seen: string[] = [];
    app.command("/coach", async ({ ack, respond, command }) => {
      seen.push(`command:${command.text}`);
      await ack({ response_type: "ephemeral", text: "thinking" });
      await respond({ text: "hi" });
    });
    app.message(async ({ message, say }) => {
      seen.push(`message:${"text" in message ? message.text : ""}`);
      await say("noted");
    });
    app.action("coach_reflect", async ({ ack, body }) => {
      seen.push(`action:${body.type}`);
      await ack();
    });
    // HTTPReceiver.start() resolves with the node http.Server, so port 0 works and address() gives the port.
    const server = await app.start({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => app.stop());
    const { port } = server.address() as AddressInfo;
    return { app, seen, url: `http://127.0.0.1:${port}/slack/events` };
  }

  it("accepts signed requests and runs the listeners", async () => {
    const slack = await startFake();
    const { seen, url } = await startHttpApp(slack);

    const res = await postToApp(url, slashCommandBody({ text: "Initech" }), { secret: SECRET });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_type: "ephemeral", text: "thinking" });
    expect((await slack.waitForResponse()).body).toEqual({ text: "hi" });
    expect(seen).toContain("command:Initech");

    const dm = messageIm({ text: "I think the champion left Initech" });
    const eventRes = await postToApp(url, eventCallback(dm), { secret: SECRET });
    expect(eventRes.status).toBe(200);
    const posted = await slack.waitFor("chat.postMessage");
    expect(posted).toMatchObject({ token: "xoxb-test", args: { channel: DM_CHANNEL_ID, text: "noted" } });

    const actionRes = await postToApp(url, interactiveBody(blockActions({ action_id: "coach_reflect" })), {
      secret: SECRET,
    });
    expect(actionRes.status).toBe(200);
    expect(seen).toContain("action:block_actions");

    const challenge = urlVerification();
    const verify = await postToApp(url, JSON.stringify(challenge), { secret: SECRET });
    expect(verify.json).toEqual({ challenge: challenge.challenge });
  });

  it("rejects a bad signature and a stale timestamp with 401, calling nothing but auth.test", async () => {
    const slack = await startFake();
    const { seen, url } = await startHttpApp(slack);
    await slack.waitFor("auth.test");

    const body = slashCommandBody();
    expect((await postToApp(url, body, { secret: "wrong" })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await postToApp(url, body, { secret: SECRET, timestamp: stale })).status).toBe(401);
    expect((await postToApp(url, body)).status).toBe(401);
    // A signature over a different body does not pass either.
    const headers = signRequest(SECRET, slashCommandBody({ text: "other" }));
    expect((await postToApp(url, body, { headers })).status).toBe(401);

    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([]);
    expect(methods(slack.calls)).toEqual(["auth.test"]);
    expect(slack.responses).toEqual([]);
  });
});

describe("payload builders", () => {
  it("give unique ids and timestamps and point response_url at the running fake", async () => {
    const slack = await startFake();
    const a = eventCallbackPayload(appMention());
    const b = eventCallbackPayload(appMention());
    expect(a.event_id).not.toBe(b.event_id);
    expect(a.event.ts).not.toBe(b.event.ts);
    expect(a.event).toMatchObject({ type: "app_mention", channel: CHANNEL_ID, user: "U0123ABCD" });
    expect(a.event_context).toBe("4-eyJldCI6ImFwcF9tZW50aW9uIn0");
    expect(slashCommand().response_url.startsWith(`${slack.baseUrl}/response_url/`)).toBe(true);
    expect(slashCommand().trigger_id).not.toBe(slashCommand().trigger_id);
    expect(String(blockActions().response_url).startsWith(slack.baseUrl)).toBe(true);
    expect(messageIm({ thread_ts: "1.1" })).toMatchObject({
      channel: DM_CHANNEL_ID,
      channel_type: "im",
      thread_ts: "1.1",
    });
    expect(messageIm()).not.toHaveProperty("thread_ts");
    expect(Number(nextTs())).toBeGreaterThan(Number(a.event.ts));
  });
});
