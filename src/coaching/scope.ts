// What a word in the rep's text is in the scope of (docs/method.md, "Scope: negation, conditions and the
// future"): a negation that denies it ("nobody on their side has pushed back on price"), or a condition
// or a future that makes it not (yet) a fact ("if we get to a demo", "once they have signed"). Pure,
// and a bounded look back from one position: no regex over the text, so nothing here can backtrack.

const NEGATORS = new Set([
  "no",
  "not",
  "nobody",
  "noone",
  "never",
  "none",
  "nothing",
  "neither",
  "nor",
  "without",
  "zero",
  "cannot",
  "didn't",
  "didnt",
  "don't",
  "dont",
  "doesn't",
  "doesnt",
  "hasn't",
  "hasnt",
  "haven't",
  "havent",
  "hadn't",
  "isn't",
  "isnt",
  "aren't",
  "arent",
  "wasn't",
  "wasnt",
  "weren't",
  "won't",
  "wont",
  "wouldn't",
  "can't",
  "cant",
]);

// A negation that denies the word after it, not what follows: "no idea why they pushed back", "not
// only price", "no doubt they will object", "I don't know whether there is a deadline".
const PSEUDO_HEADS = new Set([
  "idea",
  "clue",
  "doubt",
  "matter",
  "only",
  "just",
  "sure",
  "certain",
  "know",
  "understand",
  "wonder",
]);

// Words that start a new clause: a negation before them does not reach past them ("no, but they ...",
// "nobody objected because the price was fine").
const CLAUSE_WORDS = new Set([
  "but",
  "although",
  "though",
  "however",
  "whereas",
  "because",
  "while",
  "then",
  "except",
]);

// Conditions: what follows in the sentence is not a fact ("if we get to a demo", "unless they sign").
const CONDITIONS = new Set([
  "if",
  "unless",
  "whether",
  "suppose",
  "supposing",
  "assuming",
  "would",
  "could",
  "might",
  "hypothetically",
]);
// The future: what follows has not happened yet ("once they sign", "I will make sure it is signed").
const FUTURES = new Set([
  "once",
  "will",
  "shall",
  "gonna",
  "hope",
  "hoping",
  "hopefully",
  "plan",
  "planning",
  "expect",
  "expecting",
  "eventually",
]);
// A definite noun phrase takes its thing for granted even inside a condition: "if the demo goes well"
// presupposes a demo, "if we get to a demo" does not.
const DEFINITE = new Set(["the", "our", "my", "their", "this", "that", "your", "his", "her"]);

/** How far back a negation reaches (words in the same clause) and a condition (words in the sentence). */
const NEGATION_WORDS = 6;
const CONDITION_WORDS = 10;
const LOOK_BACK_CHARS = 90;

function isClauseEnd(c: string): boolean {
  return c === "," || c === ";" || c === ":" || c === "(" || c === ")" || isSentenceEnd(c);
}

function isSentenceEnd(c: string): boolean {
  return c === "." || c === "!" || c === "?" || c === "\n";
}

const EDGE = "\"'“”‘’*_,;:";

/** A word without the quotes, emphasis and commas around it (a loop: no regex anchored at the end). */
function trimPunctuation(word: string): string {
  let from = 0;
  let to = word.length;
  while (from < to && EDGE.includes(word[from] as string)) from++;
  while (to > from && EDGE.includes(word[to - 1] as string)) to--;
  return word.slice(from, to);
}

/** The words before `index`, back to the nearest boundary that `ends` accepts, at most LOOK_BACK_CHARS. */
function wordsBefore(lower: string, index: number, ends: (c: string) => boolean): string[] {
  const from = Math.max(0, index - LOOK_BACK_CHARS);
  let start = from;
  for (let i = index - 1; i >= from; i--) {
    if (ends(lower[i] as string)) {
      start = i + 1;
      break;
    }
  }
  const words = lower.slice(start, index).split(/\s+/);
  const out: string[] = [];
  for (const w of words) {
    const word = trimPunctuation(w);
    if (word !== "") out.push(word);
  }
  return out;
}

/** The first word at `index` (the matched words' own first word). */
function wordAt(lower: string, index: number): string {
  let end = index;
  while (end < lower.length && end - index < 20 && /[a-z']/.test(lower[end] as string)) end++;
  return lower.slice(index, end);
}

/**
 * A negation in the same clause, at most NEGATION_WORDS words before `index`: "nobody on their side has
 * pushed back", "they never mentioned a competitor", "not a price issue". A comma, a full stop or a
 * word such as "but" ends its reach ("no, but they pushed back"); "no idea why" is not a negation.
 */
export function negated(lower: string, index: number): boolean {
  const words = wordsBefore(lower, index, isClauseEnd);
  const stop = Math.max(0, words.length - NEGATION_WORDS);
  for (let j = words.length - 1; j >= stop; j--) {
    const word = words[j] as string;
    if (CLAUSE_WORDS.has(word)) return false;
    if (!NEGATORS.has(word)) continue;
    const next = j + 1 < words.length ? (words[j + 1] as string) : wordAt(lower, index);
    if (!PSEUDO_HEADS.has(next)) return true;
  }
  return false;
}

/**
 * Not a fact at `index`: a condition before it in the sentence ("if we get to a demo, ...") unless the
 * thing is named definitely ("if the demo goes well"); with `future`, also a future or a hope ("once
 * they sign", "I will make sure the contract is signed"). A clause word ("but", "because") ends the reach.
 */
export function hypothetical(lower: string, index: number, future: boolean): boolean {
  const words = wordsBefore(lower, index, isSentenceEnd);
  const stop = Math.max(0, words.length - CONDITION_WORDS);
  const definite = DEFINITE.has(words[words.length - 1] ?? "");
  for (let j = words.length - 1; j >= stop; j--) {
    const word = words[j] as string;
    if (CLAUSE_WORDS.has(word)) return false;
    // "should I send a quote?" weighs an action not taken; "they should sign" expects, as a hope does.
    const deliberating = word === "should" && (words[j + 1] === "i" || words[j + 1] === "we");
    if ((CONDITIONS.has(word) || deliberating) && !definite) return true;
    if (future && word === "should") return true;
    if (future && (FUTURES.has(word) || word.endsWith("'ll") || (word === "going" && words[j + 1] === "to")))
      return true;
  }
  return false;
}

const SUBJECTS = new Set(["i", "we", "you", "they", "he", "she", "it", "the", "our", "their", "my"]);
const PAST_VERBS = new Set([
  "came",
  "did",
  "went",
  "was",
  "were",
  "had",
  "made",
  "sent",
  "took",
  "got",
  "paid",
  "met",
  "spent",
  "said",
  "told",
  "gave",
  "left",
  "brought",
  "ran",
  "saw",
  "began",
  "found",
]);
const PAST_BEFORE = new Set(["since", "last", "ago", "was", "were", "happened"]);

function isPastVerb(word: string): boolean {
  return PAST_VERBS.has(word) || (word.length > 4 && word.endsWith("ed"));
}

/**
 * A date told as a past event, not one the deal runs to: "on December 22nd, you came out and did the
 * work", "back in 3/4 we met", "since the 5th". `end` is where the date's words end.
 */
export function pastDate(lower: string, index: number, end: number): boolean {
  const before = wordsBefore(lower, index, isClauseEnd);
  for (let j = before.length - 1; j >= Math.max(0, before.length - 3); j--)
    if (PAST_BEFORE.has(before[j] as string) || (before[j] === "back" && before[j + 1] === "in")) return true;
  const after = lower.slice(end, end + 60).split(/\s+/);
  const words: string[] = [];
  for (const w of after) {
    const word = trimPunctuation(w);
    if (word !== "") words.push(word);
    if (words.length === 3) break;
  }
  const [first, second, third] = words;
  if (first === undefined || !SUBJECTS.has(first)) return false;
  // "we signed", "you came"; "the tech came" (a noun after "the", "our", "their", "my")
  return (
    isPastVerb(second ?? "") || (["the", "our", "their", "my"].includes(first) && isPastVerb(third ?? ""))
  );
}

/**
 * A pattern with the `g` flag, for scanning past matches that a reader turns down; the pattern itself
 * when it has one. Readers build their twins once, while their module loads.
 */
export function globalTwin(pattern: RegExp): RegExp {
  return pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
}

/**
 * The first match of a global `re` in `text` that `rejects` does not turn down (a denied, hypothetical
 * or someone else's mention), so that a rejected first mention does not hide a later one. `rejects` is
 * given the reader's rule, so callers pass a module-level function rather than a closure per call.
 */
export function firstAccepted<R>(
  re: RegExp,
  text: string,
  rule: R,
  rejects: (rule: R, text: string, match: RegExpExecArray) => boolean,
): RegExpExecArray | null {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === "") re.lastIndex++;
    if (!rejects(rule, text, m)) return m;
  }
  return null;
}
