import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type Running, type StartOptions, startDealCoach } from "../../src/runtime.js";
import type { Store } from "../../src/store/types.js";
import { eventCallback, FakeSlack, interactiveBody, postToApp, slashCommandBody } from "./fake-slack.js";
import { library } from "./library.js";
import type { SlashCommandFields } from "./slack-payloads.js";
import { testStore } from "./store.js";

// The real Deal Coach (Bolt app, server, store) against the loopback fake Slack, with every log line kept
// so tests can check what was (and wasn't) logged.

export const SECRET = "test-signing-secret";

export interface Harness {
  slack: FakeSlack;
  running: Running;
  store: Store;
  url: string;
  logs: Record<string, unknown>[];
  rawLogs: string[];
  command(
    fields: Partial<SlashCommandFields>,
    opts?: { timestamp?: number; secret?: string },
  ): ReturnType<typeof postToApp>;
  event(
    event: Record<string, unknown>,
    opts?: { eventId?: string; headers?: Record<string, string> },
  ): ReturnType<typeof postToApp>;
  interact(payload: Record<string, unknown>): ReturnType<typeof postToApp>;
  /** Sends /coach with its own response_url and waits for the first reply posted to it. */
  commandReply(fields: Partial<SlashCommandFields>): Promise<ReplyBody>;
  /** Sends a block action with its own response_url and waits for the first reply posted to it. */
  actionReply(payload: Record<string, unknown>): Promise<ReplyBody>;
  close(): Promise<void>;
}

export interface ReplyBody {
  text?: string;
  blocks?: Record<string, unknown>[];
  response_type?: string;
  replace_original?: boolean;
}

let replySeq = 0;

export async function startHarness(
  mode: "http" | "socket" = "http",
  logLevel = "info",
  extraEnv: Record<string, string> = {},
  /** A store of the test's own (say one it can read with SQL); the app closes it on stop. */
  given?: Store,
  /** A coacher of the test's own (slow, marked, failing), and how long surfaces wait for it. */
  coaching: Pick<StartOptions, "coacher" | "coachPatienceMs"> = {},
): Promise<Harness> {
  const slack = await FakeSlack.start();
  const store = given ?? (await testStore());
  const secret = extraEnv.SLACK_SIGNING_SECRET ?? SECRET;
  const rawLogs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      rawLogs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(logLevel, sink);
  const env =
    mode === "http"
      ? {
          SLACK_SIGNING_SECRET: secret,
          SLACK_BOT_TOKEN: "xoxb-test-token",
          SLACK_API_URL: slack.apiUrl,
          PORT: "0",
        }
      : {
          SLACK_APP_TOKEN: "xapp-test-token",
          SLACK_BOT_TOKEN: "xoxb-test-token",
          SLACK_API_URL: slack.apiUrl,
          PORT: "0",
        };
  const running = await startDealCoach({
    config: loadConfig({ ...env, ...extraEnv }),
    logger,
    store,
    library,
    ...coaching,
    retries: 0,
    drainTimeoutMs: 5000,
    dealPollMs: 50,
  });
  if (mode === "socket") {
    await slack.socketConnected({ timeoutMs: 5000 });
    // Ready once Slack's hello has arrived, as /healthz reports it.
    await eventually(() => {
      if (running.health().status !== "ok") throw new Error(`health: ${running.health().status}`);
    });
  }
  const url = `http://127.0.0.1:${running.port}`;
  return {
    slack,
    running,
    store,
    url,
    rawLogs,
    get logs() {
      return rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    command: (fields, opts = {}) =>
      postToApp(`${url}/slack/events`, slashCommandBody(fields), {
        secret: opts.secret ?? secret,
        timestamp: opts.timestamp,
      }),
    event: (event, opts = {}) =>
      postToApp(`${url}/slack/events`, eventCallback(event, { eventId: opts.eventId }), {
        secret,
        headers: opts.headers,
      }),
    interact: (payload) => postToApp(`${url}/slack/events`, interactiveBody(payload), { secret }),
    commandReply: async (fields) => {
      const id = `reply-${++replySeq}`;
      const res = await postToApp(
        `${url}/slack/events`,
        slashCommandBody({ ...fields, response_url: slack.responseUrl(id) }),
        { secret },
      );
      if (res.status !== 200) throw new Error(`/coach answered HTTP ${res.status}`);
      return (await slack.waitForResponse((p) => p.id === id)).body as ReplyBody;
    },
    actionReply: async (payload) => {
      const id = `reply-${++replySeq}`;
      const res = await postToApp(
        `${url}/slack/events`,
        interactiveBody({ ...payload, response_url: slack.responseUrl(id) }),
        { secret },
      );
      if (res.status !== 200) throw new Error(`the action answered HTTP ${res.status}`);
      return (await slack.waitForResponse((p) => p.id === id)).body as ReplyBody;
    },
    close: async () => {
      await running.stop();
      await slack.close();
    },
  };
}

/** Waits until `check` passes or the time is up (for effects that land after the ack). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
