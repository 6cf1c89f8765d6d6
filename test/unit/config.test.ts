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

  it("treats empty variables as unset, as .env.example leaves them", () => {
    expect(
      loadConfig({ SLACK_APP_TOKEN: "xapp-1", SLACK_BOT_TOKEN: "xoxb-1", DATABASE_URL: "", PORT: "" })
        .databaseUrl,
    ).toBeUndefined();
  });
});
