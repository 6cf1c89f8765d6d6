import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type Running, startDealCoach } from "../../src/runtime.js";
import type { Store } from "../../src/store/types.js";
import { eventCallback, FakeSlack, postToApp, slashCommandBody } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import { TEAM_ID, tokensRevoked } from "../support/slack-payloads.js";
import { testStore } from "../support/store.js";

// OAuth: install through /slack/install and /slack/oauth_redirect against the fake's oauth.v2.access,
// the installation stored encrypted, then requests from that workspace use the stored bot token.

const SECRET = "oauth-signing-secret";
let slack: FakeSlack;
let store: Store;
let running: Running;
let url: string;

beforeAll(async () => {
  slack = await FakeSlack.start();
  store = await testStore();
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_CLIENT_ID: "111.222",
    SLACK_CLIENT_SECRET: "client-secret",
    SLACK_STATE_SECRET: "state-secret",
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    SLACK_API_URL: slack.apiUrl,
    PORT: "0",
  });
  running = await startDealCoach({ config, store, library, logger: createLogger("silent"), retries: 0 });
  url = `http://127.0.0.1:${running.port}`;
});
afterAll(async () => {
  await running?.stop();
  await slack?.close();
});

describe("OAuth install", () => {
  it("installs a workspace and answers it with the stored, encrypted bot token", async () => {
    const install = await fetch(`${url}/slack/install`, { redirect: "manual" });
    expect(install.status).toBe(302);
    const location = new URL(install.headers.get("location") ?? "");
    expect(location.searchParams.get("client_id")).toBe("111.222");
    expect(location.searchParams.get("scope")).toContain("commands");
    const state = location.searchParams.get("state") ?? "";
    const cookie = (install.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

    const callback = await fetch(
      `${url}/slack/oauth_redirect?code=the-code&state=${encodeURIComponent(state)}`,
      {
        headers: { cookie },
        redirect: "manual",
      },
    );
    expect(callback.status).toBeLessThan(400);
    const exchange = slack.callsTo("oauth.v2.access");
    expect(exchange).toHaveLength(1);
    const issued = (await store.fetchInstallation(TEAM_ID)) ?? "";
    expect(issued).not.toBe("");
    expect(issued).not.toContain("xoxb-");

    const from = slack.responses.length;
    const body = slashCommandBody({ text: "they want 20% off to sign this quarter" });
    expect((await postToApp(`${url}/slack/events`, body, { secret: SECRET })).status).toBe(200);
    const reply = await slack.waitForResponse(() => true, { from });
    expect(JSON.stringify(reply.body)).toContain("customer success");
  });

  it("deletes the installation when the bot token is revoked", async () => {
    const res = await postToApp(`${url}/slack/events`, eventCallback(tokensRevoked({ bot: ["U0BOT1234"] })), {
      secret: SECRET,
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < 100 && (await store.fetchInstallation(TEAM_ID)); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await store.fetchInstallation(TEAM_ID)).toBeUndefined();
  });
});
