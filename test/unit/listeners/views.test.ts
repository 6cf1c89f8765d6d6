import { describe, expect, it } from "vitest";
import { WEEKLY_INPUT } from "../../../src/slack/blocks/weekly.js";
import {
  reflectMetadata,
  settingsMetadata,
  situationMetadata,
  weeklyAnswerMetadata,
} from "../../../src/slack/button-values.js";
import { INPUT } from "../../../src/slack/ids.js";
import { reflectSubmitted, type SaveReflection } from "../../../src/slack/listeners/views/reflect.js";
import { type SettingsSteps, settingsSubmitted } from "../../../src/slack/listeners/views/settings.js";
import { type CoachSituation, situationSubmitted } from "../../../src/slack/listeners/views/situation.js";
import type { ViewArgs } from "../../../src/slack/listeners/views/submission.js";
import {
  type SaveWeeklyAnswer,
  weeklyAnswerSubmitted,
} from "../../../src/slack/listeners/views/weekly-answer.js";
import { call, fakeClient, fakeServices, recorder } from "./fakes.js";

// Each modal's listener: a missing answer is an error in the modal and nothing else happens; otherwise the
// ack and one function, given what the modal held.

const KEY = { teamId: "T1", userId: "U1" };
const URL = "https://hooks.slack.test/commands/T1/2/xyz";

type Values = Record<
  string,
  Record<string, { type: string; value?: string; selected_option?: { value: string } }>
>;
const typed = (ids: readonly [string, string], value: string): Values => ({
  [ids[0]]: { [ids[1]]: { type: "plain_text_input", value } },
});
const picked = (ids: readonly [string, string], value: string): Values => ({
  [ids[0]]: { [ids[1]]: { type: "static_select", selected_option: { value } } },
});

function viewArgs(values: Values, metadata = "") {
  const ack = recorder();
  const { client } = fakeClient();
  const args = {
    ack,
    client,
    context: { requestId: "req-9" },
    body: { user: { id: "U1", team_id: "T1" }, team: { id: "T1" } },
    view: { state: { values }, private_metadata: metadata },
  } as unknown as ViewArgs;
  return { args, ack, client };
}

describe("situation form", () => {
  it("without what happened: an error under that input, no coaching", async () => {
    const { services } = fakeServices();
    const coach = recorder<Parameters<CoachSituation>, void>();
    const { args, ack } = viewArgs(typed(INPUT.deal, "Globex"));
    await situationSubmitted(services, coach)(args);
    expect(call(ack)[0]).toEqual({
      response_action: "errors",
      errors: { [INPUT.happened[0]]: "Tell me a little about what happened." },
    });
    expect(coach.calls).toHaveLength(0);
  });

  it("acks, then coaches on deal, stage and what happened, answering where /coach was typed", async () => {
    const { services, queued } = fakeServices();
    const coach = recorder<Parameters<CoachSituation>, void>();
    const values = {
      ...typed(INPUT.happened, "  went quiet  "),
      ...typed(INPUT.deal, "Globex"),
      ...picked(INPUT.stage, "discovery"),
    };
    const { args, ack, client } = viewArgs(
      values,
      situationMetadata.encode({ responseUrl: URL, channel: "C1" }),
    );
    await situationSubmitted(services, coach)(args);
    expect(call(ack)).toEqual([]);
    const [, givenClient, situation] = call(coach);
    expect(givenClient).toBe(client);
    expect(situation).toEqual({
      key: KEY,
      happened: "went quiet",
      deal: "Globex",
      stage: "discovery",
      responseUrl: URL,
      requestId: "req-9",
    });
    expect(queued).toEqual([{ busy: true }]);
  });

  it("an unknown stage and an old modal's metadata are left out, not guessed", async () => {
    const { services } = fakeServices();
    const coach = recorder<Parameters<CoachSituation>, void>();
    const { args } = viewArgs(
      { ...typed(INPUT.happened, "x"), ...picked(INPUT.stage, "closing-ish") },
      "{not json",
    );
    await situationSubmitted(services, coach)(args);
    expect(call(coach)[2]).toMatchObject({ stage: undefined, responseUrl: undefined, deal: undefined });
  });
});

describe("reflect", () => {
  it("saves the answer with the question ids, then shows the saved view", async () => {
    const { services } = fakeServices();
    const save = recorder<Parameters<SaveReflection>, void>();
    const { args, ack } = viewArgs(
      typed(INPUT.answer, " I never asked who signs "),
      reflectMetadata.encode({ questions: ["q1", "q2"] }),
    );
    await reflectSubmitted(services, save)(args);
    expect(call(save).slice(1)).toEqual([
      KEY,
      { questionIds: ["q1", "q2"], answer: "I never asked who signs" },
    ]);
    expect(call(ack)[0]).toMatchObject({ response_action: "update" });
  });

  it("a failed save keeps the modal open with an apology, and is logged", async () => {
    const { services, logger } = fakeServices();
    const save = recorder<Parameters<SaveReflection>, void>(() => Promise.reject(new Error("disk full")));
    const { args, ack } = viewArgs(typed(INPUT.answer, "words"));
    await reflectSubmitted(services, save)(args);
    expect(ack.calls).toEqual([
      [
        {
          response_action: "errors",
          errors: { [INPUT.answer[0]]: "Sorry, I couldn't save that just now. Please try again." },
        },
      ],
    ]);
    expect(logger.lines.map((l) => l.message)).toContain("saving a reflection failed");
  });

  it("an empty answer is an error in the modal, nothing saved", async () => {
    const { services } = fakeServices();
    const save = recorder<Parameters<SaveReflection>, void>();
    const { args, ack } = viewArgs(typed(INPUT.answer, "   "));
    await reflectSubmitted(services, save)(args);
    expect(call(ack)[0]).toMatchObject({ response_action: "errors" });
    expect(save.calls).toHaveLength(0);
  });
});

describe("weekly answer", () => {
  it("saves the answer with the prompt it answers, then shows the saved view", async () => {
    const { services } = fakeServices();
    const save = recorder<Parameters<SaveWeeklyAnswer>, void>();
    const prompt = { prompt: "p1", week: "2026-W49", question: "What did you learn?" };
    const { args, ack } = viewArgs(typed(WEEKLY_INPUT.answer, "a lot"), weeklyAnswerMetadata.encode(prompt));
    await weeklyAnswerSubmitted(services, save)(args);
    expect(call(save).slice(1)).toEqual([KEY, "a lot", prompt]);
    expect(call(ack)[0]).toMatchObject({ response_action: "update" });
  });

  it("unreadable metadata still saves the answer, on no particular prompt", async () => {
    const { services } = fakeServices();
    const save = recorder<Parameters<SaveWeeklyAnswer>, void>();
    const { args } = viewArgs(typed(WEEKLY_INPUT.answer, "a lot"), "garbage");
    await weeklyAnswerSubmitted(services, save)(args);
    expect(call(save).slice(1)).toEqual([KEY, "a lot", undefined]);
  });
});

describe("settings", () => {
  const form = {
    ...picked(INPUT.weekly, "on"),
    ...picked(INPUT.weeklyDay, "5"),
    ...picked(INPUT.weeklyTime, "15:00"),
    ...picked(INPUT.quietHours, "default"),
    ...picked(INPUT.nudges, "off"),
  };

  it("saves before the ack, then applies the settings in the work queue", async () => {
    const { services } = fakeServices();
    const order: string[] = [];
    const steps = {
      save: recorder<Parameters<SettingsSteps["save"]>, void>(() => void order.push("save")),
      apply: recorder<Parameters<SettingsSteps["apply"]>, void>(() => void order.push("apply")),
    };
    const { args, ack } = viewArgs(form, settingsMetadata.encode({ responseUrl: URL }));
    const acked = recorder(() => void order.push("ack"));
    (args as { ack: unknown }).ack = acked;
    await settingsSubmitted(services, steps)(args);
    expect(order).toEqual(["save", "ack", "apply"]);
    const chosen = { weekly: true, day: 5, time: "15:00", quiet: null, nudges: false };
    expect(call(steps.save).slice(1)).toEqual([KEY, chosen]);
    expect(call(steps.apply).slice(2)).toEqual([KEY, chosen, URL, "req-9"]);
    expect(ack.calls).toHaveLength(0);
  });

  it("nudges left unchosen stay unchosen; no day is an error and nothing is saved", async () => {
    const { services } = fakeServices();
    const steps = {
      save: recorder<Parameters<SettingsSteps["save"]>, void>(),
      apply: recorder<Parameters<SettingsSteps["apply"]>, void>(),
    };
    const { [INPUT.nudges[0]]: _, ...noNudges } = form;
    await settingsSubmitted(services, steps)(viewArgs(noNudges).args);
    expect(call(steps.save)[2]).toMatchObject({ nudges: undefined });

    const { [INPUT.weeklyDay[0]]: __, ...noDay } = form;
    const { args, ack } = viewArgs(noDay);
    await settingsSubmitted(services, steps)(args);
    expect(call(ack)[0]).toEqual({
      response_action: "errors",
      errors: { [INPUT.weeklyDay[0]]: "Please pick a day and a time." },
    });
    expect(steps.save.calls).toHaveLength(1);
  });
});
