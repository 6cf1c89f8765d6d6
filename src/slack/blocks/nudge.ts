import type { CoachQuestion } from "../../coaching/coach.js";
import type { DealSource } from "../../deals/types.js";
import { nudgeDealValue } from "../button-values.js";
import { ACTION, NUDGE_ACTION } from "../ids.js";
import { reflectButtonValue } from "./coach-reply.js";
import { actions, type Block, button, context, section } from "./kit.js";
import { capBlocks, clip, escapeMrkdwn, LIMITS } from "./limits.js";
import { defaultOnNotice, stopButton } from "./nudge-choice.js";

// A deal nudge: names the deal and what changed (a fact, not advice), asks its questions, and offers
// Reflect, Snooze this deal (1 week) and Mute this deal. The first nudge of a rep whose workspace made
// nudges on by default says so, and adds Stop. Pure.

export function nudgeBlocks(input: {
  dealName: string;
  summary: string;
  questions: readonly CoachQuestion[];
  source: DealSource;
  dealId: string;
  /** The rep's first nudge under their workspace's default-on: say so, and offer Stop. */
  defaultOnNotice?: boolean;
}): { text: string; blocks: Block[] } {
  // A deal id too long for a button (no CRM's is) leaves Snooze and Mute out rather than break them.
  const value = nudgeDealValue.encode({ source: input.source, dealId: input.dealId });
  const blocks: Block[] = [
    ...(input.defaultOnNotice ? [section(defaultOnNotice(), { block_id: "nudge_default_on" })] : []),
    context([`*${escapeMrkdwn(clip(input.dealName, 150))}*: ${escapeMrkdwn(clip(input.summary, 500))}`]),
    ...input.questions.map((q, i) =>
      section(escapeMrkdwn(q.text), { block_id: clip(`q_${i}_${q.id}`, LIMITS.blockId) }),
    ),
    actions("nudge_actions", [
      button("Reflect", ACTION.reflect, reflectButtonValue(input.questions), { style: "primary" }),
      ...(value
        ? [
            button("Snooze this deal (1 week)", NUDGE_ACTION.snooze, value),
            button("Mute this deal", NUDGE_ACTION.mute, value),
          ]
        : []),
      ...(input.defaultOnNotice ? [stopButton()] : []),
    ]),
  ];
  const text = `${input.dealName}: ${input.questions.map((q) => q.text).join(" ")}`;
  return { text: clip(text, 3000), blocks: capBlocks(blocks, LIMITS.messageBlocks) };
}
