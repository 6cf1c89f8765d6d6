// Text clean-up shared by the signal extractor and the guard. Reps write in Slack markup, with emoji,
// curly quotes and the odd tokenizer artefact ("do n't"); both sides must see the same plain text.

const SLACK_LINK = /<(https?:[^|>]+)(?:\|([^>]+))?>/g;
const SLACK_MENTION = /<[@!#][^>|]*(?:\|([^>]+))?>/g;
const SHORTCODE_EMOJI = /:[a-z0-9_+-]+:/gi;
// Emoji, skin-tone modifiers, variation selectors and joiners, removed one code point at a time.
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u{FE0F}|\u{200D}/gu;
const SPLIT_CONTRACTION = /\b(\w+) (n't|'s|'re|'ve|'ll|'d|'m)\b/gi;

/** Plain text: Slack markup resolved, emoji removed, quotes straightened, whitespace collapsed. */
export function normalizeText(raw: string): string {
  return raw
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u201A\u201B\u2032`´]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033«»]/g, '"')
    .replace(/[\u2013\u2014\u2212]/g, "-")
    .replace(/\u2026/g, "...")
    .replace(SLACK_LINK, (_m, url: string, label?: string) => label ?? url)
    .replace(SLACK_MENTION, (_m, label?: string) => label ?? "")
    .replace(SHORTCODE_EMOJI, " ")
    .replace(PICTOGRAPH, " ")
    .replace(/(^|\s)[*_~]+(?=\S)|(?<=\S)[*_~]+(?=\s|$|[.,!?;:])/g, "$1")
    .replace(SPLIT_CONTRACTION, "$1$2")
    .replace(/[ \t\u00A0]+/g, " ")
    .replace(/ *\n+ */g, "\n")
    .trim();
}
