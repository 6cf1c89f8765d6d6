import type { BlockAction, ButtonAction } from "@slack/bolt";
import { WEEKLY_ACTION } from "../../blocks/weekly.js";
import type { DealCoachApp } from "../../context.js";
import { ACTION, NUDGE_ACTION } from "../../ids.js";
import type { Services } from "../../services.js";
import { anotherAngle, feedback, goDeeperAction, reflectAction } from "./coach-actions.js";
import { forgetCancel, forgetConfirm } from "./forget-actions.js";
import { homeDealChannels, homeSetting } from "./home-actions.js";
import { linkDecision } from "./link-actions.js";
import { nudgeChoiceAction, nudgePref } from "./nudge-actions.js";
import { unknownAction } from "./unknown-action.js";
import { weeklyAction } from "./weekly-actions.js";

export function register(app: DealCoachApp, services: Services): void {
  app.action<BlockAction<ButtonAction>>(ACTION.anotherAngle, anotherAngle(services));
  app.action<BlockAction<ButtonAction>>(ACTION.goDeeper, goDeeperAction(services));
  app.action<BlockAction<ButtonAction>>(ACTION.reflect, reflectAction(services));
  app.action<BlockAction<ButtonAction>>(ACTION.helpful, feedback(services, true));
  app.action<BlockAction<ButtonAction>>(ACTION.notHelpful, feedback(services, false));
  app.action<BlockAction<ButtonAction>>(ACTION.forgetConfirm, forgetConfirm(services));
  app.action<BlockAction<ButtonAction>>(ACTION.forgetCancel, forgetCancel(services));
  app.action<BlockAction<ButtonAction>>(NUDGE_ACTION.snooze, nudgePref(services, "snooze"));
  app.action<BlockAction<ButtonAction>>(NUDGE_ACTION.mute, nudgePref(services, "mute"));
  app.action<BlockAction<ButtonAction>>(NUDGE_ACTION.keep, nudgeChoiceAction(services, "keep"));
  app.action<BlockAction<ButtonAction>>(NUDGE_ACTION.decline, nudgeChoiceAction(services, "decline"));
  app.action<BlockAction<ButtonAction>>(NUDGE_ACTION.stop, nudgeChoiceAction(services, "stop"));
  const home = [
    ACTION.homeWeeklyToggle,
    ACTION.homeWeeklyDay,
    ACTION.homeWeeklyTime,
    ACTION.homeNudgesToggle,
    ACTION.homeNudgesDecline,
    ACTION.homeQuietHours,
  ];
  for (const id of home) app.action(id, homeSetting(services));
  app.action(ACTION.homeDealChannels, homeDealChannels(services));
  app.action<BlockAction<ButtonAction>>(ACTION.linkApprove, linkDecision(services, true));
  app.action<BlockAction<ButtonAction>>(ACTION.linkDecline, linkDecision(services, false));

  for (const kind of Object.keys(WEEKLY_ACTION) as Array<keyof typeof WEEKLY_ACTION>) {
    app.action<BlockAction<ButtonAction>>(WEEKLY_ACTION[kind], weeklyAction(services, kind));
  }
  // Any other action id: a button from an older version of a message (unknown-action.ts).
  const known = new Set<string>([
    ...Object.values(ACTION),
    ...Object.values(NUDGE_ACTION),
    ...Object.values(WEEKLY_ACTION),
  ]);
  app.action({ action_id: /^.*$/ }, unknownAction(services, known));
}
