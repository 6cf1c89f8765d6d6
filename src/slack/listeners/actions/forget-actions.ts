import { forgetDoneMessage, notice } from "../../blocks/messages.js";
import { publishHome } from "../../coach-replies.js";
import { busyEphemeral, errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { type ButtonArgs, buttonListener, clicker, type Tell } from "./button.js";

// Delete my data / Cancel, under the confirmation `/coach forget` showed. The answer replaces that
// confirmation, so its buttons can't be pressed twice.

const replacing =
  ({ respond }: ButtonArgs): Tell =>
  (m) =>
    respond({ replace_original: true, ...m });

export function forgetConfirm(services: Services) {
  return buttonListener(
    services,
    "forget",
    async ({ body, client, context }, tell) => {
      const key = clicker(body);
      const report = await services.store.forgetUser(key);
      await tell(forgetDoneMessage(report));
      services.logger.info(
        { requestId: context.requestId, team: key.teamId, user: key.userId, deleted: report },
        "user data forgotten",
      );
      // The Home tab still shows the old reflections until it is published again.
      await publishHome(services, client, key).catch((err) =>
        services.logger.warn(
          { err: errorSummary(err), requestId: context.requestId },
          "home refresh after forget failed",
        ),
      );
    },
    replacing,
  );
}

export function forgetCancel(services: Services) {
  return async ({ ack, respond, body }: ButtonArgs): Promise<void> => {
    await ack();
    await services.work.run(
      () => respond({ replace_original: true, ...notice("Nothing deleted.") }).then(() => undefined),
      busyEphemeral(body.response_url),
    );
  };
}
