import { chooseNudges } from "../../../deals/nudge-choice.js";
import type { IsoWeekday, UserKey, UserSettings } from "../../../store/types.js";
import { BUSY_SETTINGS, notice } from "../../blocks/messages.js";
import { dayLabel, parseDay, parseQuiet, parseTime } from "../../blocks/settings-options.js";
import { settingsMetadata } from "../../button-values.js";
import { publishHome } from "../../coach-replies.js";
import { INPUT } from "../../ids.js";
import { busyEphemeral, busyInThread, errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { setWeekly } from "../../weekly-opt-in.js";
import { inputError, postToResponseUrl, submitter, type ViewArgs } from "./submission.js";
import { inputValue } from "./view-values.js";

// The settings modal (/coach settings). The settings are saved before the ack, so a failure shows in the
// modal; what follows from them (the weekly schedule, held nudges, Home) is applied after it, in the work
// queue, because users.info may be slow. When the queue is full the settings stay saved and the person is
// asked to save again.

export interface ChosenSettings {
  weekly: boolean;
  day: IsoWeekday;
  time: string;
  quiet: UserSettings["quietHours"];
  /** Undefined: not chosen in the form, so the stored choice stands. */
  nudges: boolean | undefined;
}

export interface SettingsSteps {
  save(services: Services, key: UserKey, chosen: ChosenSettings): Promise<void>;
  apply(
    services: Services,
    client: ViewArgs["client"],
    key: UserKey,
    chosen: ChosenSettings,
    responseUrl: string | undefined,
    requestId: string,
  ): Promise<void>;
}

export const settingsSteps: SettingsSteps = {
  async save(services, key, { weekly, day, time, quiet, nudges }) {
    await services.store.upsertUser(key, {
      settings: {
        weekly: { enabled: weekly, day, time },
        quietHours: quiet,
        ...(nudges === undefined ? {} : { nudges }),
      },
    });
  },

  async apply(services, client, key, { weekly, day, time, nudges }, responseUrl, requestId) {
    await setWeekly(services.store, client, key, { on: weekly, day, time }, new Date()).catch((err) =>
      services.logger.error({ err: errorSummary(err), requestId }, "weekly schedule update failed"),
    );
    if (nudges !== undefined) {
      // Nudges held until the rep chose follow or go.
      await chooseNudges(services.store, key, nudges, new Date()).then(
        () => services.wakeDeals?.(),
        (err) => services.logger.error({ err: errorSummary(err), requestId }, "nudge choice failed"),
      );
    }
    const summary = `Saved. Weekly reflection ${weekly ? `on, ${dayLabel(day)}s at ${time}` : "off"}; deal nudges ${nudges === undefined ? "not chosen yet" : nudges ? "on" : "off"}.`;
    await postToResponseUrl(responseUrl, notice(summary)).catch(() => false);
    await publishHome(services, client, key).catch((err) =>
      services.logger.warn({ err: errorSummary(err), requestId }, "home refresh after settings failed"),
    );
  },
};

export function settingsSubmitted(services: Services, steps: SettingsSteps = settingsSteps) {
  return async ({ ack, body, view, client, context }: ViewArgs): Promise<void> => {
    const v = view.state.values;
    const day = parseDay(inputValue(v, INPUT.weeklyDay) ?? "");
    const time = parseTime(inputValue(v, INPUT.weeklyTime) ?? "");
    const quiet = parseQuiet(inputValue(v, INPUT.quietHours) ?? "default");
    const chosenNudges = inputValue(v, INPUT.nudges);
    if (!day || !time || quiet === undefined) {
      await ack(inputError(INPUT.weeklyDay[0], "Please pick a day and a time."));
      return;
    }
    const chosen: ChosenSettings = {
      weekly: inputValue(v, INPUT.weekly) === "on",
      day,
      time,
      quiet,
      nudges: chosenNudges === "on" ? true : chosenNudges === "off" ? false : undefined,
    };
    const key = submitter(body);
    try {
      await steps.save(services, key, chosen);
    } catch (err) {
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "saving settings failed",
      );
      await ack(inputError(INPUT.weekly[0], "Sorry, I couldn't save that just now. Please try again."));
      return;
    }
    await ack();
    const responseUrl = settingsMetadata.decode(view.private_metadata)?.responseUrl;
    await services.work.run(
      () => steps.apply(services, client, key, chosen, responseUrl, context.requestId),
      busyEphemeral(responseUrl, BUSY_SETTINGS) ?? busyInThread(client, key.userId, undefined, BUSY_SETTINGS),
    );
  };
}
