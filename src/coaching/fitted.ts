import type { DealFields } from "./deal.js";
import { ACTION_VERB_FORMS, checkReply, splitSentences } from "./guard.js";
import { clip, INPUT_LIMITS } from "./input-limits.js";
import { normalizeText } from "./normalize.js";

// The check on a model-fitted question (docs/fitted.md). A model may put the deal's own words into a
// library question ("What happens for Globex if this waits until next year?"), and nothing else: no new
// action, number, product, claim or sentence. The fitted text must pass the guard like any reply; then
// the check aligns the two texts token by token: the library's tokens must survive in order, except a few
// placeholders ("them", "the customer", "next year") a name or a date may replace, and every token the
// model inserted must be the deal's own (a word of the rep's text or of the deal fields) or one of a few
// function words.

export type FittedVerdict = { ok: true } | { ok: false; reason: string };

/** How far a fitted text may grow: the deal's words put in, plus a few function words around them. */
const MAX_INSERTED_SOURCE = 12;
const MAX_INSERTED_FUNCTION = 3;
const MAX_DROPPED = 4;
/** Characters a fitted text may add to its library text before it is not read at all. */
const MAX_ADDED_CHARS = 160;
/** A short quote of the customer; longer is a draft (the guard's own limit on quotes). */
const MAX_QUOTE_TOKENS = 8;

// Words a model may add around the deal's own: articles, prepositions, possessives, "'s".
const FUNCTION_WORDS = new Set(
  (
    "the a an of for to in on at by with from about and or their its his her them they he she it this that " +
    "these those 's as"
  ).split(" "),
);
// Library words a name, a role or a date may replace, with the preposition before them ("them" ->
// "Globex", "on their side" -> "at Initech", "next year" -> "March 2027").
const PLACEHOLDERS = new Set(
  (
    "the a an their its his her them they he she it this that these those 's of on in at for to with from by " +
    "customer customers buyer buyers champion company account person people team side organisation " +
    "organization someone somebody contact sponsor leadership executive executives " +
    "next last year month quarter week date day time now today tomorrow later soon"
  ).split(" "),
);
// Words that turn a question around however often the rep used them: a negation, an auxiliary or modal
// (a new verb phrase or a yes/no question), or a change of person ("you", "we").
const MEANING_WORDS = new Set(
  (
    "not no never 't nothing none without nobody neither nor should must can could would will shall may might " +
    "do does did is are was were be been has have had you your yours yourself we our us i me my 'll 'd 've 're 'm"
  ).split(" "),
);
// A date as a CRM field writes it (2027-03-31, 3/31/2027): the deal's own words on its own.
const DATE_TOKEN = /^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}\/\d{1,2}(?:\/\d{2,4})?$/;
// The question words: a fitted text that drops or adds one asks a different question.
const QUESTION_WORDS = new Set("what how why who whom whose which where when".split(" "));
const NUMBER_WORDS = new Set(
  (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen twenty thirty " +
    "forty fifty sixty seventy eighty ninety hundred thousand million billion half dozen percent k m bn $ € £ %"
  ).split(" "),
);
// The roles a fitted question may name ("the CFO", "their procurement team").
const ROLE_WORDS = new Set(
  (
    "cfo ceo cto cio coo cmo cro ciso vp svp evp gm director directors head heads manager managers owner owners " +
    "lead leads champion sponsor buyer buyers procurement purchasing legal finance security engineering " +
    "operations ops board team teams committee admin admins user users stakeholder stakeholders exec execs " +
    "executive executives founder founders president counsel signatory approver approvers customer customers " +
    "client clients partner partners colleague colleagues boss chief officer department it"
  ).split(" "),
);
// The words of a date ("end of March", "Q3", "Friday the 14th").
const DATE_WORDS = new Set(
  (
    "january february march april may june july august september october november december jan feb mar apr " +
    "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues " +
    "wed thu thurs fri sat sun q fy h st nd rd th end start beginning mid early late week weeks month months " +
    "quarter quarters year years day days today tomorrow tonight weekend morning afternoon eod eoq eoy"
  ).split(" "),
);
// Selling claims a question may not make, even in words the rep used ("faster", "guaranteed").
const CLAIM_WORDS = new Set(
  (
    "best better faster cheaper easier leading guaranteed guarantee proven roi savings unique only cheapest " +
    "fastest easiest superior risk-free free"
  ).split(" "),
);

// Words, numbers (with their separators), currency and percent signs, and the clitics split off a word
// ("what's" -> "what", "'s") so a contraction and its full form differ by one function word.
const TOKEN = /'(?:s|re|ve|ll|d|m|t)\b|[$€£%]|\d+(?:[.,:/-]\d+)*|\p{L}+(?:-\p{L}+)*/giu;

interface Token {
  /** Lower-cased. */
  text: string;
  /** Inside a pair of double quotes: the customer's words, quoted. */
  quoted: boolean;
  /** Written with a capital letter: a name, where the source has it. */
  capital: boolean;
}

function tokenize(text: string): Token[] {
  const normal = normalizeText(text).replace(/\u2019/g, "'");
  const tokens: Token[] = [];
  // Each quote mark toggles; a token is quoted when an odd number of them precede it.
  let quoted = false;
  let from = 0;
  for (const m of normal.matchAll(TOKEN)) {
    for (let i = from; i < m.index; i++) if (normal.charAt(i) === '"') quoted = !quoted;
    from = m.index + m[0].length;
    tokens.push({ text: m[0].toLowerCase(), quoted, capital: /^\p{Lu}/u.test(m[0]) });
  }
  return tokens;
}

function isNumber(token: string): boolean {
  return /\d/.test(token) || NUMBER_WORDS.has(token);
}

interface DealWords {
  /** Every token of the source, in order, with a full stop between the text and each field. */
  words: string[];
  /** The names among them: written with a capital somewhere, or the competitor field. */
  names: Set<string>;
}

/** The deal's own words: the source text's tokens and every deal field's, numbers as written and plain. */
function dealWords(source: { text: string; deal?: DealFields }): DealWords {
  const parts: Array<{ text: string; allNames: boolean }> = [
    { text: clip(source.text, INPUT_LIMITS.fittedSource), allNames: false },
  ];
  for (const [field, value] of Object.entries(source.deal ?? {})) {
    if (typeof value === "string") {
      parts.push({ text: clip(value, INPUT_LIMITS.crmField), allNames: field === "competitor" });
    } else if (typeof value === "number" && Number.isFinite(value)) {
      parts.push({ text: `${value} ${value.toLocaleString("en-US")}`, allNames: false });
    }
  }
  const words: string[] = [];
  const names = new Set<string>();
  for (const part of parts) {
    for (const t of tokenize(part.text)) {
      words.push(t.text);
      if (t.capital || part.allNames) names.add(t.text);
    }
    // A run copied from the source never spans two fields.
    words.push(".");
  }
  return { words, names };
}

/** Longest common subsequence of the two token lists: which fitted token keeps which library token. */
function align(library: string[], fitted: string[]): { keptLibrary: boolean[]; keptFitted: boolean[] } {
  const n = library.length;
  const m = fitted.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = table[i] as number[];
    const below = table[i + 1] as number[];
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        library[i] === fitted[j]
          ? (below[j + 1] as number) + 1
          : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const keptLibrary = new Array<boolean>(n).fill(false);
  const keptFitted = new Array<boolean>(m).fill(false);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (library[i] === fitted[j]) {
      keptLibrary[i] = true;
      keptFitted[j] = true;
      i++;
      j++;
    } else if ((table[i + 1]?.[j] ?? 0) >= (table[i]?.[j + 1] ?? 0)) i++;
    else j++;
  }
  return { keptLibrary, keptFitted };
}

const AGREEMENT_PAIRS = new Set(["is are", "was were", "has have", "does do", "'s is", "'re are"]);

/** Whether two words are one verb in two agreements: "are"/"is", "say"/"says", "push"/"pushes". */
function agreement(a: string, b: string): boolean {
  if (AGREEMENT_PAIRS.has(`${a} ${b}`) || AGREEMENT_PAIRS.has(`${b} ${a}`)) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.length >= 2 && (long === `${short}s` || long === `${short}es`);
}

/** Whether `run` occurs as consecutive tokens of `source`. */
function copiedFrom(source: string[], run: string[]): boolean {
  if (run.length === 0) return true;
  for (let s = 0; s + run.length <= source.length; s++) {
    let k = 0;
    while (k < run.length && source[s + k] === run[k]) k++;
    if (k === run.length) return true;
  }
  return false;
}

/** Maximal runs of inserted tokens, each with the indexes it covers. */
function insertedRuns(kept: boolean[]): number[][] {
  const runs: number[][] = [];
  let current: number[] = [];
  kept.forEach((k, at) => {
    if (k) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push(at);
  });
  if (current.length > 0) runs.push(current);
  return runs;
}

const fail = (reason: string): FittedVerdict => ({ ok: false, reason });

/**
 * Whether `fitted` differs from `libraryText` only by the deal's own words (docs/fitted.md). Reasons are
 * short constant codes: too_long, guard, added_sentence, question_type, different_question, misquote,
 * changed_meaning, number, action_verb, claim, new_word, not_a_name.
 */
export function checkFitted(
  libraryText: string,
  fitted: string,
  source: { text: string; deal?: DealFields },
): FittedVerdict {
  // Bounded before anything is read: a fitted text may not grow by more than a name and a short quote.
  if (fitted.length > libraryText.length + MAX_ADDED_CHARS || libraryText.length > INPUT_LIMITS.reply) {
    return fail("too_long");
  }
  if (!checkReply(fitted).ok) return fail("guard");
  if (splitSentences(normalizeText(fitted)).length > splitSentences(normalizeText(libraryText)).length) {
    return fail("added_sentence");
  }

  const lib = tokenize(libraryText).map((t) => t.text);
  const fit = tokenize(fitted);
  const fitTexts = fit.map((t) => t.text);
  const { keptLibrary, keptFitted } = align(lib, fitTexts);

  // A new subject may change a verb's agreement ("they are" -> "Globex is", "they say" -> "Dana says"):
  // such a pair is one word kept, not one dropped and one added.
  const agreed = new Set<number>();
  let dropped = 0;
  for (let i = 0; i < lib.length; i++) {
    if (keptLibrary[i]) continue;
    const word = lib[i] ?? "";
    if (QUESTION_WORDS.has(word)) return fail("question_type");
    const swap = fitTexts.findIndex((w, at) => !keptFitted[at] && !agreed.has(at) && agreement(word, w));
    if (swap >= 0) {
      agreed.add(swap);
      continue;
    }
    if (!PLACEHOLDERS.has(word)) return fail("different_question");
    dropped++;
  }
  if (dropped > MAX_DROPPED) return fail("different_question");

  const { words: own, names } = dealWords(source);
  const known = new Set(own);
  let insertedSource = 0;
  let insertedFunction = 0;
  // A quote must be the customer's words as written (or the library's own quote), and short.
  for (const span of insertedRuns(fit.map((t) => !t.quoted))) {
    const quote = span.map((at) => fitTexts[at] ?? "");
    if (quote.length > MAX_QUOTE_TOKENS || !(copiedFrom(own, quote) || copiedFrom(lib, quote))) {
      return fail("misquote");
    }
  }
  for (const run of insertedRuns(keptFitted)) {
    const words = run.map((at) => fitTexts[at] ?? "");
    // Read once per run, not once per word in it: the source may be long. A run with a number in it,
    // copied whole from the source ("40 users", "end of March 2027"), is the deal's words as written.
    let copied: boolean | undefined;
    const copiedRun = () => {
      copied ??= words.length > 1 && words.some((w) => !isNumber(w)) && copiedFrom(own, words);
      return copied;
    };
    const hasNumber = words.some(isNumber);
    for (const at of run) {
      if (agreed.has(at)) continue;
      const word = fitTexts[at] ?? "";
      const quoted = fit[at]?.quoted ?? false;
      if (QUESTION_WORDS.has(word)) return fail("question_type");
      if (!quoted && MEANING_WORDS.has(word)) return fail("changed_meaning");
      if (isNumber(word)) {
        // A number is the deal's own only as the deal wrote it: in the source, and inside a run of
        // inserted words copied whole from the source ("March 2027", a quote), never alone.
        if (!known.has(word) || !(quoted || DATE_TOKEN.test(word) || copiedRun())) return fail("number");
      } else if (!quoted && ACTION_VERB_FORMS.has(word)) return fail("action_verb");
      else if (!quoted && CLAIM_WORDS.has(word)) return fail("claim");
      if (FUNCTION_WORDS.has(word) && !quoted) {
        insertedFunction++;
        continue;
      }
      if (!known.has(word)) return fail("new_word");
      // Outside a quote, the deal's words a question may take are names, roles and dates.
      const nameLike = names.has(word) || ROLE_WORDS.has(word) || DATE_WORDS.has(word) || isNumber(word);
      if (!quoted && !nameLike && !(hasNumber && copiedRun())) return fail("not_a_name");
      insertedSource++;
    }
  }
  if (insertedSource > MAX_INSERTED_SOURCE || insertedFunction > MAX_INSERTED_FUNCTION) {
    return fail("too_long");
  }
  return { ok: true };
}
