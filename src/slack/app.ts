import { App, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import type { Config } from "../config.js";
import { type SlackClients, webClientOptions } from "./clients.js";
import type { ConnectionEvents } from "./connection.js";
import type { DealCoachApp, RequestContext } from "./context.js";
import { databaseInstallationStore } from "./installation-store.js";
import { libraryLogger } from "./library-logger.js";
import { register as registerActions } from "./listeners/actions/index.js";
import { register as registerCommands } from "./listeners/commands/index.js";
import { register as registerEvents } from "./listeners/events/index.js";
import { register as registerViews } from "./listeners/views/index.js";
import { register as registerMiddleware } from "./middleware.js";
import type { Services } from "./services.js";
import type { BotIdentity } from "./token-check.js";

// Builds the Bolt app in one of three shapes: Socket Mode (SLACK_APP_TOKEN), HTTP with one bot token, or
// HTTP with OAuth for many workspaces. In HTTP modes the app does not listen itself: the project's own
// server (src/server.ts) owns PORT and hands Slack's paths to `handleHttp`, so /healthz and the webhook
// routes share the port in every mode.

/** Exactly the scopes the features use; manifest.yml must list the same (a test checks). */
export const BOT_SCOPES = [
  "app_mentions:read",
  "channels:history",
  "channels:read",
  "chat:write",
  "commands",
  "groups:history",
  "im:history",
  "im:write",
  "users:read",
  "users:read.email",
];

/** Exactly the events the listeners handle; manifest.yml must list the same. */
export const BOT_EVENTS = [
  "app_home_opened",
  "app_mention",
  "app_uninstalled",
  "message.channels",
  "message.groups",
  "message.im",
  "tokens_revoked",
];

export interface SlackApp {
  app: DealCoachApp;
  mode: Config["slack"]["mode"];
  /** Node request handler for /slack/* paths in HTTP modes; undefined in Socket Mode. */
  handleHttp?: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void;
  /** Socket Mode's client, whose connection events say whether Slack can reach us (/healthz). */
  socketClient?: ConnectionEvents;
  /** The workspace of the single bot token (undefined with OAuth): found once with auth.test. */
  defaultTeam(): Promise<string | undefined>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function buildSlackApp(
  config: Config,
  services: Services,
  clients: SlackClients,
  options: {
    retries?: number;
    identity?: BotIdentity;
    /** Socket Mode's client ping timeout, also its wait before a reconnect (the library's 5 s if unset). */
    socketPingTimeoutMs?: number;
  } = {},
): SlackApp {
  const s = config.slack;
  // Bolt, its Web API clients, Socket Mode and the OAuth installer all log through the shape-only adapter
  // (library-logger.ts); the clients get it in their options, as the OAuth installer builds its own.
  const logger = libraryLogger(services.logger, "bolt");
  // Bolt's clients (one per token, on the request path) and the OAuth installer's take the one setting
  // every client has (clients.ts): a rate-limited call is rejected at once, not waited out, so a listener
  // never holds a work-queue slot through Retry-After; its failure path answers the person kindly
  // (docs/architecture.md, "One rate-limit setting").
  const clientOptions = webClientOptions(config, services.logger, options.retries);
  // The bot's ids from the start-up token check (src/slack/token-check.ts): given both, Bolt skips the
  // auth.test it would otherwise fire from its constructor, whose failure nothing could catch.
  const identity =
    options.identity?.botId && options.identity.botUserId
      ? { botId: options.identity.botId, botUserId: options.identity.botUserId }
      : {};
  let app: DealCoachApp;
  let receiver: HTTPReceiver | undefined;
  let socketReceiver: SocketModeReceiver | undefined;
  if (s.mode === "socket") {
    // Built here rather than by Bolt so its client's connection events can be watched.
    socketReceiver = new SocketModeReceiver({
      appToken: s.appToken as string,
      logger,
      clientPingTimeout: options.socketPingTimeoutMs,
      // Socket Mode's apps.connections.open goes through the installer's client options.
      installerOptions: { clientOptions },
    });
    app = new App<RequestContext>({
      token: s.botToken,
      receiver: socketReceiver,
      logger,
      clientOptions,
      ...identity,
    });
  } else {
    const oauth =
      s.mode === "oauth"
        ? {
            clientId: s.clientId,
            clientSecret: s.clientSecret,
            stateSecret: s.stateSecret,
            scopes: BOT_SCOPES,
            installationStore: databaseInstallationStore(services.store, config.tokenEncryptionKey as Buffer),
            installerOptions: { directInstall: true, clientOptions },
          }
        : {};
    receiver = new HTTPReceiver({ signingSecret: s.signingSecret as string, logger, ...oauth });
    // Incoming requests take their token from the same path as nudges and weekly prompts, which refreshes
    // a rotating token once for every caller and every process (src/slack/tokens.ts), rather than from
    // the InstallProvider's own authorize, which would refresh on its own. Bolt reads the installer's
    // authorize when the App is built, so it is swapped here, before.
    if (receiver.installer && clients.authorize) receiver.installer.authorize = clients.authorize;
    app = new App<RequestContext>({
      receiver,
      logger,
      clientOptions,
      ...(s.mode === "http" ? { token: s.botToken, ...identity } : {}),
    });
  }
  registerMiddleware(app, services);
  registerCommands(app, services);
  registerEvents(app, services);
  registerActions(app, services);
  registerViews(app, services);
  let team: Promise<string | undefined> | undefined;
  return {
    app,
    mode: s.mode,
    handleHttp: receiver ? receiver.requestListener : undefined,
    socketClient: socketReceiver?.client,
    defaultTeam: () => {
      if (s.mode === "oauth") return Promise.resolve(undefined);
      if (options.identity?.teamId) return Promise.resolve(options.identity.teamId);
      team ??= app.client.auth.test().then(
        (r) => r.team_id,
        (err) => {
          team = undefined; // try again next time
          services.logger.warn({ err: { message: (err as Error).message } }, "auth.test failed");
          return undefined;
        },
      );
      return team;
    },
    start: async () => {
      if (s.mode === "socket") await app.start();
    },
    stop: async () => {
      if (s.mode === "socket") await app.stop();
    },
  };
}
