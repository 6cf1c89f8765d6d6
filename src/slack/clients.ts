import type { AuthorizeResult, AuthorizeSourceData } from "@slack/bolt";
import { ErrorCode, type WebAPICallResult, WebClient, type WebClientOptions } from "@slack/web-api";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/types.js";
import { libraryLogger } from "./library-logger.js";
import { InstallationTokens } from "./tokens.js";

// The one factory of Web API clients for work outside a Slack request (deal nudges and owner lookups,
// weekly prompts, `deal-coach weekly send`), and the one token path for Bolt's incoming requests too.
// One client per workspace, with one rate-limit setting, `webClientOptions()`, which Bolt's clients and
// the start-up token check take as well: a rate-limited call is rejected rather than queued, so the
// weekly sender can pause one workspace without stalling the others, a nudge comes back when its lease
// lapses, and a listener answers kindly at once (docs/architecture.md, "One rate-limit setting"). With a single bot token every workspace gets that token; with OAuth each
// call takes the workspace's current token from src/slack/tokens.ts, refreshed when it expires soon.

export interface SlackClients {
  /** The Web API client of a workspace (rejects when the workspace has no installation). */
  clientFor(teamId: string): Promise<WebClient>;
  /** With OAuth: Bolt's authorize for incoming requests, through the same token path. */
  authorize?: (source: AuthorizeSourceData<boolean>) => Promise<AuthorizeResult>;
}

export interface SlackClientsOptions {
  /** Web API retries per call (tests use 0 so a failing fake does not hang them). Default 2. */
  retries?: number;
  /** Refresh this long before a token expires (default REFRESH_MARGIN_MS). */
  refreshMarginMs?: number;
  /**
   * The clock tokens' expiry is judged by (default Date.now). Tests move it on, with the fake Slack's,
   * instead of waiting for a token to expire (test/integration/token-rotation.test.ts).
   */
  now?: () => number;
}

/** The Web API client options every client shares: the factory's, Bolt's and the token check's. */
export function webClientOptions(config: Config, logger: Logger, retries = 2): WebClientOptions {
  return {
    // Without it the client logs to the console, around our redaction (library-logger.ts).
    logger: libraryLogger(logger, "web-api"),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries },
  };
}

export function slackClients(
  config: Config,
  store: Store,
  logger: Logger,
  options: SlackClientsOptions = {},
): SlackClients {
  const clientOptions = webClientOptions(config, logger, options.retries);
  if (config.slack.mode !== "oauth") {
    const client = new WebClient(config.slack.botToken, clientOptions);
    return { clientFor: async () => client };
  }
  const tokens = new InstallationTokens({
    store,
    encryptionKey: config.tokenEncryptionKey as Buffer,
    clientId: config.slack.clientId as string,
    clientSecret: config.slack.clientSecret as string,
    oauthClient: new WebClient(undefined, clientOptions),
    logger,
    refreshMarginMs: options.refreshMarginMs,
    now: options.now,
  });
  const clients = new Map<string, WebClient>();
  return {
    clientFor: async (teamId) => {
      // Fails here, before any work, for a workspace that is not installed.
      await tokens.authorization({ teamId });
      let client = clients.get(teamId);
      if (!client) {
        client = new FreshTokenClient(
          async (rejected) => (await tokens.authorization({ teamId }, rejected)).token,
          clientOptions,
        );
        clients.set(teamId, client);
      }
      return client;
    },
    authorize: async (source) => {
      const found = await tokens.authorization(source);
      return {
        botToken: found.token,
        botId: found.botId,
        botUserId: found.botUserId,
        teamId: found.teamId ?? source.teamId,
        enterpriseId: found.enterpriseId ?? source.enterpriseId,
      };
    },
  };
}

/**
 * A WebClient that asks for the workspace's token at every call, so a long-lived client (a weekly pass,
 * the nudge sender) never holds a token past its expiry. A call Slack answers `token_expired` (a clock
 * that disagrees, a refresh by another process) is made once more with a refreshed token.
 */
class FreshTokenClient extends WebClient {
  constructor(
    private readonly tokenOf: (rejected?: string) => Promise<string>,
    options: WebClientOptions,
  ) {
    super(undefined, options);
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    if (options.token !== undefined) return super.apiCall(method, options);
    const token = await this.tokenOf();
    try {
      return await super.apiCall(method, { ...options, token });
    } catch (err) {
      if (!isTokenExpired(err)) throw err;
      return super.apiCall(method, { ...options, token: await this.tokenOf(token) });
    }
  }
}

function isTokenExpired(err: unknown): boolean {
  const e = err as { code?: string; data?: { error?: string } };
  return e.code === ErrorCode.PlatformError && e.data?.error === "token_expired";
}
