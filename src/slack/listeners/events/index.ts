import type { WebClient } from "@slack/web-api";
import { publishHome } from "../../coaching.js";
import type { DealCoachApp, ListenerContext } from "../../context.js";
import { mentions } from "../../mentions.js";
import { busyInThread, errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { type ChannelMessage, handleDealChannelMessage, isDealChannel } from "./deal-channel.js";
import { handleDirectMessage } from "./direct-message.js";
import { handleMention } from "./mention.js";

interface PlainMessage extends ChannelMessage {
  channel_type?: string;
}

export function register(app: DealCoachApp, services: Services): void {
  app.event("app_mention", async ({ event, client, context, body }) => {
    const user = event.user;
    if (!user) return;
    await services.work.run(
      () =>
        handleMention(services, client, {
          teamId: (body.team_id as string | undefined) ?? context.teamId ?? "",
          channel: event.channel,
          user,
          text: event.text,
          ts: event.ts,
          threadTs: event.thread_ts,
          botUserId: context.botUserId,
          requestId: context.requestId,
        }),
      busyInThread(client, event.channel, event.thread_ts ?? event.ts),
    );
  });

  const onMessage = async (
    m: PlainMessage,
    client: WebClient,
    context: ListenerContext,
    body: { team_id?: unknown },
  ): Promise<void> => {
    const teamId = (body.team_id as string | undefined) ?? context.teamId ?? "";
    const requestId = context.requestId;
    if (m.channel_type !== "im" && (await isDealChannel(services, teamId, m.channel))) {
      await handleDealChannelMessage(services, client, {
        teamId,
        message: m,
        botUserId: context.botUserId,
        botId: context.botId,
        requestId,
      });
      return;
    }
    // Edits, deletions, joins and bots (ours included) are not someone asking to be coached.
    if (m.subtype !== undefined || m.bot_id || !m.user || typeof m.text !== "string") return;
    if (m.channel_type === "im") {
      await handleDirectMessage(services, client, {
        teamId,
        channel: m.channel,
        user: m.user,
        text: m.text,
        ts: m.ts,
        threadTs: m.thread_ts,
        requestId,
      });
    } else if (mentions(m.text, context.botUserId)) {
      await handleMention(services, client, {
        teamId,
        channel: m.channel,
        user: m.user,
        text: m.text,
        ts: m.ts,
        threadTs: m.thread_ts,
        botUserId: context.botUserId,
        requestId,
      });
    }
  };

  app.event("message", async ({ event, client, context, body }) => {
    const m = event as unknown as PlainMessage;
    // Only a person's DM is told we are busy. A mention in a channel also arrives as app_mention, which
    // answers for it; a deal channel's post (often a CRM bot's) is dropped, counted in the queue's log.
    const dm = m.channel_type === "im" && m.subtype === undefined && !m.bot_id && m.user !== undefined;
    await services.work.run(
      () => onMessage(m, client, context, body),
      dm ? busyInThread(client, m.channel, m.thread_ts ?? m.ts) : undefined,
    );
  });

  app.event("app_home_opened", async ({ event, client, context, body }) => {
    if (event.tab !== "home") return;
    const key = { teamId: (body.team_id as string | undefined) ?? context.teamId ?? "", userId: event.user };
    // When the work queue is full Home is not published; the next open tries again.
    await services.work.run(async () => {
      try {
        await publishHome(services, client, key);
      } catch (err) {
        // No one to tell in a Home tab that failed to render; it is retried on the next open.
        services.logger.error(
          { err: errorSummary(err), requestId: context.requestId },
          "app home publish failed",
        );
      }
    });
  });

  // Uninstall and revoked tokens are not queued: they are rare, quick, and must never be turned away
  // (they delete a workspace's data). Bolt's middleware tracks them for shutdown.

  app.event("app_uninstalled", async ({ body, context }) => {
    const teamId = (body.team_id as string | undefined) ?? context.teamId;
    if (!teamId) return;
    await services.store.forgetTeam(teamId);
    services.logger.info(
      { team: teamId, requestId: context.requestId },
      "app uninstalled: team data deleted",
    );
  });

  app.event("tokens_revoked", async ({ event, body, context }) => {
    const teamId = (body.team_id as string | undefined) ?? context.teamId;
    const key = context.isEnterpriseInstall ? context.enterpriseId : teamId;
    // User tokens are never stored; a revoked bot token means the installation is gone.
    if (key && (event.tokens.bot?.length ?? 0) > 0) await services.store.deleteInstallation(key);
    services.logger.info(
      { team: teamId, requestId: context.requestId },
      "tokens revoked: installation deleted",
    );
  });
}
