import { WebAPIPlatformError, WebClient, type WebClientOptions } from "@slack/web-api";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { webClientOptions } from "./clients.js";

// Before anything else starts, every configured token is shown to Slack once, all at the same time: a
// token Slack rejects is one line naming its variable and Slack's error (README "Configuration errors"),
// not a stack from deep inside Bolt, and a second bad token is reported in the same run as the first.

/** Who the bot token belongs to, from auth.test: Bolt is given it, so it never calls auth.test unhandled. */
export interface BotIdentity {
  teamId?: string;
  botUserId?: string;
  botId?: string;
}

/** One or more tokens Slack refused; `problems` holds one line per token ("SLACK_BOT_TOKEN: …"). */
export class SlackTokenError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** Slack could not be asked (network, 5xx, rate limit): worth trying again, unlike a refusal. */
export class SlackUnreachableError extends Error {}

interface TokenCheck {
  variable: string;
  /** The Web API method that proves the token: auth.test for a bot token, apps.connections.open for xapp-. */
  method: "auth.test" | "apps.connections.open";
  token: string;
}

function checksFor(config: Config): TokenCheck[] {
  const s = config.slack;
  const checks: TokenCheck[] = [];
  // With OAuth the bot tokens are per workspace, stored at install; there is none to check up front.
  if (s.mode !== "oauth" && s.botToken)
    checks.push({ variable: "SLACK_BOT_TOKEN", method: "auth.test", token: s.botToken });
  // auth.test does not take app-level tokens; apps.connections.open does, and an unused ticket just expires.
  if (s.mode === "socket" && s.appToken)
    checks.push({ variable: "SLACK_APP_TOKEN", method: "apps.connections.open", token: s.appToken });
  return checks;
}

/**
 * Asks Slack about every token at once. Resolves with the bot's identity (when there is a bot token);
 * rejects with SlackTokenError listing each refused token, or SlackUnreachableError when Slack could not
 * answer (the caller tries again: a network that comes up after the app is no configuration problem).
 */
export async function checkSlackTokens(
  config: Config,
  options: { timeoutMs?: number; logger: Logger },
): Promise<BotIdentity | undefined> {
  // The one client setting (clients.ts: logger, API URL, a rate-limited call rejected at once), with no
  // retries and a short timeout: a start-up check says at once what Slack answered. Its own clients, one
  // per token, because it shows Slack every configured token (the app-level one too) before the app and
  // its client factory exist (docs/architecture.md, "One rate-limit setting").
  const clientOptions: WebClientOptions = {
    ...webClientOptions(config, options.logger, 0),
    timeout: options.timeoutMs ?? 10_000,
  };
  const checks = checksFor(config);
  const results = await Promise.allSettled(
    checks.map((c) => new WebClient(c.token, clientOptions).apiCall(c.method, {})),
  );
  const refused: string[] = [];
  let unreachable: string | undefined;
  let identity: BotIdentity | undefined;
  results.forEach((result, i) => {
    const check = checks[i] as TokenCheck;
    if (result.status === "fulfilled") {
      if (check.method === "auth.test") {
        const r = result.value as { team_id?: string; user_id?: string; bot_id?: string };
        identity = { teamId: r.team_id, botUserId: r.user_id, botId: r.bot_id };
      }
      return;
    }
    const err = result.reason as Error;
    if (err instanceof WebAPIPlatformError)
      refused.push(`${check.variable}: Slack rejected it (${err.data.error})`);
    else unreachable ??= `${check.method}: ${err.message.split("\n")[0]}`;
  });
  if (refused.length > 0) throw new SlackTokenError(refused);
  if (unreachable) throw new SlackUnreachableError(`could not reach Slack (${unreachable})`);
  return identity;
}
