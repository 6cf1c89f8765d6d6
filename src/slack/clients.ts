import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/types.js";
import { databaseInstallationStore } from "./installation-store.js";
import { libraryLogger } from "./library-logger.js";

// Web API clients for work outside a Slack request (the weekly sender in `deal-coach weekly send`): the
// single bot token, or with OAuth the workspace's stored (decrypted) bot token. Rate-limited calls are
// rejected rather than queued, so the sender can pause one workspace without stalling the others.

export function makeClientFor(
  config: Config,
  store: Store,
  logger: Logger,
): (teamId: string) => Promise<WebClient> {
  const options = {
    // Without it the client logs to the console, around our redaction (library-logger.ts).
    logger: libraryLogger(logger, "web-api"),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2 },
  };
  if (config.slack.mode !== "oauth") {
    const client = new WebClient(config.slack.botToken, options);
    return async () => client;
  }
  return installedClientFor(store, config.tokenEncryptionKey as Buffer, options);
}

/**
 * With OAuth: a client per workspace from its stored (decrypted) bot token, one per token, so a rotated
 * token gets a fresh client instead of a stale one.
 */
export function installedClientFor(
  store: Store,
  encryptionKey: Buffer,
  options: WebClientOptions,
): (teamId: string) => Promise<WebClient> {
  const installations = databaseInstallationStore(store, encryptionKey);
  const clients = new Map<string, WebClient>();
  return async (teamId) => {
    const installation = await installations.fetchInstallation({
      teamId,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    const token = installation.bot?.token;
    if (!token) throw new Error(`no bot token installed for team ${teamId}`);
    let client = clients.get(token);
    if (!client) {
      client = new WebClient(token, options);
      clients.set(token, client);
    }
    return client;
  };
}
