import type { ViewSubmitAction } from "@slack/bolt";
import { WEEKLY_VIEW } from "../../blocks/weekly.js";
import type { DealCoachApp } from "../../context.js";
import { VIEW } from "../../ids.js";
import type { Services } from "../../services.js";
import { reflectSubmitted } from "./reflect.js";
import { settingsSubmitted } from "./settings.js";
import { situationSubmitted } from "./situation.js";
import { weeklyAnswerSubmitted } from "./weekly-answer.js";

// Modal submissions, one listener each (one file each).

export function register(app: DealCoachApp, services: Services): void {
  // "/coach" alone: deal, stage, what happened -> coaching, privately where the command was typed.
  app.view<ViewSubmitAction>(VIEW.situation, situationSubmitted(services));
  app.view<ViewSubmitAction>(VIEW.reflect, reflectSubmitted(services));
  app.view<ViewSubmitAction>(WEEKLY_VIEW.answer, weeklyAnswerSubmitted(services));
  app.view<ViewSubmitAction>(VIEW.settings, settingsSubmitted(services));
}
