import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type Running, startDealCoach } from "../../src/runtime.js";
import { SlackTokenError } from "../../src/slack/token-check.js";
import { LOCK_FILE_NAME } from "../../src/store/data-dir-lock.js";
import { eventually } from "../support/app-harness.js";
import { DIST_CLI, distBuilt } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { FakeSlack } from "../support/fake-slack.js";
import { library } from "../support/library.js";
import { testStore } from "../support/store.js";

// A new user's first run, as they would meet it: the real built entry point (`deal-coach start`) in a
// child process against the loopback fake Slack, and /healthz through a whole Socket Mode life.

const SLACK_VARS = [
  "SLACK_BOT_TOKEN",
  "SLACK_APP_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_CLIENT_ID",
  "SLACK_CLIENT_SECRET",
  "SLACK_STATE_SECRET",
  "TOKEN_ENCRYPTION_KEY",
];

interface Started {
  child: ChildProcess;
  output: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  /** Resolves when the output matches (fails fast if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

function start(env: Record<string, string>): Started {
  const clean = Object.fromEntries(SLACK_VARS.map((k) => [k, ""]));
  const child = spawn(process.execPath, [DIST_CLI, "start"], {
    // A directory without .env, so only `env` configures it.
    cwd: mkdtempSync(join(tmpdir(), "dc-first-run-cwd-")),
    env: { ...process.env, ...clean, DATABASE_URL: "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
    out += d;
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exited = false;
  exit.then(() => {
    exited = true;
  });
  return {
    child,
    output: () => out,
    stderr: () => err,
    exit,
    waitFor: async (pattern, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (exited) throw new Error(`exited before ${pattern}: ${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** Never settles until released: a Slack that does not answer yet. */
function gate() {
  let release!: () => void;
  const closed = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { closed, release };
}

const STACK_FRAME = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

describe.skipIf(!distBuilt())("deal-coach start, the first run", () => {
  let slack: FakeSlack;
  let child: ChildProcess | undefined;
  const gates: Array<() => void> = [];
  beforeAll(() => {
    expect(existsSync(DIST_CLI)).toBe(true);
  });
  afterEach(async () => {
    child?.kill("SIGKILL");
    child = undefined;
    for (const release of gates.splice(0)) release();
    await slack?.close();
  });

  it("names every token Slack rejects, one line each, exit 1, no stack, nothing opened", async () => {
    slack = await FakeSlack.start();
    slack.on("auth.test", (_a, call) =>
      call.token === "xoxb-wrong" ? { ok: false, error: "invalid_auth" } : undefined,
    );
    slack.on("apps.connections.open", (_a, call) =>
      call.token === "xapp-wrong" ? { ok: false, error: "not_authed" } : undefined,
    );
    const dataDir = join(mkdtempSync(join(tmpdir(), "dc-first-run-")), "data");
    const run = start({
      SLACK_BOT_TOKEN: "xoxb-wrong",
      SLACK_APP_TOKEN: "xapp-wrong",
      SLACK_API_URL: slack.apiUrl,
      DATA_DIR: dataDir,
    });
    child = run.child;
    expect(await run.exit).toBe(1);
    // Both tokens in the one run, each named with Slack's own error.
    expect(run.stderr().trim().split("\n")).toEqual([
      "deal-coach: SLACK_BOT_TOKEN: Slack rejected it (invalid_auth)",
      "deal-coach: SLACK_APP_TOKEN: Slack rejected it (not_authed)",
    ]);
    expect(run.output()).not.toMatch(STACK_FRAME);
    expect(run.output()).not.toMatch(/xoxb-wrong|xapp-wrong/);
    // Checked before the store: a wrong token creates no database.
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it("HTTP mode: one wrong bot token is one line", async () => {
    slack = await FakeSlack.start();
    slack.on("auth.test", () => ({ ok: false, error: "account_inactive" }));
    const run = start({
      SLACK_BOT_TOKEN: "xoxb-gone",
      SLACK_SIGNING_SECRET: "s",
      SLACK_API_URL: slack.apiUrl,
      DATA_DIR: join(mkdtempSync(join(tmpdir(), "dc-first-run-")), "data"),
    });
    child = run.child;
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toBe("deal-coach: SLACK_BOT_TOKEN: Slack rejected it (account_inactive)\n");
  }, 60_000);

  it("SIGTERM while Slack has not answered the token check: /healthz was 503, exit 0", async () => {
    slack = await FakeSlack.start();
    const g = gate();
    gates.push(g.release);
    slack.on("auth.test", async () => {
      await g.closed;
      return undefined;
    });
    const run = start({
      SLACK_BOT_TOKEN: "xoxb-ok",
      SLACK_APP_TOKEN: "xapp-ok",
      SLACK_API_URL: slack.apiUrl,
      DATA_DIR: join(mkdtempSync(join(tmpdir(), "dc-first-run-")), "data"),
    });
    child = run.child;
    const port = (await run.waitFor(/"listening":(\d+)/))[1];
    await slack.waitFor("auth.test", { timeoutMs: 30_000 });
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "starting", store: "opening" });
    // Slack's and the webhooks' routes are not served half-started either.
    expect((await fetch(`http://127.0.0.1:${port}/webhooks/deals`, { method: "POST" })).status).toBe(503);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain("stopped before start-up finished");
  }, 60_000);

  it("SIGTERM while the embedded database is being created: exit 0, the data directory released", async () => {
    slack = await FakeSlack.start();
    const dataDir = join(mkdtempSync(join(tmpdir(), "dc-first-run-")), "data");
    const run = start({
      SLACK_BOT_TOKEN: "xoxb-ok",
      SLACK_APP_TOKEN: "xapp-ok",
      SLACK_API_URL: slack.apiUrl,
      DATA_DIR: dataDir,
    });
    child = run.child;
    const port = (await run.waitFor(/"listening":(\d+)/))[1];
    await run.waitFor(/creating the embedded database/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(503);
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain("stopped before start-up finished");
    expect(run.output()).not.toContain("Deal Coach is running");
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  }, 120_000);

  it("SIGINT while Socket Mode is still connecting: exit 0", async () => {
    slack = await FakeSlack.start();
    const g = gate();
    gates.push(g.release);
    let opens = 0;
    // The token check's apps.connections.open is answered; the connection's own is not.
    slack.on("apps.connections.open", async () => {
      if (++opens > 1) await g.closed;
      return undefined;
    });
    const run = start({
      SLACK_BOT_TOKEN: "xoxb-ok",
      SLACK_APP_TOKEN: "xapp-ok",
      SLACK_API_URL: slack.apiUrl,
      // Created already: what is tested is a stop while Socket Mode connects, not the first creation.
      DATA_DIR: await createdDataDir("dc-first-run-"),
    });
    child = run.child;
    const port = (await run.waitFor(/"port":(\d+)/, 90_000))[1];
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "starting", slack: "connecting", store: "pglite" });
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain("Deal Coach stopped");
  }, 120_000);
});

describe("/healthz through a Socket Mode connection's life", () => {
  let slack: FakeSlack | undefined;
  let running: Running | undefined;
  afterEach(async () => {
    await running?.stop();
    await slack?.close();
  });

  it("503 until connected, 200 when up, still 200 just after a drop, 503 once down past the grace period, 200 again", async () => {
    slack = await FakeSlack.start();
    const fake = slack;
    let blocked: ReturnType<typeof gate> | undefined = gate();
    let opens = 0;
    fake.on("apps.connections.open", async () => {
      // The first is the token check; later ones are the connection's, held while `blocked`.
      if (++opens > 1 && blocked) await blocked.closed;
      return undefined;
    });
    // The grace period passes on /healthz's clock, moved on by the test (`skewMs`) rather than waited
    // out; it is long in real time, so a busy machine's slowness never decides what /healthz says.
    const graceMs = 30_000;
    let skewMs = 0;
    running = await startDealCoach({
      config: loadConfig({
        SLACK_APP_TOKEN: "xapp-test-token",
        SLACK_BOT_TOKEN: "xoxb-test-token",
        SLACK_API_URL: fake.apiUrl,
        PORT: "0",
      }),
      logger: createLogger("silent"),
      store: await testStore(),
      library,
      retries: 0,
      drainTimeoutMs: 5000,
      dealWorker: false,
      slackDownGraceMs: graceMs,
      slackDownClock: () => Date.now() + skewMs,
      // The client reconnects a dropped connection after its ping timeout (5 s by default); 2 s keeps a
      // pong late by a busy machine's stalls (well under a second) from dropping the connection.
      socketPingTimeoutMs: 2_000,
    });
    const url = `http://127.0.0.1:${running.port}/healthz`;
    const health = async () => {
      const res = await fetch(url);
      return { code: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await health()).toMatchObject({ code: 503, body: { status: "starting", slack: "connecting" } });

    blocked.release();
    blocked = undefined;
    await fake.socketConnected({ timeoutMs: 10_000 });
    await eventually(async () => {
      expect(await health()).toMatchObject({ code: 200, body: { status: "ok", slack: "connected" } });
    }, 10_000);

    // The connection drops and Slack won't hand out a new one for now.
    blocked = gate();
    const dropped = fake.calls.length;
    fake.terminateSockets();
    let firstSeen: { code: number; body: Record<string, unknown> } | undefined;
    await eventually(async () => {
      const h = await health();
      expect(h.body.slack).toBe("reconnecting");
      firstSeen = h;
    }, 10_000);
    // A drop is normal: within the grace period /healthz stays 200.
    expect(firstSeen?.body.slackDownMs as number).toBeLessThan(graceMs);
    expect(firstSeen?.code).toBe(200);
    // The client asks for a new connection, and Slack holds the answer.
    await fake.waitFor("apps.connections.open", { from: dropped, timeoutMs: 20_000 });
    expect(await health()).toMatchObject({ code: 200, body: { slack: "reconnecting" } });
    // Down past the grace period.
    skewMs += graceMs;
    await eventually(async () => {
      expect(await health()).toMatchObject({
        code: 503,
        body: { status: "disconnected", slack: "reconnecting" },
      });
    }, 20_000);
    const down = await health();
    expect(down.body.slackDownMs as number).toBeGreaterThan(graceMs);

    // Slack answers again: the client reconnects by itself and /healthz is 200.
    blocked.release();
    blocked = undefined;
    await eventually(async () => {
      expect(await health()).toMatchObject({ code: 200, body: { status: "ok", slack: "connected" } });
    }, 30_000);
  }, 90_000);
});

describe("start-up that ends early", () => {
  it("a refused token rejects with every refusal, and leaves no port listening", async () => {
    const slack = await FakeSlack.start();
    slack.on("auth.test", () => ({ ok: false, error: "token_revoked" }));
    slack.on("apps.connections.open", () => ({ ok: false, error: "invalid_auth" }));
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const store = await testStore();
    try {
      const started = startDealCoach({
        config: loadConfig({
          SLACK_APP_TOKEN: "xapp-x",
          SLACK_BOT_TOKEN: "xoxb-x",
          SLACK_API_URL: slack.apiUrl,
          PORT: "0",
        }),
        logger: createLogger("info", sink),
        store,
        library,
        retries: 0,
      });
      const err = await started.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SlackTokenError);
      expect((err as SlackTokenError).problems).toEqual([
        "SLACK_BOT_TOKEN: Slack rejected it (token_revoked)",
        "SLACK_APP_TOKEN: Slack rejected it (invalid_auth)",
      ]);
      const port = lines.join("").match(/"listening":(\d+)/)?.[1];
      expect(port).toBeDefined();
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      // The store was never reached: no Socket Mode connection was attempted past the token check either.
      expect(slack.connectionCount).toBe(0);
    } finally {
      await store.close();
      await slack.close();
    }
  }, 60_000);
});
