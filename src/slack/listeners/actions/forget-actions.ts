import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { forgetDoneMessage, notice, type Rendered } from "../../blocks/messages.js";
import { publishHome } from "../../coaching.js";
import type { ListenerArgs } from "../../context.js";
import { busyEphemeral, errorSummary, kindly } from "../../reply.js";
import type { Services } from "../../services.js";

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & ListenerArgs;

export function forgetConfirm(services: Services) {
  return async ({ ack, body, respond, client, context }: Args): Promise<void> => {
    await ack();
    const tell = (m: Rendered) => respond({ replace_original: true, ...m });
    await services.work.run(
      () =>
        kindly(
          services.logger,
          context.requestId,
          "forget",
          async () => {
            const key = { teamId: body.team?.id ?? body.user.team_id ?? "", userId: body.user.id };
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
          tell,
        ),
      busyEphemeral(body.response_url),
    );
  };
}

export function forgetCancel(services: Services) {
  return async ({ ack, respond, body }: Args): Promise<void> => {
    await ack();
    await services.work.run(
      () => respond({ replace_original: true, ...notice("Nothing deleted.") }).then(() => undefined),
      busyEphemeral(body.response_url),
    );
  };
}
