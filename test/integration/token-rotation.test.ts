import { randomBytes, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import type { Installation } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, loadConfig } from "../../src/config.js";
import { signDeals } from "../../src/deals/sources/index.js";
import { createLogger } from "../../src/logger.js";
import { type Running, startDealCoach } from "../../src/runtime.js";
import { slackClients } from "../../src/slack/clients.js";
import { databaseInstallationStore } from "../../src/slack/installation-store.js";
import { TokenRefreshError } from "../../src/slack/tokens.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { eventually } from "../support/app-harness.js";
import { runCli } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { type ApiCall, eventCallback, FakeSlack, postToApp } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import { appHomeOpened, BOT_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME } from "../support/slack-payloads.js";
import { schemaOfItsOwn, storeKind, testStore } from "../support/store.js";

// Token rotation against the fake Slack, whose bot tokens expire after a few seconds: App Home (Bolt's
// incoming requests), deal nudges, weekly prompts and `deal-coach weekly send` keep working across
// expiries, each expired pair is refreshed once (oauth.v2.access, grant_type=refresh_token), and the store
// ends holding the newest pair. Concurrent callers and two processes refresh once; a revoked refresh token
// gives one clear log line, no crash and no storm of refresh attempts.
//
// Time moves on without waiting: the fake Slack and the app judge expiry by one token clock (`tokenNow`,
// the fake's `tokenClock`, runtime's `tokenClock`), and a test moves it past a token's expiry as waiting
// out its life would, but at once. Tokens live ten minutes of that clock and are refreshed one minute
// before expiry, so the real seconds a busy machine takes between the app's check and Slack's never
// decide a test. `deal-coach weekly send` (another process, on the real clock) meets a token issued
// already expired.

const SECRET = "rotation-signing-secret";
const DEALS_SECRET = "rotation-deals-secret";
const KEY_HEX = randomBytes(32).toString("hex");
const KEY = Buffer.from(KEY_HEX, "hex");
/** How long the fake's tokens live, and how long before expiry the app refreshes them (token clock). */
const LIFE_S = 600;
const MARGIN_MS = 60_000;
/** What the tests have moved the token clock on by. */
let skewMs = 0;
/** The token clock of the fake Slacks and of the app under test: real time, moved on by `pastExpiry`. */
const tokenNow = () => Date.now() + skewMs;

const oauthEnv = (apiUrl: string) => ({
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_CLIENT_ID: "111.222",
  SLACK_CLIENT_SECRET: "client-secret",
  SLACK_STATE_SECRET: "state-secret",
  TOKEN_ENCRYPTION_KEY: KEY_HEX,
  SLACK_API_URL: apiUrl,
});

function installationWith(pair: { accessToken: string; refreshToken: string; expiresAt: number }) {
  return {
    team: { id: TEAM_ID, name: TEAM_NAME },
    enterprise: undefined,
    user: { id: "U_INSTALLER", token: undefined, scopes: undefined },
    bot: {
      token: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: pair.expiresAt,
      scopes: ["chat:write"],
      id: BOT_ID,
      userId: BOT_USER_ID,
    },
    tokenType: "bot",
    isEnterpriseInstall: false,
    appId: "A0123ABCD",
    authVersion: "v2",
  } as Installation;
}

async function storedBot(store: Store) {
  const installation = await databaseInstallationStore(store, KEY).fetchInstallation({
    teamId: TEAM_ID,
    enterpriseId: undefined,
    isEnterpriseInstall: false,
  });
  return installation.bot;
}

/** The store holds the one live pair the fake has issued: the newest, never a spent one. */
async function expectNewestPair(slack: FakeSlack, store: Store) {
  const live = [...slack.refreshTokens].filter(([, state]) => state === "live").map(([token]) => token);
  expect(live).toHaveLength(1);
  const bot = await storedBot(store);
  expect(bot?.refreshToken).toBe(live[0]);
  // ...and it is still live by Slack's clock.
  expect(slack.accessTokens.get(bot?.token ?? "")).toBeGreaterThan(slack.tokenClock());
  expect(bot?.token).toBe([...slack.accessTokens.keys()].at(-1));
}

/** Moves the token clock (the fake's and the app's) just past `token`'s expiry, as waiting would. */
function pastExpiry(slack: FakeSlack, token: string | undefined) {
  const at = slack.accessTokens.get(token ?? "");
  expect(at, "a token the fake issued").toBeDefined();
  skewMs += Math.max(0, (at ?? 0) - tokenNow() + 50);
  expect(slack.accessTokens.get(token ?? "")).toBeLessThan(slack.tokenClock());
}

/** The first call matching `match` from index `from`, once answered: it must have succeeded. */
async function firstAnswered(slack: FakeSlack, match: (c: ApiCall) => boolean, from: number) {
  const call = await slack.waitFor(match, { from, timeoutMs: 15_000 });
  await eventually(() => expect(call.status).toBe(200));
  expect(call.error).toBeUndefined();
  return call;
}

describe("with tokens that expire mid-run", () => {
  let slack: FakeSlack;
  let store: Store;
  let running: Running;
  let url: string;
  const logs: string[] = [];

  beforeAll(async () => {
    slack = await FakeSlack.start();
    slack.tokenClock = tokenNow;
    slack.enableRotation(LIFE_S);
    store = await testStore();
    await databaseInstallationStore(store, KEY).storeInstallation(installationWith(slack.issueTokens()));
    slack.on("users.lookupByEmail", () => ({
      ok: true,
      user: { id: "U_ANN", is_bot: false, deleted: false },
    }));
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({
      ...oauthEnv(slack.apiUrl),
      DEAL_WEBHOOK_SECRET: DEALS_SECRET,
      NUDGE_QUIET_HOURS: "off",
      NUDGE_WEEKENDS: "on",
      PORT: "0",
    });
    running = await startDealCoach({
      config,
      store,
      library,
      logger: createLogger("info", sink),
      retries: 0,
      dealPollMs: 50,
      weeklyPollMs: 200,
      tokenRefreshMarginMs: MARGIN_MS,
      tokenClock: tokenNow,
    });
    url = `http://127.0.0.1:${running.port}`;
  });
  afterAll(async () => {
    await running?.stop();
    await slack?.close();
  });

  const openHome = async (user: string) => {
    const from = slack.calls.length;
    const res = await postToApp(`${url}/slack/events`, eventCallback(appHomeOpened({ user })), {
      secret: SECRET,
    });
    expect(res.status).toBe(200);
    return firstAnswered(slack, (c) => c.method === "views.publish" && c.args.user_id === user, from);
  };

  it("App Home (Bolt's own requests) publishes with a refreshed token once the first one expired", async () => {
    const first = await openHome("U_HOME1");
    pastExpiry(slack, first.token);
    const second = await openHome("U_HOME2");
    expect(second.token).not.toBe(first.token);
    expect(slack.refreshCalls.length).toBeGreaterThanOrEqual(1);
    expect(slack.refreshCalls.every((c) => c.error === undefined)).toBe(true);
    await expectNewestPair(slack, store);
  }, 30_000);

  it("a deal nudge goes out with a fresh token after the last one expired", async () => {
    const before = (await storedBot(store))?.token;
    pastExpiry(slack, before);
    const refreshes = slack.refreshCalls.length;
    const from = slack.calls.length;
    const body = JSON.stringify({
      event_id: `rot-${randomUUID()}`,
      occurred_at: new Date().toISOString(),
      deal: { id: "D-ROT", name: "Globex renewal", stage: "negotiation", owner_email: "ann@acme.test" },
      previous: { stage: "proposal" },
    });
    const ts = Math.floor(Date.now() / 1000);
    const res = await postToApp(`${url}/webhooks/deals?team=${TEAM_ID}`, body, {
      contentType: "application/json",
      headers: {
        "x-deal-coach-timestamp": String(ts),
        "x-deal-coach-signature": signDeals(DEALS_SECRET, ts, body),
      },
    });
    expect(res.status).toBe(202);
    const posted = await firstAnswered(
      slack,
      (c) => c.method === "chat.postMessage" && c.args.channel === "D_ANN",
      from,
    );
    expect(posted.token).not.toBe(before);
    expect(slack.refreshCalls.length).toBeGreaterThan(refreshes);
    // Refreshed before use: not one call (the owner's lookup included) met Slack's token_expired.
    expect(slack.calls.slice(from).filter((c) => c.error === "token_expired")).toEqual([]);
    await expectNewestPair(slack, store);
  }, 30_000);

  it("a weekly prompt goes out with a fresh token after the last one expired", async () => {
    const before = (await storedBot(store))?.token;
    pastExpiry(slack, before);
    const from = slack.calls.length;
    const key = { teamId: TEAM_ID, userId: "U_WEEK" };
    await store.upsertUser(key, {
      tz: "Europe/London",
      settings: { weekly: { enabled: true, day: 5, time: "15:00" } },
    });
    await store.weekly.saveSchedule(key, { enabled: true, nextRunAt: new Date(Date.now() - 60_000) });
    const posted = await firstAnswered(
      slack,
      (c) => c.method === "chat.postMessage" && c.args.channel === "U_WEEK",
      from,
    );
    expect(posted.token).not.toBe(before);
    await expectNewestPair(slack, store);
  }, 30_000);

  it("a revoked refresh token: one clear log line, a clear error, no crash and no storm of refreshes", async () => {
    slack.revokeRefreshTokens();
    const bot = await storedBot(store);
    pastExpiry(slack, bot?.token);
    const refreshes = slack.refreshCalls.length;
    await expect(running.clients.clientFor(TEAM_ID)).rejects.toBeInstanceOf(TokenRefreshError);
    await expect(running.clients.clientFor(TEAM_ID)).rejects.toThrow(/invalid_refresh_token/);
    // Bolt's requests meet the same error, and the app stays up.
    const res = await postToApp(`${url}/slack/events`, eventCallback(appHomeOpened({ user: "U_HOME3" })), {
      secret: SECRET,
    });
    expect(res.status).toBeLessThan(500);
    for (let i = 0; i < 10; i++) await running.clients.clientFor(TEAM_ID).catch(() => undefined);
    expect(slack.refreshCalls.length).toBe(refreshes + 1);
    expect(slack.refreshCalls.at(-1)?.error).toBe("invalid_refresh_token");
    const refused = logs.filter((l) => l.includes("Slack refused to refresh"));
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0] ?? "{}")).toMatchObject({
      level: 50,
      team: TEAM_ID,
      error: "invalid_refresh_token",
    });
    // No token or refresh token in any log line.
    const secrets = [...slack.accessTokens.keys(), ...slack.refreshTokens.keys()];
    for (const line of logs) for (const secret of secrets) expect(line).not.toContain(secret);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  }, 30_000);
});

describe("concurrent refresh", () => {
  let slack: FakeSlack;
  let store: Store;
  let config: Config;
  beforeAll(async () => {
    slack = await FakeSlack.start();
    slack.tokenClock = tokenNow;
    slack.enableRotation(LIFE_S);
    store = await testStore();
    config = loadConfig(oauthEnv(slack.apiUrl));
  });
  afterAll(async () => {
    await store?.close();
    await slack?.close();
  });

  it("refreshes once for 20 callers in two processes, who all use the new token", async () => {
    const first = slack.issueTokens(LIFE_S);
    await databaseInstallationStore(store, KEY).storeInstallation(installationWith(first));
    const logger = createLogger("silent");
    // Two factories share nothing in memory, as two processes would not; only the store.
    // A margin of 0: each refreshes only once the token has expired, so both meet it expired at once.
    const a = slackClients(config, store, logger, { retries: 0, refreshMarginMs: 0, now: tokenNow });
    const b = slackClients(config, store, logger, { retries: 0, refreshMarginMs: 0, now: tokenNow });
    // Both have read (and used) the first pair before it expires.
    await (await a.clientFor(TEAM_ID)).auth.test();
    await (await b.clientFor(TEAM_ID)).auth.test();
    expect(slack.refreshCalls).toHaveLength(0);
    pastExpiry(slack, first.accessToken);
    // Slack takes its time answering, so the refreshes overlap.
    slack.on("oauth.v2.access", async () => {
      await new Promise((r) => setTimeout(r, 300));
      return undefined;
    });
    const from = slack.calls.length;
    const answers = await Promise.all(
      [a, b].flatMap((clients) =>
        Array.from({ length: 10 }, async (_, i) =>
          (await clients.clientFor(TEAM_ID)).chat.postMessage({ channel: `U_C${i}`, text: "hi" }),
        ),
      ),
    );
    expect(answers.every((r) => r.ok)).toBe(true);
    expect(slack.refreshCalls).toHaveLength(1);
    expect(slack.refreshCalls[0]?.args.refresh_token).toBe(first.refreshToken);
    const posts = slack.calls.slice(from).filter((c) => c.method === "chat.postMessage");
    expect(posts).toHaveLength(20);
    expect(new Set(posts.map((c) => c.token)).size).toBe(1);
    expect(posts[0]?.token).not.toBe(first.accessToken);
    await expectNewestPair(slack, store);
    // Bolt's authorize goes the same way: the stored token, no second refresh.
    const authorized = await a.authorize?.({
      teamId: TEAM_ID,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(authorized?.botToken).toBe(posts[0]?.token);
    expect(authorized).toMatchObject({ botId: BOT_ID, botUserId: BOT_USER_ID, teamId: TEAM_ID });
    expect(slack.refreshCalls).toHaveLength(1);
  }, 30_000);

  it("a call Slack answers token_expired (clocks disagree) is made again once with a refreshed token", async () => {
    // A reinstall: the earlier pair's refresh token goes, a long-lived pair is stored.
    slack.revokeRefreshTokens();
    const pair = slack.issueTokens(3600);
    await databaseInstallationStore(store, KEY).storeInstallation(installationWith(pair));
    const clients = slackClients(config, store, createLogger("silent"), {
      retries: 0,
      refreshMarginMs: MARGIN_MS,
      now: tokenNow,
    });
    const client = await clients.clientFor(TEAM_ID);
    // Slack expires the token now, while the stored record says it has an hour left.
    slack.expireToken(pair.accessToken);
    const from = slack.calls.length;
    const answer = await client.chat.postMessage({ channel: "U_CLOCK", text: "hello" });
    expect(answer.ok).toBe(true);
    const posts = slack.calls.slice(from).filter((c) => c.method === "chat.postMessage");
    expect(posts.map((c) => c.error)).toEqual(["token_expired", undefined]);
    expect(posts[0]?.token).toBe(pair.accessToken);
    expect(posts[1]?.token).not.toBe(pair.accessToken);
    expect(slack.refreshCalls.at(-1)?.args.refresh_token).toBe(pair.refreshToken);
    await expectNewestPair(slack, store);
  }, 30_000);
});

/** A store the CLI can open too: a data directory (embedded), or a schema of its own on PostgreSQL. */
async function sharedStore(): Promise<{
  env: Record<string, string>;
  open: () => Promise<Store>;
  drop(): Promise<void>;
}> {
  if (storeKind === "pglite") {
    // Created already: what is tested is the refresh, not the embedded database's first creation.
    const dataDir = await createdDataDir("deal-coach-rotation-");
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: "" },
      // The same key as the CLI is given (oauthEnv), for tokens and for what is sealed at rest.
      open: () => openStore({ dataDir, encryptionKey: KEY }),
      drop: async () => {},
    };
  }
  const { databaseUrl, drop } = await schemaOfItsOwn();
  return {
    env: { DATABASE_URL: databaseUrl },
    open: () => openStore({ databaseUrl, encryptionKey: KEY }),
    drop,
  };
}

describe("deal-coach weekly send", () => {
  it("refreshes an expired token, sends every due prompt and stores the new pair", async () => {
    const slack = await FakeSlack.start();
    // Slack's own 12 hours for refreshed tokens, so the CLI's default margin (2 hours) applies.
    slack.enableRotation(43_200);
    const shared = await sharedStore();
    try {
      let store = await shared.open();
      // Issued already expired (by Slack's clock and the stored expiry alike), on the real clock.
      const first = slack.issueTokens(0);
      await databaseInstallationStore(store, KEY).storeInstallation(installationWith(first));
      for (const userId of ["U_S1", "U_S2"]) {
        const key = { teamId: TEAM_ID, userId };
        await store.upsertUser(key, {
          tz: "Europe/London",
          settings: { weekly: { enabled: true, day: 5, time: "15:00" } },
        });
        await store.weekly.saveSchedule(key, { enabled: true, nextRunAt: new Date("2026-11-27T15:00:00Z") });
      }
      await store.close();
      expect(first.expiresAt * 1000).toBeLessThanOrEqual(Date.now());
      // The installed bin (built from src/ by test/global-setup.ts in the same run), without tsx's
      // compile time: the CLI's refresh is the same src/slack/tokens.ts the in-process tests above run.
      const send = await runCli(["weekly", "send", "--at", "2026-11-27T15:01:00Z"], {
        env: { ...oauthEnv(slack.apiUrl), ...shared.env, SLACK_BOT_TOKEN: "", SLACK_APP_TOKEN: "" },
        dist: true,
      });
      expect(send.code, send.stderr).toBe(0);
      expect(JSON.parse(send.stdout)).toEqual({ due: 2, sent: 2, skipped: 0, failed: 0 });
      expect(slack.refreshCalls).toHaveLength(1);
      const posts = slack.callsTo("chat.postMessage");
      expect(posts.map((c) => c.error)).toEqual([undefined, undefined]);
      expect(posts.every((c) => c.token !== first.accessToken)).toBe(true);
      store = await shared.open();
      try {
        await expectNewestPair(slack, store);
      } finally {
        await store.close();
      }
    } finally {
      await slack.close();
      await shared.drop();
    }
  }, 90_000);
});
