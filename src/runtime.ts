import type { AddressInfo } from "node:net";
import { type Library, loadLibrary } from "./coaching/library.js";
import type { Config } from "./config.js";
import { buildDeals, type Deals } from "./deals/wiring.js";
import { createLogger, type Logger } from "./logger.js";
import { BUILT_IN_LIBRARY_DIR } from "./paths.js";
import { WeeklyPoller } from "./reflection/poller.js";
import { WeeklySender } from "./reflection/sender.js";
import { createAppServer, type ServerLimits } from "./server.js";
import { buildSlackApp, type SlackApp } from "./slack/app.js";
import { makeClientFor } from "./slack/clients.js";
import type { Services } from "./slack/services.js";
import { MAX_BUSY_REPLIES, type WorkLimits, WorkQueue } from "./slack/work-queue.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/types.js";

// Wiring: config -> library -> store -> Slack app -> HTTP server. main.ts runs it for real; the
// integration tests run it against a fake Slack with a test store.

export interface Running {
  port: number;
  deals: Deals;
  slack: SlackApp;
  store: Store;
  logger: Logger;
  /** The bounded queue of Slack listeners' post-ack work (its stats show the bound holding). */
  work: WorkQueue;
  /** Stop taking work, finish what is in flight, close the store. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger?: Logger;
  store?: Store;
  library?: Library;
  /** Web API retries (tests use 0 so a failing fake doesn't hang for half an hour). */
  retries?: number;
  drainTimeoutMs?: number;
  /** How often the deal worker polls (ms); a webhook wakes it at once anyway. */
  dealPollMs?: number;
  /** false: don't run the background deal worker (tests drive `deals.worker.pass()` themselves). */
  dealWorker?: boolean;
  /** How often the weekly sender looks for due prompts (ms). */
  weeklyPollMs?: number;
  /** HTTP server limits beyond the config's (tests shorten the timeouts to seconds). */
  httpLimits?: Partial<ServerLimits>;
  /** Work queue limits beyond the config's. */
  workLimits?: Partial<WorkLimits>;
}

export async function startDealCoach(options: StartOptions): Promise<Running> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const library = options.library ?? loadLibrary(BUILT_IN_LIBRARY_DIR, config.libraryDir);
  const store =
    options.store ??
    (await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      encryptionKey: config.tokenEncryptionKey,
      logger,
    }));
  const work = new WorkQueue(
    {
      concurrency: config.work.concurrency,
      maxWaiting: config.work.maxWaiting,
      maxBusyReplies: MAX_BUSY_REPLIES,
      ...options.workLimits,
    },
    logger,
  );
  const services: Services = { library, store, logger, work, config };
  const slack = buildSlackApp(config, services, { retries: options.retries });
  let defaultTeam: string | undefined;
  const deals = buildDeals({
    config,
    store,
    library,
    logger,
    clientFor: slack.clientFor,
    defaultTeam: () => defaultTeam,
    pollMs: options.dealPollMs,
  });
  services.wakeDeals = () => deals.worker.wake();
  let stopping = false;
  const server = createAppServer({
    logger,
    limits: { ...config.http, ...options.httpLimits },
    health: () => ({
      status: stopping ? "stopping" : "ok",
      mode: slack.mode,
      store: store.kind,
      work: work.stats,
    }),
    slack: slack.handleHttp,
    routes: deals.routes,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, () => resolve());
  });
  await slack.start();
  defaultTeam = await slack.defaultTeam();
  if (options.dealWorker !== false && config.deals.worker) deals.worker.start();
  const weekly = new WeeklyPoller(
    new WeeklySender({
      store,
      library,
      logger,
      clientFor: makeClientFor(config, store),
      ratePerSec: config.weekly.ratePerSec,
      leaseMs: config.weekly.leaseMs,
    }),
    logger,
    options.weeklyPollMs ?? 30_000,
  );
  if (options.dealWorker !== false && config.deals.worker) weekly.start();
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, mode: slack.mode, store: store.kind }, "Deal Coach is running");

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
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
      await store.close();
      logger.info("Deal Coach stopped");
    })();
    return stopped;
  };
  return { port, slack, store, logger, deals, work, stop };
}
