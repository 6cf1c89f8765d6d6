import type { App } from "@slack/bolt";
import { publishHome } from "../../coaching.js";
import { mentions } from "../../mentions.js";
import { errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { type ChannelMessage, handleDealChannelMessage, isDealChannel } from "./deal-channel.js";
import { handleDirectMessage } from "./direct-message.js";
import { handleMention } from "./mention.js";

interface PlainMessage extends ChannelMessage {
  channel_type?: string;
}

export function register(app: App, services: Services): void {
  app.event("app_mention", async ({ event, client, context, body }) => {
    if (!event.user) return;
    await handleMention(services, client, {
      teamId: (body.team_id as string | undefined) ?? context.teamId ?? "",
      channel: event.channel,
      user: event.user,
      text: event.text,
      ts: event.ts,
      threadTs: event.thread_ts,
      botUserId: context.botUserId,
      requestId: context.requestId as string | undefined,
    });
  });

  app.event("message", async ({ event, client, context, body }) => {
    const m = event as unknown as PlainMessage;
    const teamId = (body.team_id as string | undefined) ?? context.teamId ?? "";
    const requestId = context.requestId as string | undefined;
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
  });

  app.event("app_home_opened", async ({ event, client, context, body }) => {
    if (event.tab !== "home") return;
    const key = { teamId: (body.team_id as string | undefined) ?? context.teamId ?? "", userId: event.user };
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
