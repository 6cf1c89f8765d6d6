import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("config", () => {
  it("selects Socket Mode when SLACK_APP_TOKEN is set", () => {
    const c = loadConfig({ SLACK_APP_TOKEN: "xapp-1", SLACK_BOT_TOKEN: "xoxb-1" });
    expect(c.slack.mode).toBe("socket");
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe("./data");
  });

  it("selects HTTP with a signing secret, OAuth with the client variables", () => {
    expect(loadConfig({ SLACK_SIGNING_SECRET: "s", SLACK_BOT_TOKEN: "xoxb-1", PORT: "8080" })).toMatchObject({
      slack: { mode: "http" },
      port: 8080,
    });
    const key = "a".repeat(64);
    const oauth = loadConfig({
      SLACK_SIGNING_SECRET: "s",
      SLACK_CLIENT_ID: "1",
      SLACK_CLIENT_SECRET: "2",
      SLACK_STATE_SECRET: "3",
      TOKEN_ENCRYPTION_KEY: key,
    });
    expect(oauth.slack.mode).toBe("oauth");
    expect(oauth.tokenEncryptionKey?.length).toBe(32);
  });

  it("lists every problem at once", () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: "nope", PORT: "eighty", DATABASE_URL: "mysql://x" });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/DATABASE_URL/);
    }
    try {
      loadConfig({ SLACK_BOT_TOKEN: "nope", SLACK_CLIENT_ID: "1" });
      throw new Error("expected a ConfigError");
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems.some((p) => p.startsWith("SLACK_BOT_TOKEN"))).toBe(true);
      expect(problems.some((p) => p.includes("SLACK_CLIENT_SECRET"))).toBe(true);
      expect(problems.some((p) => p.startsWith("TOKEN_ENCRYPTION_KEY"))).toBe(true);
    }
  });

  it("bounds Slack work and HTTP requests: defaults, overrides and bad values", () => {
    const base = { SLACK_APP_TOKEN: "xapp-1", SLACK_BOT_TOKEN: "xoxb-1" };
    expect(loadConfig(base)).toMatchObject({
      work: { concurrency: 32, maxWaiting: 500 },
      http: { requestTimeoutMs: 30_000, maxConnections: 1000 },
    });
    expect(
      loadConfig({
        ...base,
        SLACK_WORK_CONCURRENCY: "4",
        SLACK_WORK_WAITING: "0",
        HTTP_REQUEST_TIMEOUT_MS: "5000",
        HTTP_MAX_CONNECTIONS: "50",
      }),
    ).toMatchObject({
      work: { concurrency: 4, maxWaiting: 0 },
      http: { requestTimeoutMs: 5000, maxConnections: 50 },
    });
    try {
      loadConfig({
        ...base,
        SLACK_WORK_CONCURRENCY: "0",
        SLACK_WORK_WAITING: "-1",
        HTTP_REQUEST_TIMEOUT_MS: "30",
        HTTP_MAX_CONNECTIONS: "many",
      });
      throw new Error("expected a ConfigError");
    } catch (err) {
      const problems = (err as ConfigError).problems.join("\n");
      for (const name of [
        "SLACK_WORK_CONCURRENCY",
        "SLACK_WORK_WAITING",
        "HTTP_REQUEST_TIMEOUT_MS",
        "HTTP_MAX_CONNECTIONS",
      ])
        expect(problems).toContain(name);
    }
  });

  it("treats empty variables as unset, as .env.example leaves them", () => {
    expect(
      loadConfig({ SLACK_APP_TOKEN: "xapp-1", SLACK_BOT_TOKEN: "xoxb-1", DATABASE_URL: "", PORT: "" })
        .databaseUrl,
    ).toBeUndefined();
  });
});
