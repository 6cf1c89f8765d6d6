// Text clean-up shared by the signal extractor and the guard. Reps write in Slack markup, with emoji,
// curly quotes and the odd tokenizer artefact ("do n't"); both sides must see the same plain text.
// Every pattern here must stay linear on any input (test/unit/regex-linear-*.test.ts): webhook notes and
// Slack messages reach it.

// A link or mention never holds a raw "<": Slack escapes it as &lt;. Excluding it stops each "<" from
// scanning to the end of a text that never closes one.
const SLACK_LINK = /<(https?:[^|<>]+)(?:\|([^<>]+))?>/g;
const SLACK_MENTION = /<[@!#][^<>|]*(?:\|([^<>]+))?>/g;
const SHORTCODE_EMOJI = /:[a-z0-9_+-]+:/gi;
// Emoji, skin-tone modifiers, variation selectors and joiners, removed one code point at a time.
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u{FE0F}|\u{200D}/gu;
const SPLIT_CONTRACTION = /\b(\w+) (n't|'s|'re|'ve|'ll|'d|'m)\b/gi;
const WHITESPACE = /\s/;
const EMPHASIS_MARK = new Set(["*", "_", "~"]);
const AFTER_CLOSING_MARK = new Set([".", ",", "!", "?", ";", ":"]);

/** Plain text: Slack markup resolved, emoji removed, quotes straightened, whitespace collapsed. */
export function normalizeText(raw: string): string {
  const text = raw
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u201A\u201B\u2032`´]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033«»]/g, '"')
    .replace(/[\u2013\u2014\u2212]/g, "-")
    .replace(/\u2026/g, "...")
    .replace(SLACK_LINK, (_m, url: string, label?: string) => label ?? url)
    .replace(SLACK_MENTION, (_m, label?: string) => label ?? "")
    .replace(SHORTCODE_EMOJI, " ")
    .replace(PICTOGRAPH, " ");
  return (
    stripEmphasis(text)
      .replace(SPLIT_CONTRACTION, "$1$2")
      .replace(/[ \t\u00A0]+/g, " ")
      // Spaces come single after the line above, so " ?" is " *" without its quadratic retries.
      .replace(/ ?\n+ ?/g, "\n")
      .trim()
  );
}

/**
 * Removes emphasis marks (runs of *, _ and ~) that open or close a word, as
 * `replace(/(^|\s)[*_~]+(?=\S)|(?<=\S)[*_~]+(?=\s|$|[.,!?;:])/g, "$1")` did, in one pass: that regex
 * re-read a run from each of its characters, quadratic on a long run. A run opens a word after a space
 * or the start (all of it when a word follows, all but its last mark when the run ends the text or a
 * space follows), and closes one after a non-space when a space, a punctuation mark or the end follows.
 */
export function stripEmphasis(text: string): string {
  // Most messages have no mark at all: nothing to strip (coach() runs this on every message).
  if (!text.includes("*") && !text.includes("_") && !text.includes("~")) return text;
  const n = text.length;
  const isSpace = (i: number) => WHITESPACE.test(text.charAt(i));
  const isMark = (i: number) => i < n && EMPHASIS_MARK.has(text.charAt(i));
  // The end of the run of marks that starts at `from`, remembered for the run being read.
  let runFrom = -1;
  let runEnd = -1;
  const runEndFrom = (from: number): number => {
    if (from >= runFrom && from < runEnd) return runEnd;
    let end = from;
    while (isMark(end)) end++;
    runFrom = from;
    runEnd = end;
    return end;
  };
  // An opening run that starts at `from`: where its match ends, or -1.
  const opening = (from: number): number => {
    if (!isMark(from)) return -1;
    const end = runEndFrom(from);
    if (end < n && !isSpace(end)) return end;
    return end - from >= 2 ? end - 1 : -1;
  };

  let out = "";
  let copied = 0;
  let at = 0;
  while (at < n) {
    let end = -1;
    let keep = "";
    if (at === 0) end = opening(0);
    if (end < 0 && isSpace(at)) {
      end = opening(at + 1);
      keep = text.charAt(at);
    }
    if (end < 0 && at > 0 && !isSpace(at - 1) && isMark(at)) {
      const closing = runEndFrom(at);
      if (closing === n || isSpace(closing) || AFTER_CLOSING_MARK.has(text.charAt(closing))) {
        end = closing;
        keep = "";
      }
    }
    if (end < 0) {
      at++;
      continue;
    }
    out += text.slice(copied, at) + keep;
    copied = end;
    at = end;
  }
  return out + text.slice(copied);
}
