import type { AddressInfo } from "node:net";
import { type Library, loadLibrary } from "./coaching/library.js";
import type { Config } from "./config.js";
import { buildDeals, type Deals } from "./deals/wiring.js";
import type { Coacher } from "./llm/coacher.js";
import { coacherFor } from "./llm/coacher-for.js";
import { DEFAULT_PATIENCE_MS } from "./llm/steady.js";
import { createLogger, type Logger } from "./logger.js";
import { BUILT_IN_LIBRARY_DIR } from "./paths.js";
import { WeeklyPoller } from "./reflection/poller.js";
import { WeeklySender } from "./reflection/sender.js";
import { createAppServer, type HealthStatus, type Route, type ServerLimits } from "./server.js";
import { buildSlackApp, type SlackApp } from "./slack/app.js";
import { type SlackClients, slackClients } from "./slack/clients.js";
import { SocketConnection } from "./slack/connection.js";
import { findUserByEmail, nudgeMessenger } from "./slack/nudge-messenger.js";
import type { Services } from "./slack/services.js";
import { type BotIdentity, checkSlackTokens, SlackUnreachableError } from "./slack/token-check.js";
import { weeklyMessenger } from "./slack/weekly-messenger.js";
import { MAX_BUSY_REPLIES, type WorkLimits, WorkQueue } from "./slack/work-queue.js";
import { sleep } from "./sleep.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/types.js";

// Wiring: config -> library -> store -> Slack app -> HTTP server. main.ts runs it for real; the
// integration tests run it against a fake Slack with a test store.

export interface Running {
  port: number;
  deals: Deals;
  slack: SlackApp;
  /** The one Web API client factory (src/slack/clients.ts) every outbound call goes through. */
  clients: SlackClients;
  store: Store;
  logger: Logger;
  /** The bounded queue of Slack listeners' post-ack work (its stats show the bound holding). */
  work: WorkQueue;
  /** Stop taking work, finish what is in flight, close the store. Safe to call twice. */
  stop(): Promise<void>;
  /** What /healthz answers (its status is "ok" only when it answers 200). */
  health(): Record<string, unknown> & { status: HealthStatus };
}

export interface StartOptions {
  config: Config;
  logger?: Logger;
  store?: Store;
  library?: Library;
  /**
   * Where every surface's questions come from (the library's coacher by default). Tests give one of their
   * own (slow, marked, failing) to check the surfaces around it.
   */
  coacher?: Coacher;
  /** How long a surface waits for the coacher before the library answers (DEFAULT_PATIENCE_MS). */
  coachPatienceMs?: number;
  /** Web API retries (tests use 0 so a failing fake doesn't hang for half an hour). */
  retries?: number;
  drainTimeoutMs?: number;
  /** How often the deal worker polls (ms); a webhook wakes it at once anyway. */
  dealPollMs?: number;
  /** false: don't run the background deal worker (tests drive `deals.worker.pass()` themselves). */
  dealWorker?: boolean;
  /** false: don't run the weekly poller, whatever WEEKLY_WORKER says. */
  weeklyWorker?: boolean;
  /** How often the weekly sender looks for due prompts (ms). */
  weeklyPollMs?: number;
  /** HTTP server limits beyond the config's (tests shorten the timeouts to seconds). */
  httpLimits?: Partial<ServerLimits>;
  /** Work queue limits beyond the config's. */
  workLimits?: Partial<WorkLimits>;
  /** Aborted (SIGTERM, SIGINT) before start-up finishes: what started is closed and StartAborted thrown. */
  signal?: AbortSignal;
  /** Refresh a rotating token this long before it expires (tests shorten it to seconds). */
  tokenRefreshMarginMs?: number;
  /** The clock rotating tokens' expiry is judged by (Date.now by default; tests move it on instead of waiting). */
  tokenClock?: () => number;
  /** How long a lost Socket Mode connection may stay down before /healthz says 503 (config's by default). */
  slackDownGraceMs?: number;
  /** The clock that down time is judged by (Date.now by default; tests move it past the grace period). */
  slackDownClock?: () => number;
  /**
   * Socket Mode's client ping timeout (ms), which @slack/socket-mode also waits before it reconnects a
   * dropped connection; its own default (5 s) when unset. Tests shorten it.
   */
  socketPingTimeoutMs?: number;
}

/** Start-up was stopped (SIGTERM/SIGINT) before it finished; what had started is closed again. */
export class StartAborted extends Error {
  constructor() {
    super("stopped before start-up finished");
  }
}

/** Resolves with `p`, or with undefined as soon as `signal` aborts (`p` is then left to settle unseen). */
function unlessAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return p;
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined);
      resolve(undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Shows every token to Slack before anything is built on it. A refused token ends start-up (one line per
 * token, README "Configuration errors"); Slack out of reach is retried, /healthz saying "starting" meanwhile.
 */
async function checkTokensUntilAnswered(
  config: Config,
  logger: Logger,
  signal?: AbortSignal,
): Promise<BotIdentity | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await unlessAborted(checkSlackTokens(config, { logger }), signal);
    } catch (err) {
      if (!(err instanceof SlackUnreachableError)) throw err;
      logger.warn({ err: { message: err.message }, attempt }, "cannot reach Slack yet; trying again");
      await sleep(Math.min(1000 * 2 ** (attempt - 1), 30_000), { signal, unref: true });
      if (signal?.aborted) return undefined;
    }
  }
}

export async function startDealCoach(options: StartOptions): Promise<Running> {
  const { config, signal } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  // What has started so far, undone newest first when a signal stops start-up half-way.
  const undo: Array<() => Promise<void> | void> = [];
  const unwind = async () => {
    for (const step of undo.reverse())
      await Promise.resolve()
        .then(step)
        .catch((err) => logger.warn({ err: { message: (err as Error).message } }, "cleanup failed"));
  };
  const checkpoint = () => {
    if (signal?.aborted) throw new StartAborted();
  };
  const work = new WorkQueue(
    {
      concurrency: config.work.concurrency,
      maxWaiting: config.work.maxWaiting,
      maxBusyReplies: MAX_BUSY_REPLIES,
      ...options.workLimits,
    },
    logger,
  );
  let phase: "starting" | "running" | "stopping" = "starting";
  let store: Store | undefined;
  let handleSlack: Route | undefined;
  const routes: Record<string, Route> = {};
  const connection =
    config.slack.mode === "socket"
      ? new SocketConnection(
          options.slackDownGraceMs ?? config.health.slackDownGraceMs,
          options.slackDownClock,
        )
      : undefined;
  const health = (): Record<string, unknown> & { status: HealthStatus } => {
    const link = connection?.report();
    let status: HealthStatus = "ok";
    if (phase === "stopping") status = "stopping";
    else if (phase === "starting" || link?.state === "connecting") status = "starting";
    else if (link && !link.healthy) status = "disconnected";
    return {
      status,
      mode: config.slack.mode,
      store: store?.kind ?? "opening",
      ...(link
        ? { slack: link.state, ...(link.downForMs !== undefined ? { slackDownMs: link.downForMs } : {}) }
        : {}),
      work: work.stats,
    };
  };
  // The server comes first, so /healthz answers (503) while the store opens, which takes 10-30 s the
  // first time; every other route answers 503 until the app is wired.
  const server = createAppServer({
    logger,
    limits: { ...config.http, ...options.httpLimits },
    health,
    ready: () => phase !== "starting",
    slack: config.slack.mode === "socket" ? undefined : (req, res) => handleSlack?.(req, res),
    routes,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, () => resolve());
  });
  undo.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const port = (server.address() as AddressInfo).port;
  logger.info({ listening: port }, "starting: /healthz answers 503 until Deal Coach is ready");

  // Whatever ends start-up early (a signal, a refused token, a store that won't open) closes what it opened.
  try {
    checkpoint();
    const identity = await checkTokensUntilAnswered(config, logger, signal);
    checkpoint();
    const library = options.library ?? loadLibrary(BUILT_IN_LIBRARY_DIR, config.libraryDir);
    const opened =
      options.store ??
      (await openStore({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        encryptionKey: config.tokenEncryptionKey,
        logger,
      }));
    store = opened;
    undo.push(() => opened.close());
    checkpoint();

    // The model path when OPENAI_API_KEY is set (docs/llm.md); its tokens are counted in the store. The
    // model bounds itself by LLM_TIMEOUT_MS; the patience only catches a broken coacher (docs/replies.md).
    const coacher = options.coacher ?? coacherFor(library, config.llm, opened.llmTokens, logger);
    const coachPatienceMs =
      options.coachPatienceMs ?? Math.max(DEFAULT_PATIENCE_MS, (config.llm?.timeoutMs ?? 0) + 2000);
    // Built in order, each from what is built before it: clients, then the deal and weekly workers on
    // the Slack ports, then the listeners' services (which wake the deal worker), then the Bolt app.
    // Every outbound Web API call (nudges, weekly prompts, Bolt's requests with OAuth) takes its token here.
    const clients = slackClients(config, opened, logger, {
      retries: options.retries,
      refreshMarginMs: options.tokenRefreshMarginMs,
      now: options.tokenClock,
    });
    // The single-token workspace, found once Slack is connected (below); webhooks before then have none.
    let defaultTeam: string | undefined;
    const deals = buildDeals({
      config,
      store: opened,
      library,
      coacher,
      coachPatienceMs,
      logger,
      messenger: nudgeMessenger(clients),
      findUser: findUserByEmail(clients),
      defaultTeam: () => defaultTeam,
      pollMs: options.dealPollMs,
    });
    const weekly = new WeeklyPoller(
      new WeeklySender({
        store: opened,
        library,
        coacher,
        coachPatienceMs,
        logger,
        messenger: weeklyMessenger(clients),
        ratePerSec: config.weekly.ratePerSec,
        leaseMs: config.weekly.leaseMs,
      }),
      logger,
      options.weeklyPollMs ?? 30_000,
    );
    const services: Services = {
      library,
      coacher,
      coachPatienceMs,
      store: opened,
      logger,
      work,
      config,
      wakeDeals: () => deals.worker.wake(),
    };
    const slack = buildSlackApp(config, services, clients, {
      retries: options.retries,
      identity,
      socketPingTimeoutMs: options.socketPingTimeoutMs,
    });
    undo.push(() => slack.stop());
    Object.assign(routes, deals.routes);
    handleSlack = slack.handleHttp;
    if (slack.socketClient && connection) connection.watch(slack.socketClient);
    // Socket Mode connects in the background (its first connection may wait for Slack); /healthz is 503
    // until it is up. HTTP modes have nothing to connect.
    const connecting = connectSlack(slack, logger, () => phase === "stopping" || signal?.aborted === true);
    if (!connection) await connecting;
    defaultTeam = identity?.teamId ?? (await slack.defaultTeam());
    checkpoint();
    phase = "running";
    if (options.dealWorker !== false && config.deals.worker) deals.worker.start();
    // Its own switch: a webhook-only process (DEAL_WORKER=off) may still send the weekly prompts.
    if (options.weeklyWorker !== false && config.weekly.worker) weekly.start();
    logger.info({ port, mode: slack.mode, store: opened.kind }, "Deal Coach is running");

    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        phase = "stopping";
        // Stop taking work: no new connections, no new Socket Mode envelopes.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await slack
          .stop()
          .catch((err) => logger.warn({ err: { message: (err as Error).message } }, "stopping Slack failed"));
        // Background work finishes its current pass; nothing new starts.
        await deals.worker.stop();
        await weekly.stop();
        const drained = await work.drain(options.drainTimeoutMs ?? 10_000);
        if (!drained) logger.warn({ ...work.stats }, "shutdown timed out with work in flight");
        server.closeAllConnections();
        await closed;
        await opened.close();
        logger.info("Deal Coach stopped");
      })();
      return stopped;
    };
    return { port, slack, clients, store: opened, logger, deals, work, stop, health };
  } catch (err) {
    await unwind();
    if (err instanceof StartAborted) logger.info("Deal Coach stopped before start-up finished");
    throw err;
  }
}

/**
 * Starts the Slack side. In Socket Mode a first connection that fails (Slack unreachable, a refused
 * ticket) is tried again with a growing pause, never given up while the app runs; once connected, the
 * Socket Mode client reconnects by itself.
 */
async function connectSlack(slack: SlackApp, logger: Logger, stopping: () => boolean): Promise<void> {
  if (slack.mode !== "socket") return slack.start();
  for (let attempt = 1; !stopping(); attempt++) {
    try {
      await slack.start();
      if (!stopping()) logger.info("connected to Slack (Socket Mode)");
      return;
    } catch (err) {
      if (stopping()) return;
      logger.warn(
        { err: { message: (err as Error).message }, attempt },
        "Socket Mode could not connect; trying again",
      );
      await sleep(Math.min(1000 * 2 ** (attempt - 1), 30_000), { unref: true });
    }
  }
}
