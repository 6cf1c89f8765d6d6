import type { WebClient } from "@slack/web-api";
import { chooseNudges } from "../deals/nudge-choice.js";
import type { Store, UserKey, UserSettings } from "../store/types.js";
import { parseDay, parseQuiet, parseTime } from "./blocks/settings-options.js";
import { ACTION } from "./ids.js";
import { setWeekly } from "./weekly-opt-in.js";

// One control of App Home changed: which setting the control's action id names, and the change applied
// the way every other surface applies it (the weekly schedule through the opt-in, nudges through the
// rep's choice, which releases or drops held nudges). The listener only acks and publishes Home again.

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

/**
 * Applies the control's new value for the user. `nudgesChosen`: the rep chose about nudges, so held ones
 * may now follow (the caller wakes the deal worker). A value that names no setting changes nothing.
 */
export async function changeHomeSetting(
  store: Store,
  client: WebClient,
  key: UserKey,
  control: { actionId: string; value: string },
  now: Date,
): Promise<{ nudgesChosen: boolean }> {
  const user = await store.upsertUser(key);
  const patch = patchFor(control.actionId, control.value, user.settings);
  if (patch?.weekly) {
    // The weekly prompt's schedule follows its settings (and the user's timezone).
    await setWeekly(
      store,
      client,
      key,
      { on: patch.weekly.enabled, day: patch.weekly.day, time: patch.weekly.time },
      now,
    );
  } else if (typeof patch?.nudges === "boolean") {
    await chooseNudges(store, key, patch.nudges, now);
    return { nudgesChosen: true };
  } else if (patch) await store.upsertUser(key, { settings: patch });
  return { nudgesChosen: false };
}
