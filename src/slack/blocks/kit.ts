import type { types } from "@slack/bolt";
import { clip, LIMITS } from "./limits.js";

// Small typed constructors for the few Block Kit elements the app uses; each clips to Slack's limits.
// The types are Slack's own (@slack/types, through Bolt), so the compiler checks every block and view the
// builders return against what Slack accepts (docs/block-kit.md).

/** A block the app renders: one of Slack's known block types. */
export type Block = types.KnownBlock;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type ButtonElement = types.Button;
export type ActionsElement = types.ActionsBlockElement;
export type StaticSelectElement = types.StaticSelect;
export type PlainText = types.PlainTextElement;
export type Mrkdwn = types.MrkdwnElement;
export type Option = types.PlainTextOption;
export type SectionBlock = types.SectionBlock;
export type InputBlock = types.InputBlock;

export const plain = (text: string, max: number = LIMITS.sectionText): PlainText => ({
  type: "plain_text",
  text: clip(text, max),
  emoji: true,
});
export const mrkdwn = (text: string, max: number = LIMITS.sectionText): Mrkdwn => ({
  type: "mrkdwn",
  text: clip(text, max),
});

export function section(
  text: string,
  extra: Pick<types.SectionBlock, "block_id" | "accessory"> = {},
): types.SectionBlock {
  return { type: "section", text: mrkdwn(text), ...extra };
}

export function header(text: string): types.HeaderBlock {
  return { type: "header", text: plain(text, LIMITS.headerText) };
}

export function context(texts: string[]): types.ContextBlock {
  return { type: "context", elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(t)) };
}

export const divider = (): types.DividerBlock => ({ type: "divider" });

export function button(
  text: string,
  actionId: string,
  value?: string,
  extra: Pick<types.Button, "style" | "confirm" | "accessibility_label"> = {},
): types.Button {
  return {
    type: "button",
    text: plain(text, LIMITS.buttonText),
    action_id: clip(actionId, LIMITS.actionId),
    ...(value !== undefined ? { value: clip(value, LIMITS.buttonValue) } : {}),
    ...extra,
  };
}

export function actions(blockId: string, elements: ActionsElement[]): types.ActionsBlock {
  return { type: "actions", block_id: clip(blockId, LIMITS.blockId), elements: elements.slice(0, 25) };
}

export function option(text: string, value: string): Option {
  return { text: plain(text, LIMITS.optionText), value };
}
