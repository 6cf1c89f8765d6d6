import type { Installation } from "@slack/bolt";
import { ErrorCode, type WebClient } from "@slack/web-api";
import type { Logger } from "../logger.js";
import { sleep } from "../sleep.js";
import type { Store } from "../store/types.js";
import { installationKeyOf, openInstallation, sealInstallation } from "./installation-store.js";

// The one path to a workspace's bot token with OAuth, for every Web API call: Bolt's incoming requests,
// deal nudges, weekly prompts, App Home and `deal-coach weekly send`. With token rotation on
// (docs/token-rotation.md), a token that expires within REFRESH_MARGIN_MS is exchanged for a new pair
// (oauth.v2.access, grant_type=refresh_token) and the pair is stored, encrypted, in the installation row.
// Slack revokes a refresh token once it is used, so exactly one caller may spend it: in a process, callers
// share one refresh (a promise per workspace); across processes, a lease in the row decides and the others
// wait for the new pair the holder stores.

/** Refresh this long before expiry (Slack's tokens live 12 hours; Bolt's own default is the same 2). */
export const REFRESH_MARGIN_MS = 2 * 60 * 60 * 1000;
/** How long a read installation is used before it is read again (another process may have refreshed). */
const READ_TTL_MS = 60_000;
/** How long a refresher holds the row; a process that died holding it stops blocking after this. */
const LEASE_MS = 15_000;
const WAIT_POLL_MS = 100;
/** After Slack refuses a refresh (revoked, wrong client secret), ask again only this much later. */
const REFUSED_BACKOFF_MS = 60_000;
/** After a refresh failed on the way (network, 5xx), ask again this much later. */
const FAILED_BACKOFF_MS = 5_000;

export interface BotAuthorization {
  token: string;
  botId?: string;
  botUserId?: string;
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall: boolean;
  /** Unix seconds; undefined when the token does not expire (rotation off). */
  expiresAt?: number;
}

export interface WorkspaceQuery {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
}

/** A workspace's token could not be refreshed and the one stored has expired. */
export class TokenRefreshError extends Error {
  constructor(
    readonly installKey: string,
    readonly code: string,
  ) {
    super(`the bot token of ${installKey} has expired and could not be refreshed: ${code}`);
    this.name = "TokenRefreshError";
  }
}

export interface InstallationTokensDeps {
  store: Store;
  encryptionKey: Buffer;
  clientId: string;
  clientSecret: string;
  /** A client without a token, for oauth.v2.access. */
  oauthClient: WebClient;
  logger: Logger;
  refreshMarginMs?: number;
  leaseMs?: number;
  now?: () => number;
}

interface Entry {
  sealed: string;
  installation: Installation;
  readAt: number;
}

export class InstallationTokens {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshing = new Map<string, Promise<Entry>>();
  private readonly failures = new Map<string, { until: number; error: TokenRefreshError }>();
  private readonly now: () => number;

  constructor(private readonly deps: InstallationTokensDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * A usable bot token for the workspace, refreshed first when it expires soon. `rejected` is a token
   * Slack just answered `token_expired` to: it is refreshed whatever its recorded expiry says.
   */
  async authorization(query: WorkspaceQuery, rejected?: string): Promise<BotAuthorization> {
    const key = installationKeyOf(query);
    let entry = await this.read(key, rejected !== undefined);
    if (this.mustRefresh(entry, rejected)) entry = await this.refreshOnce(key, entry, rejected);
    return authorizationOf(entry.installation, key);
  }

  private mustRefresh(entry: Entry, rejected?: string): boolean {
    const bot = entry.installation.bot;
    if (!bot?.refreshToken) return false;
    if (rejected !== undefined && bot.token === rejected) return true;
    return bot.expiresAt !== undefined && bot.expiresAt * 1000 - this.now() < this.margin;
  }

  private get margin(): number {
    return this.deps.refreshMarginMs ?? REFRESH_MARGIN_MS;
  }

  private async read(key: string, force: boolean): Promise<Entry> {
    const cached = this.entries.get(key);
    const now = this.now();
    if (!force && cached && now - cached.readAt < READ_TTL_MS) return cached;
    const sealed = await this.deps.store.fetchInstallation(key);
    if (!sealed) {
      this.entries.delete(key);
      throw new Error(`no installation for workspace ${key}`);
    }
    if (cached?.sealed === sealed) {
      cached.readAt = now;
      return cached;
    }
    const entry = { sealed, installation: openInstallation(this.deps.encryptionKey, sealed), readAt: now };
    this.entries.set(key, entry);
    return entry;
  }

  /** Callers in this process share one refresh of a workspace. */
  private refreshOnce(key: string, entry: Entry, rejected?: string): Promise<Entry> {
    let running = this.refreshing.get(key);
    if (!running) {
      running = this.refresh(key, entry, rejected).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, running);
    }
    return running;
  }

  private async refresh(key: string, start: Entry, rejected?: string): Promise<Entry> {
    const failed = this.failures.get(key);
    if (failed && failed.until > this.now()) return this.fallback(start, failed.error, rejected);
    const leaseMs = this.deps.leaseMs ?? LEASE_MS;
    let entry = start;
    for (;;) {
      if (await this.deps.store.claimInstallationRefresh(key, entry.sealed, leaseMs))
        return this.exchange(key, entry, rejected);
      // Another process is refreshing (or just did): wait for the pair it stores rather than spend the
      // same refresh token, which Slack would refuse. If it died, its lease lapses and we claim it.
      const stored = await this.read(key, true);
      if (stored.sealed !== entry.sealed) {
        if (!this.mustRefresh(stored, rejected)) return stored;
        entry = stored;
        continue;
      }
      await sleep(WAIT_POLL_MS);
    }
  }

  /** Spends the refresh token (this process holds the lease) and stores the new pair. */
  private async exchange(key: string, entry: Entry, rejected?: string): Promise<Entry> {
    const { store, logger, encryptionKey } = this.deps;
    const bot = entry.installation.bot;
    try {
      const answer = await this.deps.oauthClient.oauth.v2.access({
        client_id: this.deps.clientId,
        client_secret: this.deps.clientSecret,
        grant_type: "refresh_token",
        refresh_token: bot?.refreshToken as string,
      });
      if (!bot || !answer.access_token || !answer.refresh_token || !answer.expires_in)
        throw new Error("oauth.v2.access answered without a token pair");
      const installation: Installation = {
        ...entry.installation,
        bot: {
          ...bot,
          token: answer.access_token,
          refreshToken: answer.refresh_token,
          expiresAt: Math.floor(this.now() / 1000) + answer.expires_in,
        },
      };
      const sealed = sealInstallation(encryptionKey, installation);
      if (!(await store.finishInstallationRefresh(key, entry.sealed, sealed))) {
        // Reinstalled (or uninstalled) while we were refreshing: what is stored now is the truth.
        return this.read(key, true);
      }
      this.failures.delete(key);
      const fresh = { sealed, installation, readAt: this.now() };
      this.entries.set(key, fresh);
      logger.info({ team: key, expiresAt: installation.bot?.expiresAt }, "bot token refreshed");
      return fresh;
    } catch (err) {
      await store.releaseInstallationRefresh(key, entry.sealed).catch(() => undefined);
      const refused = (err as { code?: string }).code === ErrorCode.PlatformError;
      const code = refused
        ? String((err as { data?: { error?: string } }).data?.error ?? "unknown_error")
        : (err as Error).message;
      const error = new TokenRefreshError(key, code);
      this.failures.set(key, {
        until: this.now() + (refused ? REFUSED_BACKOFF_MS : FAILED_BACKOFF_MS),
        error,
      });
      if (refused)
        logger.error(
          { team: key, error: code, retryInMs: REFUSED_BACKOFF_MS },
          "Slack refused to refresh this workspace's bot token: install Deal Coach in it again (/slack/install)",
        );
      else
        logger.warn(
          { team: key, error: code, retryInMs: FAILED_BACKOFF_MS },
          "refreshing this workspace's bot token failed; trying again shortly",
        );
      return this.fallback(entry, error, rejected);
    }
  }

  /** After a failed refresh: the old token while it still works, else the refresh's error. */
  private fallback(entry: Entry, error: TokenRefreshError, rejected?: string): Entry {
    const bot = entry.installation.bot;
    if (bot?.expiresAt !== undefined && bot.expiresAt * 1000 > this.now() && bot.token !== rejected)
      return entry;
    throw error;
  }
}

function authorizationOf(installation: Installation, key: string): BotAuthorization {
  const bot = installation.bot;
  if (!bot?.token) throw new Error(`no bot token installed for workspace ${key}`);
  return {
    token: bot.token,
    botId: bot.id,
    botUserId: bot.userId,
    teamId: installation.team?.id,
    enterpriseId: installation.enterprise?.id,
    isEnterpriseInstall: installation.isEnterpriseInstall === true,
    expiresAt: bot.expiresAt,
  };
}
