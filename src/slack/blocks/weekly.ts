import type { WeeklyPrompt } from "../../reflection/prompt.js";
import { weeklyValue } from "../button-values.js";
import { actions, type Block, button, context, plain, section } from "./kit.js";
import { capBlocks, clip, escapeMrkdwn, LIMITS } from "./limits.js";
import type { View } from "./modals.js";

// The weekly reflection's Slack messages: the prompt with its buttons, the
// answer modal, the "keep them coming?" question after 3 unanswered weeks, and the one invitation. Pure.
// Everything asked is a question that passes the guard; facts (deal names, the previous answer, what a
// button does) go in context blocks. The notification text is the question alone: a DM preview can show
// on a lock screen, and the rep's previous answer and deal names are private.

/** Buttons of the weekly messages, for the builders and the listeners. */
export const WEEKLY_ACTION = {
  answer: "weekly_answer",
  skip: "weekly_skip",
  pause: "weekly_pause",
  stop: "weekly_stop",
  keep: "weekly_keep",
  optIn: "weekly_opt_in",
} as const;

export const WEEKLY_VIEW = { answer: "weekly_answer_modal" } as const;

/** Block id and action id of the answer input (its value comes back in view.state). */
export const WEEKLY_INPUT = { answer: ["weekly_answer", "answer"] } as const;

/** Slack message metadata event_type of every weekly DM (the sender looks for it after a crash). */
export const WEEKLY_EVENT_TYPE = "deal_coach_weekly_prompt";

export interface WeeklyMessage {
  text: string;
  blocks: Block[];
  metadata?: { event_type: string; event_payload: Record<string, string> };
}

const ANSWER_MAX_CHARS = 3000;

/**
 * Escapes user or CRM text for mrkdwn and clips it so the escaped result fits `max`: clipping after
 * escaping could cut an entity in half ("&am…"), clipping before could overflow ("<" becomes "&lt;").
 */
function escapeClipped(raw: string, max: number): string {
  let keep = Math.min(raw.length, max);
  for (;;) {
    const out = escapeMrkdwn(clip(raw, keep));
    if (out.length <= max || keep <= 1) return out;
    keep -= Math.max(1, out.length - max);
  }
}

export function weeklyPromptMessage(prompt: WeeklyPrompt, week: string): Required<WeeklyMessage> {
  // Prompt ids are the library's and weeks ISO weeks: this always fits (button-values.ts).
  const value = weeklyValue.encode({ prompt: prompt.id, week }) ?? "";
  const blocks: Block[] = [];
  if (prompt.quote) {
    const lead = escapeClipped(prompt.quoteLead ?? "Last time you wrote", 100);
    const room = LIMITS.sectionText - lead.length - 4;
    blocks.push(context([`${lead}: “${escapeClipped(prompt.quote, room)}”`]));
  }
  if (prompt.context) blocks.push(context([escapeClipped(prompt.context, LIMITS.sectionText)]));
  blocks.push(
    section(escapeClipped(prompt.text, LIMITS.sectionText), { block_id: "weekly_question" }),
    actions("weekly_actions", [
      button("Answer", WEEKLY_ACTION.answer, value, { style: "primary" }),
      button("Skip this week", WEEKLY_ACTION.skip, value),
      button("Pause 4 weeks", WEEKLY_ACTION.pause, value),
      button("Stop", WEEKLY_ACTION.stop, value),
    ]),
    context(["Only you see this question and your answer."]),
  );
  return {
    text: escapeClipped(prompt.text, LIMITS.sectionText),
    blocks: capBlocks(blocks, LIMITS.messageBlocks),
    metadata: { event_type: WEEKLY_EVENT_TYPE, event_payload: { week } },
  };
}

export function weeklyAnswerModal(promptText: string, metadata: string): View {
  const blocks: Block[] = [
    section(`*${escapeClipped(promptText, LIMITS.sectionText - 2)}*`),
    {
      type: "input",
      block_id: WEEKLY_INPUT.answer[0],
      label: plain("Your answer", 2000),
      optional: false,
      element: {
        type: "plain_text_input",
        action_id: WEEKLY_INPUT.answer[1],
        multiline: true,
        max_length: ANSWER_MAX_CHARS,
      },
    },
    context([
      "Private: stored for you alone, never posted or shared. Next week's message may quote it back to you.",
    ]),
  ];
  return {
    type: "modal",
    callback_id: WEEKLY_VIEW.answer,
    title: plain("Weekly reflection", LIMITS.modalTitle),
    submit: plain("Save", LIMITS.modalTitle),
    close: plain("Cancel", LIMITS.modalTitle),
    private_metadata: clip(metadata, LIMITS.privateMetadata),
    blocks: capBlocks(blocks, LIMITS.viewBlocks),
  };
}

export const KEEP_GOING_QUESTION = "How would you like the weekly questions to go from here?";

/**
 * After 3 unanswered weeks: the one message asking whether to keep the prompts coming. With `week`, it
 * carries the same metadata event_type as a prompt (payload { week, kind: "keep_going" }), so a sender
 * recovering from a crash finds it like a prompt of that week.
 */
export function keepGoingMessage(week?: string): WeeklyMessage {
  const blocks: Block[] = [
    context([
      "Your last 3 weekly questions went unanswered, and that's fine. No more will come until you choose.",
    ]),
    section(KEEP_GOING_QUESTION, { block_id: "weekly_keep_going" }),
    actions("weekly_keep_actions", [
      button("Keep them coming", WEEKLY_ACTION.keep, "keep", { style: "primary" }),
      button("Pause 4 weeks", WEEKLY_ACTION.pause, "pause"),
      button("Stop", WEEKLY_ACTION.stop, "stop"),
    ]),
  ];
  return {
    text: KEEP_GOING_QUESTION,
    blocks,
    ...(week !== undefined
      ? { metadata: { event_type: WEEKLY_EVENT_TYPE, event_payload: { week, kind: "keep_going" } } }
      : {}),
  };
}

/** "How would a private question about your week, every Friday, fit the way you work?" */
export function invitationQuestion(day = "Friday"): string {
  return `How would a private question about your week, every ${day}, fit the way you work?`;
}

/**
 * The one invitation after a rep first uses the bot. `when` is the workspace's default day (an English
 * day name) and local time; the defaults are Friday and 15:00.
 */
export function weeklyInvitation(when: { day?: string; time?: string } = {}): WeeklyMessage {
  const day = when.day ?? "Friday";
  const time = when.time ?? "15:00";
  const question = invitationQuestion(day);
  return {
    text: question,
    blocks: [
      section(escapeMrkdwn(question), { block_id: "weekly_invitation" }),
      context([
        escapeMrkdwn(
          `Optional: one question about your own week and deals, by DM, on ${day}s at ${time} your time. ` +
            "Answers stay private to you. Change the day in App Home, or stop any time with `/coach weekly off`.",
        ),
      ]),
      actions("weekly_invitation_actions", [
        button(`Yes, weekly on ${day}s`, WEEKLY_ACTION.optIn, "opt_in", { style: "primary" }),
      ]),
    ],
  };
}
