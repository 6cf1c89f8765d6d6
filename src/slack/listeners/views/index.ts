import type { SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { FALLBACK_QUESTION } from "../../../coaching/coach.js";
import { isStage } from "../../../coaching/taxonomy.js";
import { chooseNudges } from "../../../deals/nudge-choice.js";
import type { IsoWeekday } from "../../../store/types.js";
import { BUSY_SETTINGS, notice, type Rendered } from "../../blocks/messages.js";
import { reflectSavedView } from "../../blocks/modals.js";
import { dayLabel, parseDay, parseQuiet, parseTime } from "../../blocks/settings-options.js";
import { WEEKLY_INPUT, WEEKLY_VIEW } from "../../blocks/weekly.js";
import {
  reflectMetadata,
  settingsMetadata,
  situationMetadata,
  weeklyAnswerMetadata,
} from "../../button-values.js";
import { coachAndRecord, publishHome } from "../../coaching.js";
import type { DealCoachApp, ListenerArgs } from "../../context.js";
import { INPUT, VIEW } from "../../ids.js";
import { isResponseUrl, OneReply, responseUrlWay, threadWay } from "../../one-reply.js";
import { busyEphemeral, busyInThread, errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { setWeekly } from "../../weekly-opt-in.js";
import { inputValue } from "./view-values.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & ListenerArgs;

/** Posts to a slash command's response_url (valid 30 minutes, 5 uses) from outside the command. */
async function postToResponseUrl(url: string | undefined, message: object): Promise<boolean> {
  if (!url || !/^https?:\/\//.test(url)) return false;
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ response_type: "ephemeral", ...message }),
  });
  return res.ok;
}

const keyOf = (body: ViewSubmitAction) => ({
  teamId: body.team?.id ?? body.user.team_id ?? "",
  userId: body.user.id,
});

export function register(app: DealCoachApp, services: Services): void {
  // "/coach" alone: deal, stage, what happened -> coaching, privately where the command was typed.
  app.view<ViewSubmitAction>(VIEW.situation, async ({ ack, body, view, client, context }: Args) => {
    const values = view.state.values;
    const happened = inputValue(values, INPUT.happened)?.trim();
    if (!happened) {
      await ack({
        response_action: "errors",
        errors: { [INPUT.happened[0]]: "Tell me a little about what happened." },
      });
      return;
    }
    await ack();
    const key = keyOf(body);
    const responseUrl = situationMetadata.decode(view.private_metadata)?.responseUrl;
    await services.work.run(
      () => coachSituation({ body, view, client, context }),
      // No response_url (an old modal): the busy reply comes by DM.
      busyEphemeral(responseUrl) ?? busyInThread(client, key.userId),
    );
  });

  const coachSituation = async ({
    view,
    body,
    client,
    context,
  }: Pick<Args, "view" | "body" | "client" | "context">): Promise<void> => {
    const values = view.state.values;
    const happened = inputValue(values, INPUT.happened)?.trim() ?? "";
    const deal = inputValue(values, INPUT.deal)?.trim();
    const stage = inputValue(values, INPUT.stage);
    const key = keyOf(body);
    const responseUrl = situationMetadata.decode(view.private_metadata)?.responseUrl;
    const requestId = context.requestId;
    // Privately where /coach was typed (its response_url), else by DM; one reply (one-reply.ts).
    const dm = threadWay(client, key.userId, undefined, services.logger);
    const post = async (m: Rendered) => {
      if (!(await postToResponseUrl(responseUrl, m))) await dm.post(m);
    };
    const reply = new OneReply(
      isResponseUrl(responseUrl) ? responseUrlWay(responseUrl, post, services.logger) : dm,
      services.coacher.usesModel,
      services.logger,
      requestId,
    );
    try {
      reply.thinking();
      const { rendered } = await coachAndRecord(services, {
        key,
        text: deal ? `${deal}: ${happened}` : happened,
        stage: stage && isStage(stage) ? stage : undefined,
        surface: "command",
        requestId,
      });
      await reply.send(rendered);
    } catch (err) {
      services.logger.error({ err: errorSummary(err), requestId }, "situation modal failed");
      const sorry = notice("Sorry, I couldn't coach on that just now. Please try `/coach` again.");
      // In the placeholder's place when there is one; otherwise by DM, as it always was.
      await (reply.holding ? reply.send(sorry) : dm.post(sorry)).catch(() => undefined);
    }
  };

  // Reflect: stored privately, never posted. The store write happens before the ack so a failure can be
  // shown in the modal instead of losing the user's words.
  app.view<ViewSubmitAction>(VIEW.reflect, async ({ ack, body, view, context }: Args) => {
    const answer = inputValue(view.state.values, INPUT.answer)?.trim();
    if (!answer) {
      await ack({
        response_action: "errors",
        errors: { [INPUT.answer[0]]: "Write a few words, or press Cancel." },
      });
      return;
    }
    const ids = reflectMetadata.decode(view.private_metadata)?.questions ?? [];
    const texts = ids.map(
      (id) =>
        services.library.questions.get(id)?.text ??
        (id === FALLBACK_QUESTION.id ? FALLBACK_QUESTION.text : undefined),
    );
    const questionText = texts.filter(Boolean).join(" / ") || FALLBACK_QUESTION.text;
    try {
      await services.store.addReflection(keyOf(body), { questionId: ids[0] ?? null, questionText, answer });
      await ack({ response_action: "update", view: reflectSavedView() });
      services.logger.info(
        { requestId: context.requestId, team: keyOf(body).teamId, user: body.user.id },
        "reflection saved",
      );
    } catch (err) {
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "saving a reflection failed",
      );
      await ack({
        response_action: "errors",
        errors: { [INPUT.answer[0]]: "Sorry, I couldn't save that just now. Please try again." },
      });
    }
  });

  // A weekly answer: stored privately as the user's reflection, and the week marked answered.
  app.view<ViewSubmitAction>(WEEKLY_VIEW.answer, async ({ ack, body, view, context }: Args) => {
    const answer = inputValue(view.state.values, WEEKLY_INPUT.answer)?.trim();
    if (!answer) {
      await ack({
        response_action: "errors",
        errors: { [WEEKLY_INPUT.answer[0]]: "Write a few words, or press Cancel." },
      });
      return;
    }
    // Unreadable metadata still saves the answer, as a reflection on no particular prompt.
    const meta = weeklyAnswerMetadata.decode(view.private_metadata);
    const key = keyOf(body);
    try {
      await services.store.addReflection(key, {
        questionId: meta?.prompt ?? null,
        questionText: meta?.question || "Weekly reflection",
        answer,
      });
      if (meta?.week) await services.store.weekly.markAnswered(key, meta.week, new Date());
      await ack({ response_action: "update", view: reflectSavedView() });
    } catch (err) {
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "saving a weekly answer failed",
      );
      await ack({
        response_action: "errors",
        errors: { [WEEKLY_INPUT.answer[0]]: "Sorry, I couldn't save that just now. Please try again." },
      });
    }
  });

  app.view<ViewSubmitAction>(VIEW.settings, async ({ ack, body, view, client, context }: Args) => {
    const v = view.state.values;
    const day = parseDay(inputValue(v, INPUT.weeklyDay) ?? "");
    const time = parseTime(inputValue(v, INPUT.weeklyTime) ?? "");
    const quiet = parseQuiet(inputValue(v, INPUT.quietHours) ?? "default");
    const weekly = inputValue(v, INPUT.weekly) === "on";
    const chosen = inputValue(v, INPUT.nudges);
    const nudges = chosen === "on" ? true : chosen === "off" ? false : undefined;
    if (!day || !time || quiet === undefined) {
      await ack({
        response_action: "errors",
        errors: { [INPUT.weeklyDay[0]]: "Please pick a day and a time." },
      });
      return;
    }
    const key = keyOf(body);
    try {
      await services.store.upsertUser(key, {
        settings: {
          weekly: { enabled: weekly, day, time },
          quietHours: quiet,
          ...(nudges === undefined ? {} : { nudges }),
        },
      });
      await ack();
    } catch (err) {
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "saving settings failed",
      );
      await ack({
        response_action: "errors",
        errors: { [INPUT.weekly[0]]: "Sorry, I couldn't save that just now. Please try again." },
      });
      return;
    }
    // After the ack (users.info may be slow), in the work queue: the weekly schedule follows the saved
    // settings. When the queue is full the settings stay saved and the person is asked to save again.
    const responseUrl = settingsMetadata.decode(view.private_metadata)?.responseUrl;
    await services.work.run(
      () => applySettings(client, key, { weekly, day, time, nudges }, responseUrl, context.requestId),
      busyEphemeral(responseUrl, BUSY_SETTINGS) ?? busyInThread(client, key.userId, undefined, BUSY_SETTINGS),
    );
  });

  const applySettings = async (
    client: Args["client"],
    key: { teamId: string; userId: string },
    {
      weekly,
      day,
      time,
      nudges,
    }: { weekly: boolean; day: IsoWeekday; time: string; nudges: boolean | undefined },
    responseUrl: string | undefined,
    requestId: string,
  ): Promise<void> => {
    const context = { requestId };
    await setWeekly(services.store, client, key, { on: weekly, day, time }, new Date()).catch((err) =>
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "weekly schedule update failed",
      ),
    );
    if (nudges !== undefined) {
      // Nudges held until the rep chose follow or go.
      await chooseNudges(services.store, key, nudges, new Date()).then(
        () => services.wakeDeals?.(),
        (err) =>
          services.logger.error(
            { err: errorSummary(err), requestId: context.requestId },
            "nudge choice failed",
          ),
      );
    }
    const summary = `Saved. Weekly reflection ${weekly ? `on, ${dayLabel(day)}s at ${time}` : "off"}; deal nudges ${nudges === undefined ? "not chosen yet" : nudges ? "on" : "off"}.`;
    await postToResponseUrl(responseUrl, notice(summary)).catch(() => false);
    await publishHome(services, client, key).catch((err) =>
      services.logger.warn(
        { err: errorSummary(err), requestId: context.requestId },
        "home refresh after settings failed",
      ),
    );
  };
}
