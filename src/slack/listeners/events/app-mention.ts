import { busyInThread } from "../../reply.js";
import type { Services } from "../../services.js";
import { type EventArgs, eventTeam } from "./event-args.js";
import { handleMention } from "./mention.js";

// app_mention: answered in its thread, in the work queue (a busy reply in the thread when it is full).

export function appMention(services: Services, handle: typeof handleMention = handleMention) {
  return async ({ event, client, context, body }: EventArgs<"app_mention">): Promise<void> => {
    const user = event.user;
    if (!user) return;
    await services.work.run(
      () =>
        handle(services, client, {
          teamId: eventTeam(body, context),
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
  };
}
