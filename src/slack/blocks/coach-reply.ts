import type { CoachQuestion, CoachResult } from "../../coaching/coach.js";
import { angleValue, reflectValue } from "../button-values.js";
import { ACTION } from "../ids.js";
import { actions, type Block, button, context, section } from "./kit.js";
import { capBlocks, clip, escapeMrkdwn, LIMITS } from "./limits.js";
import type { Rendered } from "./messages.js";

// The coaching reply: the questions, each with Go deeper and helpful / not helpful, then Another angle and
// Reflect. Pure: the same result always renders the same JSON.

/** The "Another angle" button's value (button-values.ts): the situation, its stage, the themes shown. */
export function anglePayload(text: string, stage: string | null, shown: string[]): string | undefined {
  return angleValue.encode({ situation: text, stage, shownThemes: shown });
}

/**
 * The Reflect button's value: the questions' ids. Ids are the library's own and three at most, so this
 * fits; were it ever not to, the button still opens a reflection, on the fallback question.
 */
export function reflectButtonValue(questions: ReadonlyArray<{ id: string }>): string {
  return reflectValue.encode({ questions: questions.map((q) => q.id) }) ?? "";
}

export const themeLabel = (theme: string) => theme.replace(/_/g, " ");

export type { Rendered } from "./messages.js";

/**
 * Renders questions as a message. `situation` feeds "Another angle"; omit it to leave that button out.
 * `note` is a short line shown under the questions (why they come from the library, say).
 */
export function coachReplyBlocks(
  result: Pick<CoachResult, "questions" | "stage">,
  situation?: { text: string; shownThemes: string[] },
  note?: string,
): Rendered {
  const blocks: Block[] = [];
  result.questions.forEach((q, i) => {
    blocks.push(section(escapeMrkdwn(q.text), { block_id: clip(`q_${i}_${q.id}`, LIMITS.blockId) }));
    blocks.push(
      actions(`qa_${i}`, [
        button("Go deeper", ACTION.goDeeper, q.id),
        button("Helpful", ACTION.helpful, q.id),
        button("Not helpful", ACTION.notHelpful, q.id),
      ]),
    );
  });
  const footer = [
    button("Reflect", ACTION.reflect, reflectButtonValue(result.questions), { style: "primary" }),
  ];
  const angle = situation && anglePayload(situation.text, result.stage, situation.shownThemes);
  if (angle) footer.unshift(button("Another angle", ACTION.anotherAngle, angle));
  blocks.push(actions("coach_actions", footer));
  const themes = [...new Set(result.questions.map((q) => themeLabel(q.theme)))];
  const coachingOn = `Coaching on: ${themes.join(" · ")}. Your answers stay yours.`;
  blocks.push(context(note ? [note, coachingOn] : [coachingOn]));
  return {
    text: result.questions.map((q) => q.text).join("\n"),
    blocks: capBlocks(blocks, LIMITS.messageBlocks),
  };
}

/**
 * The reply to a rep who wrote about themselves (docs/person.md): the caring questions and nothing else.
 * No Go deeper, Helpful, Another angle or Reflect: each of those would record or count something, and
 * none of this is recorded or counted.
 */
export function caringReplyBlocks(result: Pick<CoachResult, "questions">): Rendered {
  const blocks: Block[] = result.questions.map((q, i) =>
    section(escapeMrkdwn(q.text), { block_id: clip(`q_${i}_${q.id}`, LIMITS.blockId) }),
  );
  blocks.push(
    context(["No deal questions this time. This stays between us: nothing here is kept or counted."]),
  );
  return { text: result.questions.map((q) => q.text).join("\n"), blocks };
}

/** One follow-up question ("Go deeper"), with the same per-question buttons. */
export function followUpBlocks(question: Pick<CoachQuestion, "id" | "text" | "theme">): Rendered {
  return coachReplyBlocks({
    questions: [{ ...question, signals: [] }],
    stage: null,
  });
}
