import type { BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { chooseDealChannels } from "../../../deals/deal-channels.js";
import type { UserKey } from "../../../store/types.js";
import { publishHome } from "../../coach-replies.js";
import type { ListenerArgs } from "../../context.js";
import { changeHomeSetting } from "../../home-settings.js";
import { isWorkspaceAdmin } from "../../people.js";
import { errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { interactor } from "../who.js";

// Settings changed from App Home: ack, apply the change (home-settings.ts, deals/deal-channels.ts), then
// publish Home again so the user sees the new state.

type Args = SlackActionMiddlewareArgs<BlockAction> & ListenerArgs;

/** Admins choose the deal channels in Home; the whole selection replaces the stored one. */
export function homeDealChannels(services: Services) {
  const choose = async ({ body, action, client, context }: Args): Promise<void> => {
    const key: UserKey = interactor(body);
    try {
      if (!(await isWorkspaceAdmin(client, key.userId))) return;
      const chosen = "selected_conversations" in action ? (action.selected_conversations as string[]) : [];
      await chooseDealChannels(services.store.deals, key.teamId, chosen, key.userId);
      await publishHome(services, client, key);
    } catch (err) {
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "deal channels setting failed",
      );
    }
  };
  return async (args: Args): Promise<void> => {
    await args.ack();
    // Home has no reply surface: when the work queue is full the change is dropped, and Home, not
    // published again, still shows the old choice.
    await services.work.run(() => choose(args));
  };
}

export function homeSetting(services: Services) {
  const change = async ({ body, action, client, context }: Args): Promise<void> => {
    const key: UserKey = interactor(body);
    const value =
      "selected_option" in action && action.selected_option
        ? (action.selected_option.value ?? "")
        : "value" in action
          ? (action.value ?? "")
          : "";
    try {
      const { nudgesChosen } = await changeHomeSetting(
        services.store,
        client,
        key,
        { actionId: action.action_id, value },
        new Date(),
      );
      // The nudges held until the rep chose now follow, or go.
      if (nudgesChosen) services.wakeDeals?.();
      await publishHome(services, client, key);
    } catch (err) {
      // Home has no reply surface; publishing again (or failing to) is all the user sees.
      services.logger.error({ err: errorSummary(err), requestId: context.requestId }, "home setting failed");
    }
  };
  return async (args: Args): Promise<void> => {
    await args.ack();
    // As above: dropped when the queue is full, and Home still shows the old setting.
    await services.work.run(() => change(args));
  };
}
