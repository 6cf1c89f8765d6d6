import { randomUUID } from "node:crypto";
import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { DealCoachApp, RequestContext } from "./context.js";
import type { Services } from "./services.js";

// Global middleware: a request id for the logs, event_id dedupe (Slack retries and Bolt does not dedupe),
// and tracking of handling in flight for graceful shutdown (the listeners' own work is queued, see
// work-queue.ts).

export function register(app: DealCoachApp, services: Services): void {
  const middleware: Middleware<AnyMiddlewareArgs, RequestContext> = async ({ body, context, next }) => {
    context.requestId = randomUUID();
    const eventId = (body as { event_id?: string }).event_id;
    if (eventId && !(await services.store.claimOnce(`evt:${eventId}`))) {
      services.logger.info(
        { requestId: context.requestId, eventId, retryNum: context.retryNum },
        "duplicate delivery skipped",
      );
      return;
    }
    await services.work.track(next);
  };
  app.use(middleware);
  app.error(async (error) => {
    services.logger.error(
      { err: { message: error.message, code: (error as { code?: string }).code } },
      "unhandled Bolt error",
    );
  });
}
