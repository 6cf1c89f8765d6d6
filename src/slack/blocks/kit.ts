import { clip, LIMITS } from "./limits.js";

// Small typed constructors for the few Block Kit elements the app uses; each clips to Slack's limits.

export type Block = Record<string, unknown>;

export const plain = (text: string, max: number = LIMITS.sectionText) => ({
  type: "plain_text",
  text: clip(text, max),
  emoji: true,
});
export const mrkdwn = (text: string, max: number = LIMITS.sectionText) => ({
  type: "mrkdwn",
  text: clip(text, max),
});

export function section(text: string, extra: Record<string, unknown> = {}): Block {
  return { type: "section", text: mrkdwn(text), ...extra };
}

export function header(text: string): Block {
  return { type: "header", text: plain(text, LIMITS.headerText) };
}

export function context(texts: string[]): Block {
  return { type: "context", elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(t)) };
}

export const divider = (): Block => ({ type: "divider" });

export function button(
  text: string,
  actionId: string,
  value?: string,
  extra: { style?: "primary" | "danger"; confirm?: Block; accessibility_label?: string } = {},
): Block {
  return {
    type: "button",
    text: plain(text, LIMITS.buttonText),
    action_id: clip(actionId, LIMITS.actionId),
    ...(value !== undefined ? { value: clip(value, LIMITS.buttonValue) } : {}),
    ...extra,
  };
}

export function actions(blockId: string, elements: Block[]): Block {
  return { type: "actions", block_id: clip(blockId, LIMITS.blockId), elements: elements.slice(0, 25) };
}

export function option(text: string, value: string) {
  return { text: plain(text, LIMITS.optionText), value };
}
