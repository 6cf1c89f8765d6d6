import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { signDeals, signHubSpot } from "../../src/deals/sources/index.js";
import { createLogger } from "../../src/logger.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { startDealCoach } from "../../src/runtime.js";
import { WEEKLY_ACTION, WEEKLY_VIEW } from "../../src/slack/blocks/weekly.js";
import { ACTION } from "../../src/slack/ids.js";
import { openStore } from "../../src/store/open.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import { DIST_CLI, runCli } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { type FakeHubSpot, startFakeHubSpot } from "../support/fake-crm.js";
import { FakeSlack, postToApp, slashCommandBody } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import { optInToNudges } from "../support/nudges.js";
import {
  APP_ID,
  appHomeOpened,
  appMention,
  BOT_USER_ID,
  blockActions,
  eventCallbackPayload,
  messageChannels,
  messageIm,
  nextTs,
  slashCommand,
  TEAM_ID,
  TEAM_NAME,
  viewSubmission,
} from "../support/slack-payloads.js";
import { storeKind, testDatabaseUrl, testStore } from "../support/store.js";

// Nothing private in any log, at any level (README "What the logs hold"). Every surface is driven at
// LOG_LEVEL=debug with a marker in every token, secret, OAuth code, message, reflection, deal name, CRM
// note and e-mail address; everything written anywhere (our logger, Bolt's and the Web API client's
// loggers, Socket Mode's, console, stdout and stderr, and the CLI's output streams) is searched for them.
// Every marker shares one random hex run id, and its first 8 characters are searched for, so even a
// marker cut short is found.

const RUN = randomBytes(6).toString("hex");
/** What is searched for: the run id's first 8 characters, so a marker cut short is found too. */
const TELL = RUN.slice(0, 8);
const mark = (what: string) => `${what}${RUN}${what}`;
const M = {
  botToken: `xoxb-${mark("bot")}`,
  appToken: `xapp-${mark("app")}`,
  signingSecret: mark("signing"),
  clientSecret: mark("clientsecret"),
  stateSecret: mark("statesecret"),
  oauthCode: mark("oauthcode"),
  encryptionKey: `${RUN}${randomBytes(26).toString("hex")}`,
  installedToken: `xoxb-${mark("installed")}`,
  refreshToken: `xoxe-${mark("refresh")}`,
  dealSecret: mark("dealsecret"),
  coachText: `our champion ${mark("coach")} went quiet after the demo`,
  socketText: `the budget ${mark("socket")} got frozen`,
  mention: `we lost ${mark("mention")} to the incumbent`,
  dm: `they asked ${mark("dm")} for 20% off`,
  answer: `I kept chasing ${mark("reflection")} instead of the CFO`,
  dealName: `Globex ${mark("dealname")} renewal`,
  orphanDeal: `Vandelay ${mark("orphan")} imports`,
  note: `CFO ${mark("note")} wants a discount`,
  email: `ann.${RUN}@acme.test`,
  channelPost: `Initech ${mark("channel")} moved to Negotiation`,
  hubspotToken: `pat-${mark("hubspottoken")}`,
  hubspotSecret: mark("hubspotsecret"),
  hubspotDeal: `Acme ${mark("hubspotdeal")} 200 seats`,
  linkEmail: `me.${RUN}@acme.test`,
  failing: `they want ${mark("failing")} a pilot first`,
  forged: `forged ${mark("forged")} request`,
};

/** Everything written while a test runs: process streams and console, besides each logger's own sink. */
const captured: string[] = [];
const restores: (() => void)[] = [];

beforeEach(() => {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
    restores.push(() => {
      stream.write = original;
    });
  }
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 8 }))).join(" "));
    };
    restores.push(() => {
      console[method] = original;
    });
  }
});
afterEach(() => {
  for (const restore of restores.splice(0)) restore();
});

/** Fails naming the marker and showing the line it was found in. */
function expectNoMarkers(where: string, output: string): void {
  const at = output.indexOf(TELL);
  if (at >= 0) {
    const start = output.lastIndexOf("\n", at) + 1;
    const end = output.indexOf("\n", at);
    const line = output.slice(start, end < 0 ? undefined : end);
    expect.fail(`${where}: a private marker reached the output:\n${line.slice(0, 2000)}`);
  }
}

const parsed = (raw: string[]) =>
  raw
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("nothing private in any log at LOG_LEVEL=debug", () => {
  describe("HTTP mode", () => {
    let h: Harness;
    let hubspot: FakeHubSpot;
    beforeAll(async () => {
      hubspot = await startFakeHubSpot({ accessToken: M.hubspotToken });
      h = await startHarness("http", "debug", {
        HUBSPOT_ACCESS_TOKEN: M.hubspotToken,
        HUBSPOT_CLIENT_SECRET: M.hubspotSecret,
        HUBSPOT_API_URL: hubspot.url,
        SLACK_BOT_TOKEN: M.botToken,
        SLACK_SIGNING_SECRET: M.signingSecret,
        DEAL_WEBHOOK_SECRET: M.dealSecret,
        NUDGE_QUIET_HOURS: "off",
        NUDGE_WEEKENDS: "on",
        NUDGE_DAILY_CAP: "50",
        NUDGE_WEEKLY_CAP: "100",
        DEAL_CHANNELS: "C_DEALS",
      });
      h.slack.on("users.lookupByEmail", (args) =>
        String(args.email) === M.email
          ? { ok: true, user: { id: "U_ANN", is_bot: false, deleted: false } }
          : { ok: false, error: "users_not_found" },
      );
      h.slack.on("users.info", (args) => ({
        ok: true,
        user: {
          id: args.user,
          tz: "Europe/London",
          is_admin: args.user === "U_ADMIN",
          is_bot: false,
          // U_LINK's CRM e-mail is on their own profile, so their /coach link takes effect at once.
          ...(args.user === "U_LINK" ? { profile: { email: M.linkEmail } } : {}),
        },
      }));
      h.slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
      // The deal owner chose nudges, so nudges (deal names, notes) really go out and are checked here.
      await optInToNudges(h.store, TEAM_ID, "U_ANN");
    }, 60_000);
    afterAll(async () => {
      await h?.close();
      await hubspot?.close();
    });

    function postDeals(body: string) {
      const ts = Math.floor(Date.now() / 1000);
      return postToApp(`${h.url}/webhooks/deals`, body, {
        contentType: "application/json",
        headers: {
          "x-deal-coach-timestamp": String(ts),
          "x-deal-coach-signature": signDeals(M.dealSecret, ts, body),
        },
      });
    }

    it("/coach, mentions, DMs, CRM webhooks and nudges, deal channels, App Home and the weekly answer modal", async () => {
      const from = h.slack.calls.length;
      // /coach, and the weekly invitation that follows a first use.
      const reply = await h.commandReply({ text: M.coachText, user_id: "U_COACH" });
      expect(reply.text ?? JSON.stringify(reply.blocks)).toBeTruthy();

      // A mention and a DM, each answered in its thread.
      await h.event(appMention({ text: `<@${BOT_USER_ID}> ${M.mention}`, ts: nextTs(), user: "U_MENTION" }));
      await h.event(messageIm({ text: M.dm, ts: nextTs(), user: "U_DM" }));
      await eventually(
        () =>
          expect(
            h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage" && c.args.thread_ts)
              .length,
          ).toBeGreaterThanOrEqual(2),
        15_000,
      );

      // A CRM update with a deal name, an owner's e-mail and a note: stored, processed, nudged.
      const update = (eventId: string, name: string, email: string) =>
        JSON.stringify({
          event_id: eventId,
          occurred_at: new Date().toISOString(),
          deal: { id: `D-${eventId}`, name, stage: "Negotiation/Review", owner_email: email, amount: 48000 },
          previous: { stage: "proposal" },
          note: M.note,
        });
      expect((await postDeals(update("priv-1", M.dealName, M.email))).status).toBe(202);
      await eventually(
        () =>
          expect(
            h.slack.callsTo("chat.postMessage").some((c) => JSON.stringify(c.args).includes(M.dealName)),
          ).toBe(true),
        15_000,
      );
      // A signed delivery that is not JSON, and one with a field the schema refuses: 400, reason logged.
      const notJson = `x${RUN}`;
      expect((await postDeals(notJson)).status).toBe(400);
      const badItem = JSON.parse(update("priv-bad", M.dealName, M.email));
      badItem.deal.currency = M.note;
      badItem.deal.owner_email = M.dealName;
      expect((await postDeals(JSON.stringify(badItem))).status).toBe(400);
      expect(h.logs.filter((l) => l.msg === "webhook rejected").length).toBeGreaterThanOrEqual(2);
      // One whose owner is not in Slack waits, and shows on an admin's App Home.
      expect((await postDeals(update("priv-2", M.orphanDeal, `nobody.${RUN}@elsewhere.test`))).status).toBe(
        202,
      );
      await eventually(async () =>
        expect(
          (await h.store.deals.waitingForOwner(TEAM_ID)).some((n) => n.payload.dealName === M.orphanDeal),
        ).toBe(true),
      );
      const homeFrom = h.slack.calls.length;
      await h.event(appHomeOpened({ user: "U_ADMIN", tab: "home" }));
      const home = await h.slack.waitFor(
        (c) => c.method === "views.publish" && c.args.user_id === "U_ADMIN",
        {
          from: homeFrom,
          timeoutMs: 15_000,
        },
      );
      expect(JSON.stringify(home.args.view)).toContain(M.orphanDeal);
      await h.interact(
        blockActions({
          action_id: ACTION.homeDealChannels,
          user: "U_ADMIN",
          view: { id: "VHOME", type: "home" },
          action: { type: "multi_conversations_select", selected_conversations: ["C_DEALS"] },
        }),
      );
      await eventually(async () => expect(await h.store.deals.dealChannels(TEAM_ID)).toEqual(["C_DEALS"]));

      // A deal channel's CRM bot post.
      const channelFrom = h.slack.calls.length;
      await h.event(
        messageChannels({
          channel: "C_DEALS",
          ts: nextTs(),
          subtype: "bot_message",
          bot_id: "B_CRM",
          user: undefined,
          text: "",
          attachments: [{ title: M.channelPost, text: M.note }],
        }),
      );
      await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === "C_DEALS", {
        from: channelFrom,
        timeoutMs: 15_000,
      });

      // The weekly reflection's private answer.
      const key = { teamId: TEAM_ID, userId: "U_ANS" };
      await h.store.weekly.saveSchedule(key, { enabled: true, unanswered: 1 });
      const openFrom = h.slack.calls.length;
      await h.interact(
        blockActions({
          action_id: WEEKLY_ACTION.answer,
          value: JSON.stringify({ p: "week.surprised-you", w: "2026-W48" }),
          user: key.userId,
          message: null,
          container: { type: "message", is_ephemeral: true },
        }),
      );
      const open = await h.slack.waitFor((c) => c.method === "views.open", {
        from: openFrom,
        timeoutMs: 15_000,
      });
      const view = open.args.view as { private_metadata: string };
      const submitted = await h.interact(
        viewSubmission({
          callback_id: WEEKLY_VIEW.answer,
          user: key.userId,
          private_metadata: view.private_metadata,
          values: { weekly_answer: { answer: M.answer } },
        }),
      );
      expect(submitted.status).toBe(200);
      expect((await h.store.listReflections(key)).map((r) => r.answer)).toEqual([M.answer]);

      // The markers really went through the libraries that log at debug: the bot token on every call,
      // the texts in the posts, and the libraries did log those calls.
      expect(h.slack.calls.some((c) => c.token === M.botToken)).toBe(true);
      expectNoMarkers("the app's log", h.rawLogs.join(""));
      expectNoMarkers("stdout, stderr and console", captured.join("\n"));
      const lines = h.logs;
      expect(lines.some((l) => l.msg === "http request body" && l.level === 20)).toBe(true);
      expect(lines.some((l) => l.msg === "apiCall start" && l.method === "views.publish")).toBe(true);
    }, 120_000);

    it("HubSpot webhooks, /coach link and forget, failed Slack calls and forged requests", async () => {
      const logsFrom = h.rawLogs.length;
      // HubSpot: the deal's name and owner come from its API, with the access token.
      hubspot.deals.set("412", {
        dealname: M.hubspotDeal,
        dealstage: "contractsent",
        amount: "48000",
        closedate: null,
        hubspot_owner_id: "77",
      });
      hubspot.owners.set("77", { email: M.email, firstName: M.hubspotDeal });
      const body = JSON.stringify([
        {
          eventId: 3001,
          subscriptionId: 77,
          portalId: 12345678,
          appId: 987654,
          occurredAt: Date.now() - 1000,
          subscriptionType: "deal.propertyChange",
          attemptNumber: 0,
          objectId: 412,
          propertyName: "dealstage",
          propertyValue: "contractsent",
          changeSource: "CRM_UI",
          sourceId: "userId:555",
        },
      ]);
      const timestamp = Date.now();
      const uri = `http://127.0.0.1:${h.running.port}/webhooks/hubspot`;
      const headers = {
        "x-hubspot-signature-v3": signHubSpot(M.hubspotSecret, {
          method: "POST",
          uri,
          rawBody: body,
          timestamp,
        }),
        "x-hubspot-request-timestamp": String(timestamp),
        host: `127.0.0.1:${h.running.port}`,
      };
      expect((await postToApp(uri, body, { contentType: "application/json", headers })).status).toBe(202);
      await eventually(
        () =>
          expect(
            h.slack.callsTo("chat.postMessage").some((c) => JSON.stringify(c.args).includes(M.hubspotDeal)),
          ).toBe(true),
        15_000,
      );
      expect(hubspot.calls.some((c) => c.authorization === `Bearer ${M.hubspotToken}`)).toBe(true);
      // HubSpot refuses the next read with an error that echoes the deal: the words reach the inbox for
      // `deal-coach inbox`, not the log.
      hubspot.failWith(400, { status: "error", message: `Property dealname=${M.hubspotDeal} is invalid` });
      const failing = JSON.stringify([{ ...(JSON.parse(body)[0] as object), eventId: 3002 }]);
      const failAt = Date.now();
      const failHeaders = {
        ...headers,
        "x-hubspot-signature-v3": signHubSpot(M.hubspotSecret, {
          method: "POST",
          uri,
          rawBody: failing,
          timestamp: failAt,
        }),
        "x-hubspot-request-timestamp": String(failAt),
      };
      expect(
        (await postToApp(uri, failing, { contentType: "application/json", headers: failHeaders })).status,
      ).toBe(202);
      await eventually(async () => {
        const dead = await h.store.deals.listInbox(["dead"]);
        expect(dead.find((r) => r.eventId === "3002")?.lastError).toContain(M.hubspotDeal);
      }, 15_000);
      expect(h.logs.some((l) => l.msg === "deal update failed")).toBe(true);
      hubspot.failWith(undefined);

      // /coach link with a CRM e-mail, then forget (confirmed).
      const linked = await h.commandReply({ text: `link ${M.linkEmail}`, user_id: "U_LINK" });
      expect(JSON.stringify(linked)).toBeTruthy();
      await h.commandReply({ text: "forget", user_id: "U_LINK" });
      const forgot = await h.actionReply(
        blockActions({
          action_id: ACTION.forgetConfirm,
          value: "forget",
          user: "U_LINK",
          message: null,
          container: { type: "message", is_ephemeral: true },
        }),
      );
      expect(JSON.stringify(forgot)).toBeTruthy();

      // Slack refuses a reply (an API error), then fails one outright (HTTP 500): logged, not leaked.
      h.slack.on("chat.postMessage", () => ({ ok: false, error: "channel_not_found" }));
      const failFrom = h.rawLogs.length;
      await h.event(messageIm({ text: M.failing, ts: nextTs(), user: "U_FAIL" }));
      await eventually(
        () => expect(h.logs.slice(failFrom).some((l) => String(l.msg).includes("failed"))).toBe(true),
        15_000,
      );
      h.slack.on("chat.postMessage", () => ({ status: 500, body: { ok: false, error: M.failing } }));
      const httpFrom = h.rawLogs.length;
      await h.event(appMention({ text: `<@${BOT_USER_ID}> ${M.failing}`, ts: nextTs(), user: "U_FAIL2" }));
      await eventually(
        () => expect(h.logs.slice(httpFrom).some((l) => String(l.msg).includes("failed"))).toBe(true),
        15_000,
      );
      h.slack.off("chat.postMessage");

      // A forged request (wrong signature) carrying text: refused, and its body not logged.
      const forged = await h.command({ text: M.forged }, { secret: "not-the-secret" });
      expect(forged.status).toBe(401);

      expectNoMarkers("the app's log", h.rawLogs.slice(logsFrom).join(""));
      expectNoMarkers("stdout, stderr and console", captured.join("\n"));
      expect(h.logs.slice(logsFrom).some((l) => l.level === 50 || l.level === 40)).toBe(true);
    }, 120_000);
  });

  describe("Socket Mode", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness("socket", "debug", { SLACK_BOT_TOKEN: M.botToken, SLACK_APP_TOKEN: M.appToken });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    it("/coach, a mention, a DM and the weekly answer modal over the socket", async () => {
      const from = h.slack.responses.length;
      await h.slack.sendEnvelope("slash_commands", {
        ...slashCommand({ text: M.socketText, user_id: "U_SOCK" }),
      });
      await h.slack.waitForResponse(() => true, { from, timeoutMs: 15_000 });
      const callsFrom = h.slack.calls.length;
      await h.slack.sendEnvelope(
        "events_api",
        eventCallbackPayload(appMention({ text: `<@${BOT_USER_ID}> ${M.mention}`, ts: nextTs() })),
      );
      await h.slack.waitFor((c) => c.method === "chat.postMessage" && Boolean(c.args.thread_ts), {
        from: callsFrom,
        timeoutMs: 15_000,
      });
      // A DM, and the weekly answer modal, over the socket.
      const dmFrom = h.slack.calls.length;
      await h.slack.sendEnvelope("events_api", eventCallbackPayload(messageIm({ text: M.dm, ts: nextTs() })));
      await h.slack.waitFor((c) => c.method === "chat.postMessage" && Boolean(c.args.thread_ts), {
        from: dmFrom,
        timeoutMs: 15_000,
      });
      const key = { teamId: TEAM_ID, userId: "U_SOCK_ANS" };
      await h.store.weekly.saveSchedule(key, { enabled: true, unanswered: 1 });
      const openFrom = h.slack.calls.length;
      await h.slack.sendEnvelope(
        "interactive",
        blockActions({
          action_id: WEEKLY_ACTION.answer,
          value: JSON.stringify({ p: "week.surprised-you", w: "2026-W48" }),
          user: key.userId,
          message: null,
          container: { type: "message", is_ephemeral: true },
        }),
      );
      const open = await h.slack.waitFor((c) => c.method === "views.open", {
        from: openFrom,
        timeoutMs: 15_000,
      });
      await h.slack.sendEnvelope(
        "interactive",
        viewSubmission({
          callback_id: WEEKLY_VIEW.answer,
          user: key.userId,
          private_metadata: (open.args.view as { private_metadata: string }).private_metadata,
          values: { weekly_answer: { answer: M.answer } },
        }),
      );
      await eventually(async () =>
        expect((await h.store.listReflections(key)).map((r) => r.answer)).toEqual([M.answer]),
      );
      expect(h.slack.callsTo("apps.connections.open")[0]?.token).toBe(M.appToken);
      expectNoMarkers("the app's log", h.rawLogs.join(""));
      expectNoMarkers("stdout, stderr and console", captured.join("\n"));
      expect(h.logs.some((l) => l.msg === "Received a message on the WebSocket")).toBe(true);
    }, 60_000);
  });

  describe("OAuth", () => {
    it("install with the client secret, the state secret and the code", async () => {
      const slack = await FakeSlack.start();
      const store = await testStore();
      const raw: string[] = [];
      const sink = new (await import("node:stream")).Writable({
        write(chunk, _enc, done) {
          raw.push(String(chunk));
          done();
        },
      });
      slack.on("oauth.v2.access", () => ({
        ok: true,
        app_id: APP_ID,
        authed_user: { id: "U_INSTALLER" },
        scope: "commands,chat:write",
        token_type: "bot",
        access_token: M.installedToken,
        refresh_token: M.refreshToken,
        expires_in: 43_200,
        bot_user_id: BOT_USER_ID,
        team: { id: TEAM_ID, name: TEAM_NAME },
        enterprise: null,
        is_enterprise_install: false,
      }));
      const running = await startDealCoach({
        config: loadConfig({
          SLACK_SIGNING_SECRET: M.signingSecret,
          SLACK_CLIENT_ID: "111.222",
          SLACK_CLIENT_SECRET: M.clientSecret,
          SLACK_STATE_SECRET: M.stateSecret,
          TOKEN_ENCRYPTION_KEY: M.encryptionKey,
          SLACK_API_URL: slack.apiUrl,
          PORT: "0",
        }),
        store,
        library,
        logger: createLogger("debug", sink),
        retries: 0,
        dealWorker: false,
      });
      try {
        const url = `http://127.0.0.1:${running.port}`;
        const install = await fetch(`${url}/slack/install`, { redirect: "manual" });
        const state = new URL(install.headers.get("location") ?? "").searchParams.get("state") ?? "";
        const cookie = (install.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
        const callback = await fetch(
          `${url}/slack/oauth_redirect?code=${M.oauthCode}&state=${encodeURIComponent(state)}`,
          { headers: { cookie }, redirect: "manual" },
        );
        expect(callback.status).toBeLessThan(400);
        const exchange = slack.callsTo("oauth.v2.access")[0];
        expect(JSON.stringify(exchange?.args)).toContain(M.oauthCode);
        // A request from the installed workspace, answered with the installed token.
        const from = slack.responses.length;
        const body = slashCommandBody({ text: M.coachText, response_url: slack.responseUrl("oauth-1") });
        expect((await postToApp(`${url}/slack/events`, body, { secret: M.signingSecret })).status).toBe(200);
        await slack.waitForResponse(() => true, { from, timeoutMs: 15_000 });
        expectNoMarkers("the app's log", raw.join(""));
        expectNoMarkers("stdout, stderr and console", captured.join("\n"));
        expect(parsed(raw).some((l) => l.msg === "http request body")).toBe(true);
      } finally {
        await running.stop();
        await slack.close();
      }
    }, 60_000);
  });

  describe("the CLI", () => {
    it("ask, lint, migrate, inbox and weekly due|send write no marker to stderr, nor to stdout beyond their answer", async () => {
      const slack = await FakeSlack.start();
      const { env, cleanup } = await cliStore();
      try {
        const store = await openStore({
          databaseUrl: env.DATABASE_URL || undefined,
          dataDir: env.DATA_DIR,
          encryptionKey: Buffer.from(CLI_KEY_HEX, "hex"),
        });
        try {
          const key = { teamId: TEAM_ID, userId: "U_CLI" };
          await store.upsertUser(key, {
            tz: "Europe/London",
            settings: { weekly: { enabled: true, day: 5, time: "15:00" } },
          });
          await store.weekly.saveSchedule(key, {
            enabled: true,
            nextRunAt: new Date("2026-11-27T15:00:00Z"),
          });
          // A deal update waiting in the inbox, for `deal-coach inbox` to list.
          await store.deals.accept(TEAM_ID, [
            {
              source: "deals",
              eventId: "cli-1",
              occurredAt: new Date().toISOString(),
              deal: { id: "D-CLI", name: M.dealName, ownerEmail: M.email, stageLabel: "proposal" },
              note: M.note,
              changedFields: ["stage"],
            },
          ]);
        } finally {
          await store.close();
        }
        const all = {
          ...env,
          LOG_LEVEL: "debug",
          SLACK_BOT_TOKEN: M.botToken,
          SLACK_APP_TOKEN: M.appToken,
          SLACK_SIGNING_SECRET: M.signingSecret,
          SLACK_API_URL: slack.apiUrl,
        };
        const runs = {
          ask: await runCli(["ask", "--json", M.coachText], { env: all, dist: true }),
          lint: await runCli(["lint", "--jsonl"], {
            env: all,
            dist: true,
            stdin: `${JSON.stringify({ text: M.answer })}\n`,
          }),
          migrate: await runCli(["migrate"], { env: all, dist: true }),
          inbox: await runCli(["inbox"], { env: all, dist: true }),
          due: await runCli(["weekly", "due", "--at", "2026-11-27T15:01:00Z"], { env: all, dist: true }),
          send: await runCli(["weekly", "send", "--at", "2026-11-27T15:01:00Z"], { env: all, dist: true }),
        };
        expect(runs.inbox.stdout).toContain('"deal":"D-CLI"');
        expect(runs.send.code, runs.send.stderr).toBe(0);
        expect(JSON.parse(runs.send.stdout)).toMatchObject({ sent: 1 });
        expect(slack.callsTo("chat.postMessage").some((c) => c.token === M.botToken)).toBe(true);
        for (const [name, run] of Object.entries(runs)) {
          expectNoMarkers(`deal-coach ${name} (stderr)`, run.stderr);
          // ask and lint answer about the text they were given on stdout, by design; no other does.
          if (name !== "ask" && name !== "lint") expectNoMarkers(`deal-coach ${name} (stdout)`, run.stdout);
        }
        // The sender's Web API client logged at debug, through the shape-only adapter.
        expect(runs.send.stderr).toContain('"msg":"http request body"');

        // The app itself (`deal-coach start`), logging to its real stdout as JSON lines.
        const app = await runApp({ ...all, SLACK_APP_TOKEN: "" }, async (port) => {
          const from = slack.responses.length;
          const body = slashCommandBody({ text: M.coachText, response_url: slack.responseUrl("start-1") });
          const res = await postToApp(`http://127.0.0.1:${port}/slack/events`, body, {
            secret: M.signingSecret,
          });
          expect(res.status).toBe(200);
          await slack.waitForResponse(() => true, { from, timeoutMs: 30_000 });
        });
        expectNoMarkers("deal-coach start (stdout)", app.stdout);
        expectNoMarkers("deal-coach start (stderr)", app.stderr);
        expect(app.stdout).toContain('"msg":"http request body"');
      } finally {
        await slack.close();
        await cleanup();
      }
    }, 120_000);
  });
});

/** The CLI's TOKEN_ENCRYPTION_KEY: what it reads is sealed at rest (README "Encryption keys"). */
const CLI_KEY_HEX = randomBytes(32).toString("hex");

/** A store for the CLI's own process: a data directory, or a schema of its own on the test PostgreSQL. */
async function cliStore(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (storeKind === "pglite") {
    return {
      env: {
        // Created already: what is tested is what each process writes, not the first creation.
        DATA_DIR: await createdDataDir("deal-coach-logs-"),
        DATABASE_URL: "",
        TOKEN_ENCRYPTION_KEY: CLI_KEY_HEX,
      },
      cleanup: async () => {},
    };
  }
  const schema = `logs_${randomBytes(8).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(testDatabaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: "", TOKEN_ENCRYPTION_KEY: CLI_KEY_HEX },
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** Runs `deal-coach start` until `drive(port)` is done, then SIGTERM; what it wrote to stdout and stderr. */
async function runApp(
  env: Record<string, string>,
  drive: (port: number) => Promise<void>,
): Promise<{ stdout: string; stderr: string }> {
  // The installed bin (built by the suite's global setup): what operators run, without tsx's compile time.
  const child = spawn(process.execPath, [DIST_CLI, "start"], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        stdout += d;
        const running = /"port":(\d+)[^\n]*"msg":"Deal Coach is running"/.exec(stdout);
        if (running) resolve(Number(running[1]));
      });
      child.on("close", (code) =>
        reject(new Error(`deal-coach start exited (${code}): ${stderr.slice(0, 500)}`)),
      );
    });
    await drive(port);
  } finally {
    child.kill("SIGTERM");
    await closed;
  }
  return { stdout, stderr };
}
