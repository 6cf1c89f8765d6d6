import { config as loadDotenv } from "dotenv";
import { LibraryError } from "./coaching/library.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { startDealCoach } from "./runtime.js";

// Entry point for `npm start` and `deal-coach start`: config -> store -> app -> start; on SIGTERM or
// SIGINT stop taking work, finish what is in flight, close the store and exit 0.

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`deal-coach: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  try {
    const running = await startDealCoach({ config, logger });
    const shutdown = (signal: string) => {
      logger.info({ signal }, "shutting down");
      running.stop().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err: { message: (err as Error).message } }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  } catch (err) {
    const message = err instanceof LibraryError ? err.message : (err as Error).message;
    logger.fatal({ err: { message } }, "Deal Coach could not start");
    process.stderr.write(`deal-coach: could not start: ${message.split("\n")[0]}\n`);
    process.exit(1);
  }
}

await main();
