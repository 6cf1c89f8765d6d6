import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { distBuilt, runCli } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { FakeSlack } from "../support/fake-slack.js";

// The CLI's store and weekly commands need only the variables they use (README "Configuration"): run
// through the built bin with those alone, with the app's other variables unset or even bad, and with a
// problem in their own, whose message arrives whole.

/** Every variable the app reads about Slack, unset: what a commands-only machine (a cron host) has. */
const NO_SLACK = {
  SLACK_BOT_TOKEN: "",
  SLACK_APP_TOKEN: "",
  SLACK_SIGNING_SECRET: "",
  SLACK_CLIENT_ID: "",
  SLACK_CLIENT_SECRET: "",
  SLACK_STATE_SECRET: "",
  TOKEN_ENCRYPTION_KEY: "",
  DATABASE_URL: "",
};

const freshDataDir = () => join(mkdtempSync(join(tmpdir(), "dc-cli-config-")), "data");

describe.skipIf(!distBuilt())("CLI commands with only their own variables", () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await FakeSlack.start();
  });
  afterAll(async () => {
    await slack?.close();
  });

  it("migrate and inbox: DATA_DIR alone, other variables bad or missing", async () => {
    // A created store: what is tested is the configuration each command reads, not the first creation
    // (test/integration/cli.test.ts migrates a fresh one).
    const dataDir = await createdDataDir("dc-cli-config-");
    const env = { ...NO_SLACK, DATA_DIR: dataDir, PORT: "eighty", NUDGE_WEEKENDS: "sometimes" };
    const migrated = await runCli(["migrate"], { env, dist: true });
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toBe("database is up to date\n");
    const inbox = await runCli(["inbox"], { env, dist: true });
    expect(inbox.stderr).toBe("");
    expect(inbox.code).toBe(0);
  }, 120_000);

  it("migrate: a bad DATABASE_URL is its whole message, with the next step", async () => {
    const run = await runCli(["migrate"], { env: { ...NO_SLACK, DATABASE_URL: "mysql://x" }, dist: true });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      "deal-coach: Configuration problems (1):",
      "  - DATABASE_URL: must start with postgres:// or postgresql://",
      expect.stringMatching(/^Next step: cp \.env\.example \.env/),
    ]);
  }, 60_000);

  it("weekly send: the bot token and the store, no signing secret, no app token", async () => {
    const from = slack.calls.length;
    const run = await runCli(["weekly", "send"], {
      env: {
        ...NO_SLACK,
        SLACK_BOT_TOKEN: "xoxb-weekly",
        SLACK_API_URL: slack.apiUrl,
        DATA_DIR: await createdDataDir("dc-cli-config-"),
        PORT: "eighty",
      },
      dist: true,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ due: 0, sent: 0, skipped: 0, failed: 0 });
    // Nothing was due, so nothing was posted.
    expect(slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toEqual([]);
  }, 120_000);

  it("weekly send: every problem in one message, never cut off, none about what it doesn't use", async () => {
    const run = await runCli(["weekly", "send"], {
      env: { ...NO_SLACK, DATA_DIR: freshDataDir(), WEEKLY_RATE_PER_SEC: "fast", DATABASE_URL: "mysql://x" },
      dist: true,
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      "deal-coach: Configuration problems (3):",
      expect.stringMatching(/^ {2}- SLACK_BOT_TOKEN: required to post the weekly prompts/),
      "  - DATABASE_URL: must start with postgres:// or postgresql://",
      "  - WEEKLY_RATE_PER_SEC: must be a number of messages per second",
      expect.stringMatching(/^Next step: /),
    ]);
    expect(run.stderr).not.toMatch(/SLACK_SIGNING_SECRET|SLACK_APP_TOKEN/);
  }, 60_000);
});

describe.skipIf(!distBuilt())("the quick start's npm scripts", () => {
  const npm = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile("npm", args, { cwd: PACKAGE_ROOT }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("run the built CLI itself, never a build (npx would copy the project and build it again)", () => {
    const scripts = (
      JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.ask).toBe("node dist/cli.js ask");
    expect(scripts["deal-coach"]).toBe("node dist/cli.js");
    // npm install builds dist/ (prepare), which these scripts run.
    expect(scripts.prepare).toBe("npm run build");
  });

  it("npm run ask -- TEXT prints the questions; npm run -s deal-coach -- ask --json is clean JSON", async () => {
    const ask = await npm(["run", "ask", "--", "they loved the demo and nobody pushed back on price"]);
    expect(ask.code).toBe(0);
    expect(ask.stdout).toMatch(/^- [A-Z].*\?$/m);
    expect(ask.stdout).toMatch(/themes: absence_of_no/);
    const json = await npm([
      "run",
      "-s",
      "deal-coach",
      "--",
      "ask",
      "--json",
      "they went dark after the demo",
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).questions.length).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
