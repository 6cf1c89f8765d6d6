import type { BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { chooseNudges } from "../../../deals/nudge-choice.js";
import type { UserKey, UserSettings } from "../../../store/types.js";
import { parseDay, parseQuiet, parseTime } from "../../blocks/settings-options.js";
import { publishHome } from "../../coach-replies.js";
import type { ListenerArgs } from "../../context.js";
import { ACTION } from "../../ids.js";
import { isWorkspaceAdmin } from "../../people.js";
import { errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { setWeekly } from "../../weekly-opt-in.js";
import { interactor } from "../who.js";

// Settings changed from App Home: store, then publish Home again so the user sees the new state.

type Args = SlackActionMiddlewareArgs<BlockAction> & ListenerArgs;

function patchFor(actionId: string, value: string, current: UserSettings): Partial<UserSettings> | undefined {
  switch (actionId) {
    case ACTION.homeWeeklyToggle:
      return { weekly: { ...current.weekly, enabled: value === "on" } };
    case ACTION.homeWeeklyDay: {
      const day = parseDay(value);
      return day ? { weekly: { ...current.weekly, day } } : undefined;
    }
    case ACTION.homeWeeklyTime: {
      const time = parseTime(value);
      return time ? { weekly: { ...current.weekly, time } } : undefined;
    }
    case ACTION.homeNudgesToggle:
    case ACTION.homeNudgesDecline:
      return { nudges: value === "on" };
    case ACTION.homeQuietHours: {
      const quiet = parseQuiet(value);
      return quiet === undefined ? undefined : { quietHours: quiet };
    }
    default:
      return undefined;
  }
}

/** Admins choose the deal channels in Home; the whole selection replaces the stored one. */
export function homeDealChannels(services: Services) {
  const choose = async ({ body, action, client, context }: Args): Promise<void> => {
    const key: UserKey = interactor(body);
    try {
      if (!(await isWorkspaceAdmin(client, key.userId))) return;
      const chosen = "selected_conversations" in action ? (action.selected_conversations as string[]) : [];
      const current = await services.store.deals.dealChannels(key.teamId);
      for (const c of current)
        if (!chosen.includes(c)) await services.store.deals.setDealChannel(key.teamId, c, false);
      for (const c of chosen)
        if (!current.includes(c)) await services.store.deals.setDealChannel(key.teamId, c, true, key.userId);
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
      const user = await services.store.upsertUser(key);
      const patch = patchFor(action.action_id, value, user.settings);
      if (patch?.weekly) {
        // The weekly prompt's schedule follows its settings (and the user's timezone).
        await setWeekly(
          services.store,
          client,
          key,
          { on: patch.weekly.enabled, day: patch.weekly.day, time: patch.weekly.time },
          new Date(),
        );
      } else if (typeof patch?.nudges === "boolean") {
        // A choice about nudges also releases or drops the nudges held until the rep chose.
        await chooseNudges(services.store, key, patch.nudges, new Date());
        services.wakeDeals?.();
      } else if (patch) await services.store.upsertUser(key, { settings: patch });
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
