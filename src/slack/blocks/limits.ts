// Slack's Block Kit limits (docs/block-kit.md). Builders clip to them so a long question, a long deal name or
// a pasted email can never make Slack reject a message with invalid_blocks.

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  actionId: 255,
  blockId: 255,
  buttonValue: 2000,
  contextElements: 10,
  modalTitle: 24,
  privateMetadata: 3000,
  optionText: 75,
  inputInitialValue: 3000,
} as const;

/** Cuts text to at most `max` characters, ending with an ellipsis when it had to cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Escapes the three characters mrkdwn treats as markup, for text the user or a CRM wrote. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Keeps at most `max` blocks; the builders put what matters first, so the tail is what goes. */
export function capBlocks<T>(blocks: readonly T[], max: number): T[] {
  return blocks.slice(0, max);
}
