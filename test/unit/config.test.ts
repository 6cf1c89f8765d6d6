import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadStoreConfig } from "../../src/config.js";

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

  it("turns the model on with OPENAI_API_KEY alone, with documented defaults; lists bad values", () => {
    const base = { SLACK_APP_TOKEN: "xapp-1", SLACK_BOT_TOKEN: "xoxb-1" };
    expect(loadConfig(base).llm).toBeUndefined();
    expect(loadConfig({ ...base, OPENAI_API_KEY: " ", OPENAI_MODEL: "x" }).llm).toBeUndefined();
    expect(loadConfig({ ...base, OPENAI_API_KEY: "sk-1" }).llm).toEqual({
      apiKey: "sk-1",
      model: "gpt-4.1-mini",
      timeoutMs: 4000,
      dailyTokenCap: 200_000,
      redactPii: true,
    });
    expect(
      loadConfig({
        ...base,
        OPENAI_API_KEY: "sk-1",
        OPENAI_BASE_URL: "http://localhost:11434/v1",
        OPENAI_MODEL: "llama3.1",
        LLM_TIMEOUT_MS: "2500",
        LLM_DAILY_TOKEN_CAP: "0",
        REDACT_PII: "off",
      }).llm,
    ).toEqual({
      apiKey: "sk-1",
      baseUrl: "http://localhost:11434/v1",
      model: "llama3.1",
      timeoutMs: 2500,
      dailyTokenCap: 0,
      redactPii: false,
    });
    const bad = () =>
      loadConfig({
        ...base,
        OPENAI_API_KEY: "sk-1",
        OPENAI_BASE_URL: "localhost",
        LLM_TIMEOUT_MS: "4s",
        LLM_DAILY_TOKEN_CAP: "-1",
        REDACT_PII: "yes",
      });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      for (const name of ["OPENAI_BASE_URL", "LLM_TIMEOUT_MS", "LLM_DAILY_TOKEN_CAP", "REDACT_PII"])
        expect((err as ConfigError).problems.join("\n")).toContain(name);
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

  const problemsOf = (env: Record<string, string>, options: Parameters<typeof loadConfig>[1] = {}) => {
    try {
      loadConfig(env, options);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error("expected a ConfigError");
  };

  it("with nothing set, leads with Socket Mode's two tokens and names the next step", () => {
    const err = problemsOf({});
    expect(err.problems).toHaveLength(1);
    const [only] = err.problems;
    expect(only?.startsWith("SLACK_APP_TOKEN and SLACK_BOT_TOKEN")).toBe(true);
    // Socket Mode comes before HTTP mode in the same line.
    expect(only?.indexOf("Socket Mode")).toBeLessThan(only?.indexOf("HTTP mode") ?? -1);
    expect(err.message).toContain("cp .env.example .env");
    expect(problemsOf({}, { envFile: true }).message).not.toContain("cp .env.example");
    expect(problemsOf({}, { envFile: true }).message).toContain("fix these in .env");
    // A bot token alone asks for the app token (Socket Mode), not the signing secret first.
    expect(problemsOf({ SLACK_BOT_TOKEN: "xoxb-1" }).problems[0]).toMatch(
      /^SLACK_APP_TOKEN: required for Socket Mode/,
    );
  });

  it("reports missing Slack variables and bad values together, every one of them, whole", () => {
    const err = problemsOf({
      PORT: "eighty",
      DATABASE_URL: "mysql://x",
      NUDGE_WEEKENDS: "sometimes",
      TOKEN_ENCRYPTION_KEY: "short",
    });
    const names = err.problems.map((p) => p.split(":")[0]);
    expect(names).toEqual([
      "SLACK_APP_TOKEN and SLACK_BOT_TOKEN",
      "PORT",
      "DATABASE_URL",
      "NUDGE_WEEKENDS",
      "TOKEN_ENCRYPTION_KEY",
    ]);
    // The message holds the count, each problem on its own line, and the next step last.
    const lines = err.message.split("\n");
    expect(lines[0]).toBe("Configuration problems (5):");
    expect(lines.slice(1, 6).every((l) => l.startsWith("  - "))).toBe(true);
    expect(lines[6]).toMatch(/^Next step: /);
  });

  it("weekly send needs a way to post, not the signing secret or the app token", () => {
    const c = loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" }, { purpose: "weekly" });
    expect(c.slack.mode).toBe("http");
    expect(c.slack.botToken).toBe("xoxb-1");
    // OAuth installations: the key that decrypts them is enough.
    const key = "b".repeat(64);
    expect(loadConfig({ TOKEN_ENCRYPTION_KEY: key }, { purpose: "weekly" }).slack.mode).toBe("oauth");
    // Variables it never reads are not checked: a bad PORT stops the app, not `weekly send`.
    expect(loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", PORT: "eighty" }, { purpose: "weekly" }).port).toBe(3000);
    const err = problemsOf({ WEEKLY_RATE_PER_SEC: "fast", PORT: "eighty" }, { purpose: "weekly" });
    expect(err.problems.map((p) => p.split(":")[0])).toEqual(["SLACK_BOT_TOKEN", "WEEKLY_RATE_PER_SEC"]);
    expect(err.message).not.toMatch(/SLACK_SIGNING_SECRET|SLACK_APP_TOKEN/);
  });

  it("the store commands read only DATABASE_URL and DATA_DIR", () => {
    // Garbage elsewhere, and no Slack at all, is none of their business.
    expect(loadStoreConfig({ DATA_DIR: "/tmp/x", PORT: "eighty", SLACK_BOT_TOKEN: "nope" })).toEqual({
      databaseUrl: undefined,
      dataDir: "/tmp/x",
    });
    expect(loadStoreConfig({})).toEqual({ databaseUrl: undefined, dataDir: "./data" });
    expect(() => loadStoreConfig({ DATABASE_URL: "mysql://x" })).toThrow(
      /DATABASE_URL: must start with postgres/,
    );
  });

  it("HEALTH_SLACK_DOWN_MS sets how long Socket Mode may be down before /healthz says 503", () => {
    const base = { SLACK_APP_TOKEN: "xapp-1", SLACK_BOT_TOKEN: "xoxb-1" };
    expect(loadConfig(base).health.slackDownGraceMs).toBe(30_000);
    expect(loadConfig({ ...base, HEALTH_SLACK_DOWN_MS: "500" }).health.slackDownGraceMs).toBe(500);
    expect(problemsOf({ ...base, HEALTH_SLACK_DOWN_MS: "soon" }).problems).toEqual([
      "HEALTH_SLACK_DOWN_MS: must be milliseconds",
    ]);
  });

  it("WEEKLY_WORKER switches the weekly poller, on by default, apart from DEAL_WORKER", () => {
    const base = { SLACK_APP_TOKEN: "xapp-1", SLACK_BOT_TOKEN: "xoxb-1" };
    expect(loadConfig(base).weekly.worker).toBe(true);
    const off = loadConfig({ ...base, WEEKLY_WORKER: "off" });
    expect([off.weekly.worker, off.deals.worker]).toEqual([false, true]);
    const dealsOff = loadConfig({ ...base, DEAL_WORKER: "off" });
    expect([dealsOff.weekly.worker, dealsOff.deals.worker]).toEqual([true, false]);
    expect(problemsOf({ ...base, WEEKLY_WORKER: "yes" }).problems).toEqual([
      'WEEKLY_WORKER: must be "on" or "off"',
    ]);
  });
});
