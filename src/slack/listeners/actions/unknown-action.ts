import type { SlackActionMiddlewareArgs } from "@slack/bolt";
import type { ListenerArgs } from "../../context.js";
import type { Services } from "../../services.js";

// Any other action id (a button from an older version of a message): ack so Slack shows no error, and
// say kindly that it no longer does anything. Bolt runs every matching listener, so the ids that have
// their own listener are left to it (no second ack).

export const OLDER_BUTTON_NOTE =
  "That button is from an older message and no longer does anything. Try `/coach` again.";

export function unknownAction(services: Services, known: ReadonlySet<string>) {
  return async ({ ack, action, respond }: SlackActionMiddlewareArgs & ListenerArgs): Promise<void> => {
    // Only block actions carry an action id; anything else (a legacy attachment click) counts as unknown.
    const id = "action_id" in action && typeof action.action_id === "string" ? action.action_id : "";
    if (known.has(id)) return;
    await ack();
    services.logger.debug({ action: id.slice(0, 255) }, "unknown action");
    // Only a note, and no busy reply: when the queue is full this click goes unanswered.
    await services.work.run(() =>
      respond({ response_type: "ephemeral", replace_original: false, text: OLDER_BUTTON_NOTE }).then(
        () => undefined,
        () => undefined,
      ),
    );
  };
}
