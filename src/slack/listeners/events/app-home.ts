import { publishHome } from "../../coach-replies.js";
import { errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { type EventArgs, eventTeam } from "./event-args.js";

// app_home_opened (the Home tab): publish the user's Home. When the work queue is full it is not
// published; the next open tries again.

export function appHomeOpened(services: Services, publish: typeof publishHome = publishHome) {
  return async ({ event, client, context, body }: EventArgs<"app_home_opened">): Promise<void> => {
    if (event.tab !== "home") return;
    const key = { teamId: eventTeam(body, context), userId: event.user };
    await services.work.run(async () => {
      try {
        await publish(services, client, key);
      } catch (err) {
        // No one to tell in a Home tab that failed to render; it is retried on the next open.
        services.logger.error(
          { err: errorSummary(err), requestId: context.requestId },
          "app home publish failed",
        );
      }
    });
  };
}
