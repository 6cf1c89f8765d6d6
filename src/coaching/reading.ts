// Reading a rep's text as a person would (docs/real-seller-posts.md "Reading long text"): whose words are
// whose, and where the point is. Pure, and linear in the text: one pass over the lines, one scan for
// reported speech, one split into sentences.
//
// - Quoted customer words are the customer's: lines that start with ">", dialogue lines with a speaker
//   other than the rep ("Client: ...", "PL: ..."), a pasted e-mail after a line ending in ":" that
//   starts with a greeting, and what follows "they said", "he told me", "the client asked"... to the end
//   of the clause (or the closing quote). A customer's "too expensive" still reads as a price objection;
//   the rep's feelings and requests are read from the rep's own words only.
// - In a long text (a post with a story), the first line is its title, and the rep's own questions
//   ("how do I...", "should I...", "is it normal that...", "any advice") say what it is about. Those two
//   weigh most; a word deep in the story weighs less unless it comes back.

/** Shorter texts are read whole: a one-line Slack message has no title and no story around its point. */
export const LONG_TEXT_CHARS = 280;

export interface Reading {
  /** A post with a story (at least LONG_TEXT_CHARS), where the title and the rep's questions lead. */
  long: boolean;
  /** The rep's own words: the text with the quoted customer words blanked out (same length). */
  rep: string;
  /** The quoted customer words, one span per line. */
  customer: string;
  /** Long text only: the title and the rep's own questions, one per line; "" otherwise. */
  focus: string;
}

// A dialogue line's speaker who is the rep ("me:"), or a heading written by the rep ("edit:", "tl;dr:").
const REP_SPEAKERS = new Set([
  "me",
  "i",
  "us",
  "we",
  "edit",
  "edit 2",
  "update",
  "tl;dr",
  "tldr",
  "ps",
  "p.s",
  "note",
  "background",
  "challenges",
  "strategy",
  "question",
  "my question",
  "context",
  "re",
  "fyi",
]);
const CUSTOMER_SPEAKERS = new Set([
  "client",
  "customer",
  "prospect",
  "buyer",
  "owner",
  "boss",
  "manager",
  "him",
  "her",
  "he",
  "she",
  "they",
  "them",
]);

/** "pl: we're not paying" or "client: what's your budget?": the speaker, or undefined. */
function speaker(line: string): string | undefined {
  const colon = line.indexOf(":");
  if (colon < 1 || colon > 12) return undefined;
  const who = line.slice(0, colon).trim();
  if (REP_SPEAKERS.has(who)) return undefined;
  if (CUSTOMER_SPEAKERS.has(who)) return who;
  // Initials or a short name ("pl", "max"): letters only, at most three.
  return /^[a-z]{2,3}$/.test(who) ? who : undefined;
}

const GREETING = /^(?:hi|hello|hey|dear|good (?:morning|afternoon))\b/;
const SIGN_OFF =
  /^(?:thanks|thank you|best|regards|kind regards|best regards|cheers|sincerely|many thanks)\b/;
// "they said", "the client told me", "he asked": what follows, to the end of the clause, is theirs.
const REPORTED =
  /\b(?:they|he|she|the client|the customer|client|customer|the prospect|prospect|the owner|the boss|their boss|the buyer)(?: (?:just|then|also|finally|basically|literally))? (?:said|says|told (?:me|us)|tells (?:me|us)|asked|asks|wrote|writes|replied|replies|responded|emailed|texted|goes|went like)\b/g;

function blank(chars: string[], from: number, to: number): void {
  for (let i = from; i < to; i++) if (chars[i] !== "\n") chars[i] = " ";
}

/** The end of a reported clause starting at `from`: its closing quote, or the next . ! ? ; or line end. */
function clauseEnd(lower: string, from: number): number {
  let i = from;
  while (i < lower.length && (lower[i] === " " || lower[i] === ":" || lower[i] === ",")) i++;
  if (lower[i] === '"') {
    const close = lower.indexOf('"', i + 1);
    const eol = lower.indexOf("\n", i + 1);
    if (close !== -1 && (eol === -1 || close < eol)) return close + 1;
  }
  for (; i < lower.length; i++) {
    const c = lower[i];
    if (c === "." || c === "!" || c === "?" || c === ";" || c === "\n") return i + 1;
  }
  return lower.length;
}

const REP_QUESTION =
  /\b(?:how (?:do|should|can|would|could|did) (?:i|we|you)|how to|how much|what (?:should|would|do|can|could) (?:i|we|you)|what to|what's (?:a|the) (?:fair|best|right|normal|usual)|what is (?:a|the) (?:fair|best|right|normal|usual)|is it (?:normal|ok|okay|fair|common|wrong|reasonable)|should i|should we|can i|am i|was i|did i|do you|does anyone|any (?:advice|tips|ideas|thoughts|suggestions)|what would you do|looking for (?:advice|feedback|help)|need (?:advice|help))\b/;

/** The rep's own questions in their words: sentences that end in "?" or are worded as a question. */
function questions(rep: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= rep.length; i++) {
    const c = rep[i];
    if (i < rep.length && c !== "?" && c !== "." && c !== "!" && c !== "\n") continue;
    const sentence = rep.slice(start, c === "?" ? i + 1 : i).trim();
    if (sentence !== "" && (c === "?" || REP_QUESTION.test(sentence))) out.push(sentence);
    start = i + 1;
  }
  return out;
}

/** Reads one normalised, lower-cased text. */
export function readText(lower: string): Reading {
  // The customer's spans as [from, to) pairs; most messages have none, and then the rep's words are the
  // text itself (coach() runs on every message: no copy unless something is quoted).
  const spans: number[] = [];
  const take = (from: number, to: number) => {
    if (to > from) spans.push(from, to);
  };

  let offset = 0;
  let inEmail = false;
  let previous = "";
  const multiline = lower.includes("\n");
  for (const line of multiline ? lower.split("\n") : [lower]) {
    const trimmed = line.trim();
    const end = offset + line.length;
    if (inEmail) {
      take(offset, end);
      if (SIGN_OFF.test(trimmed)) inEmail = false;
    } else if (trimmed.startsWith(">")) {
      take(offset, end);
    } else if (multiline && previous.endsWith(":") && GREETING.test(trimmed)) {
      inEmail = !SIGN_OFF.test(trimmed);
      take(offset, end);
    } else {
      const who = speaker(trimmed);
      if (who !== undefined) take(offset + line.indexOf(":") + 1, end);
    }
    if (trimmed !== "") previous = trimmed;
    offset = end + 1;
  }

  REPORTED.lastIndex = 0;
  for (let m = REPORTED.exec(lower); m !== null; m = REPORTED.exec(lower)) {
    const from = m.index + m[0].length;
    const to = clauseEnd(lower, from);
    take(from, to);
    REPORTED.lastIndex = Math.max(REPORTED.lastIndex, to);
  }

  let rep = lower;
  const customer: string[] = [];
  if (spans.length > 0) {
    const chars = lower.split("");
    for (let i = 0; i < spans.length; i += 2) {
      const from = spans[i] as number;
      const to = spans[i + 1] as number;
      customer.push(lower.slice(from, to));
      blank(chars, from, to);
    }
    rep = chars.join("");
  }
  const long = lower.length >= LONG_TEXT_CHARS;
  let focus = "";
  if (long) {
    const firstBreak = rep.indexOf("\n");
    const title = firstBreak > 0 && firstBreak <= 200 ? rep.slice(0, firstBreak).trim() : "";
    focus = [title, ...questions(rep)].filter((s) => s !== "").join("\n");
  }
  return { long, rep, customer: customer.join("\n"), focus };
}
