import { existsSync } from "node:fs";
import { config as loadDotenv } from "dotenv";
import { LibraryError } from "./coaching/library.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { type Running, StartAborted, startDealCoach } from "./runtime.js";
import { SlackTokenError } from "./slack/token-check.js";

// Entry point for `npm start` and `deal-coach start`: config -> store -> app -> start. SIGTERM or SIGINT
// at any moment, start-up included, stops taking work, finishes what is in flight, closes what was opened
// and exits 0. Problems a person can fix (configuration, a token Slack refuses) are lines on stderr, exit
// 2 and 1, never a stack (README "Configuration errors").

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, { envFile: existsSync(".env") });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`deal-coach: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Signals are taken from the first moment: before start-up finishes they abort it (startDealCoach
  // closes what it opened), after it they stop the running app.
  const starting = new AbortController();
  let running: Running | undefined;
  let exiting = false;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info({ signal }, "shutting down");
    if (!running) {
      starting.abort();
      return;
    }
    running.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err: { message: (err as Error).message } }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  try {
    running = await startDealCoach({ config, logger, signal: starting.signal });
    if (starting.signal.aborted) {
      // The signal came between start-up's last check and here.
      await running.stop();
      process.exit(0);
    }
  } catch (err) {
    if (err instanceof StartAborted) process.exit(0);
    if (err instanceof SlackTokenError) {
      for (const line of err.problems) process.stderr.write(`deal-coach: ${line}\n`);
      process.exit(1);
    }
    const message = err instanceof LibraryError ? err.message : (err as Error).message;
    logger.fatal({ err: { message } }, "Deal Coach could not start");
    process.stderr.write(`deal-coach: could not start: ${message.split("\n")[0]}\n`);
    process.exit(1);
  }
}

await main();
