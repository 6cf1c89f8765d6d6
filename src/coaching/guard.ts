import { INPUT_LIMITS } from "./input-limits.js";
import { normalizeText } from "./normalize.js";
import { followedInLine, type TextTest } from "./text-scan.js";

// The non-directive guard (docs/method.md, "The guard"; docs/guard.md). Two hard gates:
// 1. shape allow-list: one or two sentences, each an open wh-question after an optional fronted clause;
// 2. deny-list: every marker family (docs/method.md, "Gate 2"), each reported under its own reason.
// When unsure, reject: a rejected library question costs a fallback, an accepted piece of advice breaks
// the product's one promise.

export type GuardReason =
  | "empty"
  | "too_many_sentences"
  | "too_long"
  | "not_a_question"
  | "not_open_question"
  | "closed_question"
  | "imperative"
  | "obligation"
  | "performative_advice"
  | "self_disclosure"
  | "hedged_suggestion"
  | "suggestion_question"
  | "leading_question"
  | "presupposed_action"
  | "persuasion"
  | "answer_or_diagnosis"
  | "pitch"
  | "confrontation"
  | "structure"
  | "content_generation"
  | "quota_tactic";

export interface GuardVerdict {
  ok: boolean;
  reasons: GuardReason[];
}

const MAX_SENTENCES = 2;
const MAX_WORDS = 30;
const MAX_QUOTE_WORDS = 8;

const WH_OPENER =
  /^(?:what|what's|how|how's|why|who|who's|whom|whose|which|where|where's|when|in what way|to what extent|to what degree|(?:in|on|by|for|with|from|to|at|against|under|of) (?:what|which|whom|whose))\b/;
const AUXILIARY =
  /^(?:is|isn't|are|aren't|was|wasn't|were|weren't|am|do|don't|does|doesn't|did|didn't|can|can't|could|couldn't|would|wouldn't|will|won't|should|shouldn't|shall|has|hasn't|have|haven't|had|hadn't|may|might|must)\b/;
// Words a fronted clause may start with ("If they said no, what ...", "Looking back, how ...").
const FRONTED_OPENER =
  /^(?:if|when|whenever|where|wherever|once|after|before|since|as|given|compared|comparing|looking|thinking|setting|leaving|apart|aside|besides|beyond|from|by|in|on|at|with|without|within|during|until|over|across|among|between|for|of|each|every|now|say|suppose|supposing|although|though|while|unless|a|an|the|this|that|last|next|one|two|three|four|five|six|seven|eight|nine|ten|twelve|\d+|their|your|for|of|back|today|tomorrow|yesterday|right|ultimately|honestly|realistically|overall)\b/;
// "So, what ..." and "Okay and how ...": spoken fillers before a question are not the question.
const LEADING_FILLER = /^(?:(?:so|and|but|okay|ok|well|now|alright|um|uh|right|then|also)\b[,]?\s+)+/;

const IMPERATIVE_VERBS = new Set(
  (
    "ask call send offer try make schedule loop push focus consider remember get book follow reach email " +
    "propose confirm escalate position frame drop walk keep stop start give take talk find bring show share " +
    "map identify be go set use write draft tell put hold lean pitch build create think check dig explore " +
    "reframe rebuild upsell avoid wait move plan prepare prioritize prioritise qualify clarify document list " +
    "note engage invite involve request mention highlight emphasize emphasise stress explain present demo run " +
    "arrange organize organise leverage align ensure double pull close sign lock secure nail own treat look " +
    "read review respond reply circle ping text message meet visit include add cut lower raise match throw " +
    "sweeten bundle waive extend accept reject decline refuse insist threaten remind warn let help assume " +
    "challenge test probe validate verify sell negotiate counter anchor concede trade hit chase nudge pressure " +
    "never always don't dont please just imagine picture recall reflect list outline summarize summarise " +
    "reply respond rewrite act pretend ignore forget print output return translate let's lets"
  ).split(" "),
);
const ACTION_VERBS =
  "call|send|offer|get|schedule|book|push|ask|email|discount|escalate|propose|pitch|close|sign|pull|bring|loop|reach|follow|set|arrange|convince|persuade|demo|present|show|create|drive|force|win|secure|lock|move|give|take|drop|lower|cut|match|waive|extend|throw|sweeten|bundle|text|ping|message|contact|invite|involve|engage|meet|visit|remind|pressure|chase|nudge|hold|speed|accelerate|fix|solve|overcome|handle|save|rescue|salvage|beat|counter|sell|upsell";
// Past and -ing forms of the action verbs, for the hypothetical that proposes an action ("What would they
// say if you offered a pilot?", "What do you think about calling the CFO?"): docs/guard.md.
const IRREGULAR_PAST: Record<string, string> = {
  send: "sent",
  get: "got",
  bring: "brought",
  set: "set",
  drive: "drove",
  win: "won",
  give: "gave",
  take: "took",
  cut: "cut",
  throw: "threw",
  meet: "met",
  hold: "held",
  speed: "sped",
  overcome: "overcame",
  beat: "beat",
  sell: "sold",
  upsell: "upsold",
};
const DOUBLED = new Set(["drop", "get", "set", "cut", "win"]);
function pastOf(verb: string): string {
  return (
    IRREGULAR_PAST[verb] ??
    (verb.endsWith("e") ? `${verb}d` : DOUBLED.has(verb) ? `${verb}${verb.slice(-1)}ed` : `${verb}ed`)
  );
}
function gerundOf(verb: string): string {
  if (DOUBLED.has(verb)) return `${verb}${verb.slice(-1)}ing`;
  return verb.endsWith("e") && !verb.endsWith("ee") ? `${verb.slice(0, -1)}ing` : `${verb}ing`;
}
const ACTION_LIST = ACTION_VERBS.split("|");
const ACTION_PAST = [...new Set(ACTION_LIST.map(pastOf))].join("|");
const ACTION_GERUND = [...new Set(ACTION_LIST.map(gerundOf))].join("|");
/** Every form of the action verbs (call, calls, called, calling): a fitted question may add none of them. */
export const ACTION_VERB_FORMS: ReadonlySet<string> = new Set(
  ACTION_LIST.flatMap((v) => [v, pastOf(v), gerundOf(v), /(?:s|sh|ch|x)$/.test(v) ? `${v}es` : `${v}s`]),
);
const MODAL_BEFORE_YOU = "can|could|will|would|shall|might|should|must";
const YOU_BEFORE_MODAL =
  "can|could|will|would|'ll|shall|might|should|'re going to|are going to|plan to|are planning to|want to|need to|have to|intend to|'re able to|are able to";

export interface Family {
  reason: GuardReason;
  patterns: TextTest[];
}

// Families checked on every sentence (after the sentence was lower-cased and quotes were blanked).
// Exported for the tests that time each pattern on long input.
export const SENTENCE_FAMILIES: readonly Family[] = [
  {
    reason: "obligation",
    patterns: [
      /(?<!\b(?:would|do|did|does|will|might|could)\s)\b(?:you|we|u)\s+(?:really\s+|definitely\s+|absolutely\s+|just\s+|still\s+|also\s+)?(?:should|must|need to|needs to|have to|ought to|gotta|got to)\b/,
      /\b(?:you|we)(?:'d| had) better\b/,
      /\b(?:should|must|ought)\s+(?:you|we)\b/,
      /\bit(?:'s| is| would be| will be)\s+(?:important|critical|essential|crucial|key|vital|imperative|necessary|wise|smart)\s+(?:that you|for you|to|that we|for us)\b/,
      /\b(?:make sure|be sure to|remember to|don't forget)\b/,
    ],
  },
  {
    reason: "performative_advice",
    patterns: [
      // "i" + spaces + nothing + spaces: one optional group, not two `\s*` around an empty option that
      // share every run of spaces between them (quadratic).
      /\bi\s*(?:(?:'d|would|will|'ll|strongly)\s*)?(?:strongly\s+)?(?:recommend|suggest|advise|propose|encourage|urge)\b/,
      /\bmy (?:advice|recommendation|suggestion|tip|two cents|take|view)\b/,
      /\bif i were\b/,
      /\bthe (?:best|smartest|right) (?:thing|move|approach|way|option|bet|strategy|play|course|path|call|choice|idea)\b/,
      /\bwhat worked for me\b/,
      /\bin my experience\b/,
    ],
  },
  {
    // The bot asks; it has no experience, opinion or self to disclose (MITI codes self-disclosure
    // aimed at change as Persuade).
    reason: "self_disclosure",
    patterns: [/\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|we'll|we'd|us|ourselves)\b/],
  },
  {
    reason: "hedged_suggestion",
    patterns: [
      /\byou (?:might|may|could) (?:want to|wish to|try|consider|think about|look at|look into)\b/,
      /\bmaybe (?:try|just|you|consider|ask|it's time)\b/,
      /\bperhaps\b/,
      /\bit (?:might|may|could|would|will) (?:help|be worth|be a good idea|make sense|pay to)\b/,
      /\bworth (?:trying|a shot|a try|considering|exploring|asking|a look|testing)\b/,
      /\bgood idea\b/,
      /\b(?:it )?(?:wouldn't|never) hurts?\b/,
    ],
  },
  {
    reason: "suggestion_question",
    patterns: [
      /\bwhy (?:don't|not|wouldn't|won't) (?:you|we)\b/,
      /^(?:why not|how about|what about)\b/,
      /,\s*(?:why not|how about|what about)\b/,
      // "What if a pilot were on the table?": a hypothetical that brings its own remedy.
      /\bwhat if (?:you|we|u|a|an|some|there)\b/,
      // "What would they say if you offered a pilot?": the action rides in a conditional.
      new RegExp(
        `\\b(?:if|once|unless) (?:you|we|u) (?:just |simply |finally |were to |could |did |went ahead and )?(?:${ACTION_VERBS}|${ACTION_PAST}|walk|wait|went|told|said|[a-z]+ed)\\b`,
      ),
      // "What do you think about calling the CFO?", "What would it look like to offer a pilot?"
      new RegExp(`\\b(?:about|think of|thoughts on) (?:${ACTION_GERUND})\\b`),
      new RegExp(`\\b(?:look like|take|mean|cost|involve|feel like) to (?:${ACTION_VERBS})\\b`),
    ],
  },
  {
    reason: "leading_question",
    patterns: [
      /^(?:have you|haven't you|did you) (?:considered|consider|thought|think|tried|try|looked|look|explored|asked|reached|talked|spoken|checked|run)\b/,
      /^(?:wouldn't|isn't|aren't|don't|doesn't|shouldn't|won't|can't|couldn't|didn't|hasn't|haven't|wasn't|weren't)\b/,
      /^would it (?:help|make sense|be worth|be better|be wise|hurt)\b/,
      // "Have you offered a pilot?", "Did you ever call the CFO?": an action proposed as a check.
      new RegExp(
        `^(?:have|haven't|did|didn't) (?:you|we) (?:ever |already |yet |just |not )?(?:${ACTION_VERBS}|${ACTION_PAST})\\b`,
      ),
      /\b(?:don't you (?:think|agree|feel)|wouldn't you (?:agree|say)|wouldn't it be|isn't it (?:true|time|clear)|isn't that)\b/,
      /,\s*(?:right|correct|yes|no|yeah|ok|okay|true|agreed|surely|isn't it|aren't they|don't they|doesn't it|wouldn't it|won't they|didn't they|isn't that|don't you|can't you|couldn't you|shouldn't you|wouldn't you|won't you|did they|do they|is it|are they)\s*\?$/,
    ],
  },
  {
    reason: "presupposed_action",
    patterns: [
      /\bwhat(?:'s| is| are)\s+(?:stopping|keeping|preventing|holding)\s+(?:you|u)\b/,
      /\bwhat (?:stops|keeps|prevents|holds back|stopped|kept|prevented) (?:you|u|us)\b/,
      followedInLine(/\bhow (?:quickly|soon|fast)\b/, /\byou\b/),
      /\bwhat(?:'s| is) the (?:best|fastest|quickest|easiest|right|smartest) way to\b/,
      new RegExp(`\\b(?:${MODAL_BEFORE_YOU})\\s+(?:you|we)\\s+(?:\\w+ly\\s+)?(?:${ACTION_VERBS})\\b`),
      new RegExp(
        `\\b(?:you|we)(?:\\s+|(?='))(?:${YOU_BEFORE_MODAL})\\s+(?:\\w+ly\\s+)?(?:${ACTION_VERBS})\\b`,
      ),
      new RegExp(`\\b(?:are|were) you (?:going|planning|able) to\\s+(?:\\w+ly\\s+)?(?:${ACTION_VERBS})\\b`),
      new RegExp(`\\b(?:need|needs|have|has) to (?:happen|be done) for you to (?:${ACTION_VERBS})\\b`),
      // "What would it take for you to close this by Friday?"
      new RegExp(`\\bfor (?:you|us|u) to (?:\\w+ly\\s+)?(?:${ACTION_VERBS})\\b`),
    ],
  },
  {
    reason: "persuasion",
    patterns: [
      /\bhow (?:could|would|can|does|will) it hurt\b/,
      /\bwhat(?:'s| is| would be) the (?:down ?side|harm)\b/,
      /\bwhat harm\b/,
      // "What's wrong with offering a pilot?", "Where's the risk in a quick call?": a case made for an action.
      /\bwhat(?:'s| is| would be| could be) (?:wrong|bad|risky) (?:with|about)\b/,
      /\b(?:where|what)(?:'s| is| would be) the (?:risk|harm|problem) (?:in|with)\b/,
      /\bwouldn't (?:that|it) be (?:great|nice|good|better)\b/,
      /\bwho wouldn't\b/,
      /\bwhat (?:do|does|would|could) (?:they|you|he|she|it) (?:have to lose|lose by)\b/,
      /\bworst that could happen\b/,
    ],
  },
  {
    reason: "answer_or_diagnosis",
    patterns: [
      /\b(?:it|this|that) (?:sounds|seems|looks) like\b/,
      /^sounds like\b/,
      /\byou(?:'re| are) (?:overthinking|overcomplicating|being|too|just|clearly|obviously|right|wrong)\b/,
      /\bthe deal is (?:slipping|stalling|dying|dead|lost|at risk) because\b/,
      /\b(?:clearly|obviously|the answer is|the truth is|frankly|undoubtedly)\b/,
    ],
  },
  {
    reason: "pitch",
    patterns: [
      // "our workflow engine", "our team": the bot speaks for no vendor, so any "our" is the seller's pitch.
      /\bour\b/,
      /\bwe (?:offer|provide|can|could|have|deliver|support|integrate|are|do|will|'ll|'re|make|help|built|sell)\b/,
      /\b(?:roi|uptime|soc ?2|slas?|iso ?27001|best-in-class|industry-leading|cutting-edge|world-class|seamless(?:ly)?|state-of-the-art|game-changer)\b/,
      // Tried from the first digit of a number only: from each digit of a long one it was quadratic.
      /(?<!\d)\d+(?:\.\d+)?\s*(?:x|times) (?:faster|cheaper|better|more)\b/,
    ],
  },
  {
    reason: "confrontation",
    patterns: [
      /\bwhy (?:haven't|hadn't|didn't|wasn't|weren't|did not|have not|had not|aren't|don't|isn't) (?:you|we)\b/,
      /\bwhy (?:would|did) you (?:ever|even)\b/,
      /\b(?:you|we) (?:should|could|ought to|must|might) have\b/,
      /\b(?:you|we) (?:should've|could've|must've)\b/,
      /\bshouldn't you\b/,
      /\bhow could you (?:not|have|let)\b/,
      /\bwhat were you thinking\b/,
      /\bhow come (?:you|we|u)\b/,
    ],
  },
  {
    reason: "structure",
    patterns: [
      /\b(?:let's|lets|let us)\b/,
      /\bnext steps?\s*:/,
      /\bstep (?:\d+|one|two|three)\b/,
      /\b(?:tip|pro tip|note|ps|action items?|todo|to-do|takeaway|summary|answer|recommendation|option \d)\s*:/,
      /\bhere(?:'s| is| are)\b/,
    ],
  },
  {
    reason: "content_generation",
    patterns: [
      /^(?:subject|re|fwd|to|from|cc|bcc)\s*:/,
      /^(?:hi|hello|hey|dear|greetings)\b[^?]{0,40},/,
      /\b(?:best regards|kind regards|warm regards|sincerely|cheers,)\b/,
      /\b(?:approved|best and final|as an ai|language model|system prompt|my instructions|ignore (?:all|your|previous|the above)|developer mode|jailbreak|i cannot|i can't|i am unable)\b/,
      /^(?:yes|no|yep|nope|sure|certainly|ok|okay|absolutely|definitely)\b[.!,:]/,
      /[{}[\]]|"\w+"\s*:/,
      /<\/?[a-z]+>|\bsystem\s*:/,
    ],
  },
];

// Quota and discount lexicon (docs/method.md, "Gate 2"): accepted only inside a question that probes the
// seller's own assumption and names no tactic or amount.
const QUOTA_LEXICON =
  /\b(?:discount(?:s|ed|ing)?|price (?:increase|hike|rise)|promo(?:tion)?s?|sign(?:ed|ing)? (?:by|before)|pull(?:ed|ing)? (?:it |this |the deal )?(?:in|forward)|create (?:some |real )?urgency|limited[- ]time|(?:quarter|month|year)[- ]end|end of (?:the )?(?:quarter|month|year|q[1-4])|this quarter|quota|concessions?|sweeten(?:er)?|incentives?|free (?:months?|extension|trial|upgrade)|waive[sd]?|% off|percent off)\b|\d\s*%|\bpercent\b/;
const TACTIC_OR_AMOUNT =
  /\d|\b(?:price (?:increase|hike|rise)|promo|sign(?:ed|ing)? (?:by|before)|pull(?:ed|ing)? (?:it |this |the deal )?(?:in|forward)|create (?:some |real )?urgency|limited[- ]time|sweeten|waive|free (?:months?|extension|trial|upgrade)|% off|percent)\b/;
const PROBES_ASSUMPTION =
  /\b(?:what makes you (?:think|believe|expect|feel|sure)|why do you (?:think|believe|expect|feel)|what do you (?:think|believe|expect|assume|know)|how do you know|where(?:'s| is| does) the (?:pressure|push|request|idea)|who (?:is|was) asking for|coming from|come from)\b/;

const SENTENCE_END = new Set([".", "!", "?"]);
const AFTER_SENTENCE_END = new Set(['"', "'", ")", "]"]);
const SPACE = /\s/;

/**
 * Splits normalised text into sentences: ., ! and ? end one, and so does a line break. The split is
 * `split(/(?<=[.!?]["')\]]*)\s+|\n+/)` read in one pass: the lookbehind re-read a run of closing quotes
 * from each of its characters, quadratic on a long run.
 */
export function splitSentences(text: string): string[] {
  const pieces: string[] = [];
  let from = 0;
  // Whether the text read so far ends with ., ! or ? and then only closing quotes and brackets.
  let afterEnd = false;
  let at = 0;
  while (at < text.length) {
    const ch = text.charAt(at);
    let end = -1;
    if (afterEnd && SPACE.test(ch)) {
      end = at + 1;
      while (end < text.length && SPACE.test(text.charAt(end))) end++;
    } else if (ch === "\n") {
      end = at + 1;
      while (text.charAt(end) === "\n") end++;
    }
    if (end >= 0) {
      pieces.push(text.slice(from, at));
      from = end;
      at = end;
      afterEnd = false;
      continue;
    }
    afterEnd = SENTENCE_END.has(ch) || (afterEnd && AFTER_SENTENCE_END.has(ch));
    at++;
  }
  pieces.push(text.slice(from));
  return pieces.map((s) => s.trim()).filter((s) => s.length > 0);
}

const EITHER_OR = followedInLine(/\beither\b/, /\bor\b/);

function wordCount(sentence: string): number {
  return sentence.split(/\s+/).filter(Boolean).length;
}

// A raw-text look for lists, headings, bold and code: the normaliser would erase the evidence. Space
// before and after stays within a line ([^\S\n\r\u2028\u2029]): a `\s*` that crossed lines read every
// later blank line again from each line start, quadratic on a text of blank lines. Exported for the
// tests that time each pattern.
export const RAW_STRUCTURE: readonly RegExp[] = [
  /^[^\S\n\r\u2028\u2029]*(?:[-*•‣◦▪+]|\d+[.)]|#{1,6}|>)\s+\S/m,
  /\*\*[^*]+\*\*/,
  /```|`[^`]+`/,
  /^[^\S\n\r\u2028\u2029]*\|.*\|[^\S\n\r\u2028\u2029]*$/m,
];

const AUXILIARY_WORDS = new Set(
  (
    "is isn't are aren't was wasn't were weren't am do don't does doesn't did didn't can can't could couldn't " +
    "would wouldn't will won't should shouldn't shall has hasn't have haven't had hadn't may might must"
  ).split(" "),
);
// What may follow "when"/"where" in a question that asks when or where ("When exactly did ...").
const WH_ADVERBS = new Set(
  "else exactly specifically precisely roughly ever now then in on at during across along within among inside".split(
    " ",
  ),
);
// A subject right after a wh-word makes a clause, not a question: "What they said, ..." (docs/guard.md).
const CLAUSE_SUBJECTS = new Set(
  (
    "they you we he she it i the a an this that these those their your his her its our my someone somebody " +
    "anyone anybody everyone everybody"
  ).split(" "),
);

/**
 * Whether a sentence that starts with a wh-word starts with a subordinate clause rather than a question:
 * "When they said yes, ..." and "Where it came up, ..." versus "When did they ...". Such a sentence must
 * find its question after a comma, like any other fronted clause (docs/guard.md, "fronted wh-clauses").
 */
function opensWithWhClause(s: string): boolean {
  const m = /^(when|whenever|where|wherever|what|how|why|who|whom|which)\s+([a-z']+)/.exec(s);
  if (!m) return false;
  const [, wh = "", next = ""] = m;
  if (wh.startsWith("when") || wh.startsWith("where")) {
    return (
      !AUXILIARY_WORDS.has(next) && !WH_ADVERBS.has(next) && !next.endsWith("ly") && !next.startsWith("'")
    );
  }
  return CLAUSE_SUBJECTS.has(next);
}

/**
 * Strips the optional fronted clause ("If they said no tomorrow, what ...") and spoken fillers, and
 * returns what must be an open wh-question. `fronted` is the clause, for the families that must not
 * hide in it (an imperative or a diagnosis before the comma). `clauseOnly` is set when the sentence
 * opens with a wh-clause ("When they said yes, ...") and no question follows it.
 */
function splitFronted(sentence: string): { core: string; fronted: string; clauseOnly: boolean } {
  const s = sentence.replace(LEADING_FILLER, "");
  const whClause = opensWithWhClause(s);
  if (WH_OPENER.test(s) && !whClause) return { core: s, fronted: "", clauseOnly: false };
  let at = s.indexOf(",");
  while (at >= 0) {
    const rest = s
      .slice(at + 1)
      .trimStart()
      .replace(LEADING_FILLER, "");
    if (WH_OPENER.test(rest) && !opensWithWhClause(rest)) {
      return { core: rest, fronted: s.slice(0, at).trim(), clauseOnly: false };
    }
    at = s.indexOf(",", at + 1);
  }
  return { core: s, fronted: "", clauseOnly: whClause };
}

// "..., did you believe them?", "... and is the CFO aware?": a yes/no question after a comma or a
// conjunction, whatever opened the sentence (docs/guard.md, "closed behind a clause").
const INVERTED_AFTER_COMMA = new RegExp(
  `^(?:(?:and|or|but|so|then|yet|also)\\s+)?(?:${[...AUXILIARY_WORDS].join("|")})\\s+(?:${[...CLAUSE_SUBJECTS].join("|")}|there|any|anything|anybody|something|each|either|one)\\b`,
);
const INVERTED_AFTER_AND = new RegExp(
  `\\b(?:and|or|but)\\s+(?:${[...AUXILIARY_WORDS].join("|")})\\s+(?:you|they|we|he|she|it|i|there|the|your|their|this|that)\\b`,
);
// "What, do you think, made them hesitate?": a parenthetical, not a second question.
const PARENTHETICAL_ASK = /^(?:do|would|did|don't) you (?:think|say|suppose|imagine|reckon|guess|feel)$/;
const CAPITALISED_NAME = /^(?:(?:and|or|but|so|then|yet|also)\s+)?[a-z']+\s+[A-Z]/;
// A fronted wh-phrase without a verb of its own ("Which part, if any, did they ...") is the question's
// start, and the inversion after its parenthetical belongs to it.
const SHORT_WH_PHRASE = /^(?:what|which|who|whom|whose|how|when|where|why)(?:\s+[a-z'-]+){0,2}$/;

// What separates the parts of a sentence: a comma, a semicolon, a colon, a bracket or a dash between
// spaces ("What matters most to them: is it price?" is two parts as much as with a comma).
const PART_BREAK = /[,;:()]|\s-+\s/;

function clauseParts(text: string): string[] {
  return text.split(PART_BREAK).map((p) => p.trim());
}

/**
 * Whether a comma-separated part after the first is a yes/no question: "When they said yes, did you
 * believe them?". `cased` is the sentence before lower-casing, to see a name after the auxiliary.
 */
function closedAfterComma(cased: string): boolean {
  const parts = clauseParts(cased);
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? "";
    const lower = part.toLowerCase();
    if (PARENTHETICAL_ASK.test(lower) && i < parts.length - 1) continue;
    const inverted =
      INVERTED_AFTER_COMMA.test(lower) ||
      (CAPITALISED_NAME.test(part) &&
        AUXILIARY_WORDS.has(firstWord(lower.replace(/^(?:and|or|but|so|then|yet|also)\s+/, ""))));
    if (!inverted) continue;
    const coordinated = /^(?:and|or|but|so|then|yet|also)\b/.test(lower);
    const first = (parts[0] ?? "").toLowerCase().replace(LEADING_FILLER, "");
    if (
      !coordinated &&
      i >= 2 &&
      SHORT_WH_PHRASE.test(first) &&
      !AUXILIARY.test(first.replace(/^\S+\s*/, ""))
    ) {
      continue;
    }
    return true;
  }
  return INVERTED_AFTER_AND.test(cased.toLowerCase());
}

// A suggestion tacked on after a comma: "What would win them over, a pilot?"
// and a guess offered as the answer: "What's stopping them, the price?"
const APPENDED_SUGGESTION =
  /^(?:(?:or|maybe|perhaps|like|say|possibly)\s+)?(?:a|an|some|another|the|their|maybe|perhaps|like|say|such as|for example|for instance|e\.?g\.?)\b/;
// A choice offered at the end: "Which matters more to them, price or timing?" is a closed question.
const APPENDED_CHOICE = /^(?:[^\s?]+\s+){0,3}or(?:\s+[^\s?]+){1,3}\s*\?$/;

// A fronted clause that is not subordinate but has a finite verb is a statement: "That could work, so
// who decides?", "A pilot makes sense, but who signs?".
const SUBORDINATE_START =
  /^(?:if|when|whenever|where|wherever|once|since|as|given|while|after|before|until|unless|although|though|because|each time|every time|the moment|now that|what|how|why|who|which)\b/;
// "'s" is a verb after a pronoun ("that's fine, so who…") but a possessive after a noun ("In the
// customer's own words, what…"), which fronts a question without stating anything.
const FINITE_VERB =
  /(?<!\bto\s)\b(?:is|are|was|were|can|could|will|would|should|might|must|may|shall|do|does|did|has|have|had|makes|made|seems|sounds|looks|works|helps|means)\b|\b(?:it|that|this|there|here|he|she|everything|nothing|something)'s\b|'s (?:the|a|an|not|just|too|so|still|already|really)\b|\w're\b/;

function firstWord(text: string): string {
  return (text.match(/^[a-z']+/)?.[0] ?? "").replace(/^'+|(?<!')'+$/g, "");
}

function checkSentence(sentence: string, reasons: Set<GuardReason>): void {
  if (wordCount(sentence) > MAX_WORDS) reasons.add("too_long");
  const isQuestion = /\?["')\]]*$/.test(sentence);
  if (!isQuestion) reasons.add("not_a_question");

  const lower = sentence.toLowerCase();
  // A short quote of the customer's own words is a slot (docs/fitted.md); a long one is a draft.
  const quotes = lower.match(/"[^"]*"/g) ?? [];
  if (quotes.some((q) => wordCount(q) > MAX_QUOTE_WORDS)) reasons.add("content_generation");
  const unquotedCased = sentence
    .replace(/"[^"]*"/g, '"quote"')
    .replace(/(?<=^|[\s(])'([^']{2,60})'(?=[\s,.?!]|$)/g, "'quote'");
  const unquoted = unquotedCased.toLowerCase();

  const { core, fronted, clauseOnly } = splitFronted(unquoted);
  const start = firstWord(unquoted.replace(LEADING_FILLER, ""));
  if (IMPERATIVE_VERBS.has(start) || (fronted && IMPERATIVE_VERBS.has(firstWord(fronted))))
    reasons.add("imperative");

  if (isQuestion) {
    if (fronted && !FRONTED_OPENER.test(fronted)) reasons.add("not_open_question");
    if (!WH_OPENER.test(core)) reasons.add(AUXILIARY.test(core) ? "closed_question" : "not_open_question");
    if (clauseOnly) reasons.add("not_open_question");
    if (EITHER_OR.test(core) || /\bor not\s*\?$/.test(core)) reasons.add("closed_question");
    if (closedAfterComma(unquotedCased)) reasons.add("closed_question");
    const parts = clauseParts(unquoted);
    const lastPart = parts.length > 1 ? (parts[parts.length - 1] ?? "") : "";
    if (APPENDED_SUGGESTION.test(lastPart)) reasons.add("suggestion_question");
    if (APPENDED_CHOICE.test(lastPart)) reasons.add("closed_question");
    // A diagnosis or a verdict may hide in front of a question: "The real blocker is the COO, so who
    // else matters?", "That could work, but who signs?"
    if (fronted && FINITE_VERB.test(fronted) && !SUBORDINATE_START.test(fronted)) {
      reasons.add("answer_or_diagnosis");
    }
  } else if (
    /\bthe (?:real |main |actual |underlying |root )?(?:problem|issue|blocker|obstacle|reason|decision-?maker|answer|risk) (?:here )?(?:is|was)\b/.test(
      unquoted,
    )
  ) {
    reasons.add("answer_or_diagnosis");
  }

  for (const family of SENTENCE_FAMILIES) {
    const target =
      family.reason === "leading_question" || family.reason === "suggestion_question" ? core : unquoted;
    if (family.patterns.some((p) => p.test(target) || (target !== unquoted && p.test(unquoted)))) {
      reasons.add(family.reason);
    }
  }
  // Checked with the quotes in: a discount or an amount is a tactic whoever seems to say it.
  if (QUOTA_LEXICON.test(lower) && (TACTIC_OR_AMOUNT.test(lower) || !PROBES_ASSUMPTION.test(lower))) {
    reasons.add("quota_tactic");
  }
}

/** The guard: is this candidate reply made only of open, non-directive questions? */
export function checkReply(raw: string): GuardVerdict {
  const reasons = new Set<GuardReason>();
  // Only the first INPUT_LIMITS.reply characters are read; a reply longer than that is too long anyway.
  if (raw.length > INPUT_LIMITS.reply) reasons.add("too_long");
  const clipped = raw.slice(0, INPUT_LIMITS.reply);
  if (RAW_STRUCTURE.some((p) => p.test(clipped))) reasons.add("structure");
  const text = normalizeText(clipped);
  const sentences = splitSentences(text);
  if (sentences.length === 0) return { ok: false, reasons: ["empty"] };
  if (sentences.length > MAX_SENTENCES) reasons.add("too_many_sentences");
  for (const sentence of sentences) checkSentence(sentence, reasons);
  return { ok: reasons.size === 0, reasons: [...reasons] };
}
