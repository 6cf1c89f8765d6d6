// How much of a text the coach analyses, per surface: the first N characters, never a rejection for
// length. Every pattern is linear (test/unit/regex-linear-*.test.ts), so these bound the work per input
// to a fixed cost rather than guarding against blow-ups; they are documented in README.md "Input limits".

export const INPUT_LIMITS = {
  /**
   * A situation to coach on: /coach text, DMs, mentions, deal-channel messages and `deal-coach ask`.
   * A rep describes a deal in a paragraph or two; 4,000 characters is Slack's own limit for a slash
   * command's text, so a /coach is never cut, and longer pastes are mostly boilerplate below the fold.
   */
  situation: 4_000,
  /**
   * A CRM note on a deal update (webhook `note`, HubSpot/Pipedrive text fields that become one). Notes
   * lead with what changed; the first 4,000 characters are what the nudge's situation text keeps anyway.
   */
  crmNote: 4_000,
  /**
   * A short CRM text field read for meaning (next step, competitor, lost reason): a label or a sentence.
   * Stored whole; only the analysis reads the first 500 characters.
   */
  crmField: 500,
  /**
   * A candidate reply checked by the guard (`deal-coach lint`, library questions). A passing reply is at
   * most two sentences of 30 words, well under 1,000 characters; a longer one is rejected as too_long
   * whatever its start says.
   */
  reply: 1_000,
  /**
   * The source a model-fitted question's words are looked up in (docs/fitted.md): a situation and its
   * trimmed history. A word the model can only have found further on is not one it was given.
   */
  fittedSource: 16_000,
} as const;

export type InputSurface = keyof typeof INPUT_LIMITS;

/** The first `limit` characters of `text`, not splitting a surrogate pair at the cut. */
export function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const last = text.charCodeAt(limit - 1);
  // A high surrogate at the cut would leave half a character: cut before it instead.
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? limit - 1 : limit);
}

/** `text` cut to the limit of its surface. */
export function clipFor(surface: InputSurface, text: string): string {
  return clip(text, INPUT_LIMITS[surface]);
}
