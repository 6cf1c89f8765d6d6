import type { Services } from "../../services.js";
import { type EventArgs, eventTeam } from "./event-args.js";

// Uninstall and revoked tokens are not queued: they are rare, quick, and must never be turned away
// (they delete a workspace's data). Bolt's middleware tracks them for shutdown.

export function appUninstalled(services: Services) {
  return async ({ body, context }: EventArgs<"app_uninstalled">): Promise<void> => {
    const teamId = eventTeam(body, context);
    if (!teamId) return;
    await services.store.forgetTeam(teamId);
    services.logger.info(
      { team: teamId, requestId: context.requestId },
      "app uninstalled: team data deleted",
    );
  };
}

export function tokensRevoked(services: Services) {
  return async ({ event, body, context }: EventArgs<"tokens_revoked">): Promise<void> => {
    const teamId = eventTeam(body, context) || undefined;
    const key = context.isEnterpriseInstall ? context.enterpriseId : teamId;
    // User tokens are never stored; a revoked bot token means the installation is gone.
    if (key && (event.tokens.bot?.length ?? 0) > 0) await services.store.deleteInstallation(key);
    services.logger.info(
      { team: teamId, requestId: context.requestId },
      "tokens revoked: installation deleted",
    );
  };
}
