// Is the rep writing about themselves rather than a deal? Burnout, despair, wanting to quit, a personal
// crisis. When they are, the coach asks about them, not the deal (docs/person.md). Pure: word lists and
// linear patterns, no model.
//
// Two things keep a deal's idioms out ("this deal is killing me", "the client wants to quit the pilot",
// "I'm tired of their excuses", "their CFO passed away"):
// - each phrase is narrow: "tired" only as "tired of sales / of this job / of everything", "quit" only
//   when what is quit is the job, nothing or everything;
// - whose state it is: the nearest subject before the phrase, in the same sentence, must be the writer
//   ("I", "my", "we") for phrases that could be anyone's, and must not be someone else ("the client",
//   "they", "the deal") for the rest; a negation between them ("I'm not burned out") cancels it.
//
// Every pattern must stay linear on any input (test/unit/regex-linear-*.test.ts): the look-back is a
// bounded window, read once per match.

export const PERSON_KINDS = ["crisis", "despair", "leaving", "burnout"] as const;
export type PersonKind = (typeof PERSON_KINDS)[number];

export function isPersonKind(value: string): value is PersonKind {
  return (PERSON_KINDS as readonly string[]).includes(value);
}

/**
 * - "writer": the nearest subject must be the writer ("I'm", "my dad", "we").
 * - "not_other": no subject, or the writer ("Exhausted. Can't sleep." is the writer's).
 * - "none": the phrase carries its own subject or needs none ("what's the point").
 */
type Subject = "writer" | "not_other" | "none";

interface Rule {
  kind: PersonKind;
  subject: Subject;
  pattern: RegExp;
}

// The end of a clause, for phrases that must stand alone ("I quit." but not "I quit calling them").
const END = "(?= *(?:[.!?,;:)]|$))";
const CANT = "(?:can't|cant|cannot|can not)";

const RULES: readonly Rule[] = [
  // Burnout and exhaustion.
  {
    kind: "burnout",
    subject: "not_other",
    pattern:
      /\b(?:burn(?:ed|t|ing) ?out|burnout|(?:about|close|going|near) to burn out|running on empty|at the end of my rope|at my wits'? end|at my wit's end|exhausted(?! (?:all|every|our|the|their|its|his|her|my|your|options|avenues|possibilities|budget))|drained(?! (?:the|our|their|all|every|its|his|her|my|your|budget))|overwhelmed(?! (?:with|by) (?:leads|inbound|demand|requests|interest|orders|enquiries|inquiries|responses))|(?:can't|cant|cannot|can not) sleep|haven't (?:been )?slept|not sleeping|tired of (?:sales|selling|this job|my job|it all|everything|this career|the grind|this grind|cold calling|life)\b|tired all the time|dread(?:ing)? (?:work|going (?:in|to work|to the office)|mondays?|every (?:day|morning)|each (?:day|morning)|getting up|waking up|the week|logging (?:on|in)|opening my laptop|my job|another day))\b/g,
  },
  {
    kind: "burnout",
    subject: "not_other",
    pattern: new RegExp(
      String.raw`\b(?:so|completely|totally|utterly|really|just|absolutely) (?:tired|worn out)${END}`,
      "g",
    ),
  },
  {
    kind: "burnout",
    subject: "writer",
    pattern:
      /\b(?:panic attacks?|depressed|depression|anxiety|anxious all the time|crying(?! wolf)|falling apart|breaking down|(?:nervous|mental) breakdown|mental health|hopeless)\b/g,
  },
  // Despair.
  {
    kind: "despair",
    subject: "none",
    pattern:
      /\b(?:what's|whats|what is) the point(?= *(?:[.!?,;:)]|$|anymore|any more|of (?:it|it all|anything|any of (?:this|it)|trying|even trying|this job|all this|all of this|going on|carrying on|working|getting up)\b))/g,
  },
  {
    kind: "despair",
    subject: "none",
    pattern:
      /\bno point(?= *(?:[.!?,;:)]|$|anymore|any more|in (?:anything|any of (?:this|it)|trying|even trying|going on|carrying on|it all|getting up)\b))/g,
  },
  {
    kind: "despair",
    subject: "none",
    pattern: new RegExp(
      String.raw`\b${CANT} (?:do this|do it|take (?:it|this)|handle (?:it|this)|keep (?:doing this|doing it|going|this up)|cope|go on|stand (?:it|this)|face (?:it|this|work))(?: anymore| any more| any longer)\b`,
      "g",
    ),
  },
  {
    kind: "despair",
    subject: "none",
    pattern:
      /\b(?:i give up|i'm giving up|im giving up)(?= *(?:[.!?,;:)]|$|on (?:sales|selling|everything|myself|this job|my job|this career|it all)\b))/g,
  },
  {
    kind: "despair",
    subject: "none",
    pattern:
      /\b(?:(?:feel|feeling|i'm|im|i am) (?:like )?(?:a|such a|a complete|a total) (?:failure|fraud|loser)|(?:feel|feeling) (?:so )?(?:worthless|useless|hopeless|empty|numb|broken|defeated)|why (?:do|am) i (?:even )?(?:bother|doing this|still doing this))\b/g,
  },
  {
    kind: "despair",
    subject: "writer",
    pattern:
      /\b(?:hate|hating) (?:my job|this job|my life|sales|selling|my career|what i do|going to work|work)\b|\b(?:losing|lost) (?:my |all )?(?:motivation|the will|my drive|my passion|interest in (?:sales|this job|my job|everything))\b/g,
  },
  // Leaving: the job, not a pilot or a client. Often without a subject ("thinking about quitting sales").
  {
    kind: "leaving",
    subject: "not_other",
    pattern:
      /\b(?:want|wanna|need|going|ready|about|tempted|thinking|considering|planning)(?: to| about| of)? (?:quit|quitting)(?= *(?:[.!?,;:)]|$|my job|this job|the job|sales|selling|everything|it all|this career|my career|this industry|the industry|and|but|honestly|altogether|for good|this company|the company|my company)\b|$)/g,
  },
  {
    kind: "leaving",
    subject: "not_other",
    pattern:
      /\b(?:(?:want|wanna|need|going|ready|about|tempted|thinking|considering|planning)(?: to| about| of)? (?:leave|leaving) (?:sales|selling|my job|this job|the job|this career|my career|this industry|the industry|this company|the company)|done with (?:sales|selling|this job|my job|this career|it all|everything|this industry|all of this)|so over (?:it|this job|sales|everything)|hand(?:ing)? in my notice|handed in my notice|quit(?:ting)? my job|(?:get|getting) out of sales|career change|chang(?:e|ing) careers|(?:find|finding|look(?:ing)? for) (?:a new|a|another) job|update my (?:cv|resume))\b/g,
  },
  {
    kind: "leaving",
    subject: "none",
    pattern:
      /\bi quit(?= *(?:[.!]|$))|\b(?:can't|cant|cannot|can not|don't|dont) see myself (?:doing this|staying|lasting)\b/g,
  },
  // A personal crisis: always the writer's own, or their family's ("my dad"), never the customer's.
  {
    kind: "crisis",
    subject: "writer",
    pattern:
      /\b(?:passed away|died|is dying|funeral(?! (?:home|director|service|parlou?r|industry))|(?:in|into) (?:the )?(?:hospital|icu|er|emergency room)|hospitali[sz]ed|hospice|chemo|chemotherapy|(?:has|have|had|with|fighting|battling|beat) cancer|cancer (?:diagnosis|treatment)|stroke(?! of)|heart attack|(?:having|had|need|after|recovering from) surgery|miscarriage|bereavement|grieving|grief|diagnosed with|(?:got|was|been) diagnosed|family emergency|family crisis|personal crisis|going through a (?:rough|hard|tough|dark|difficult) (?:time|patch|period)|in a dark place|divorce|getting divorced|got divorced|laid off|lost my job|(?:got|was|been|getting|being) (?:fired|let go)|on a pip|performance improvement plan|(?:seriously|terminally|very|really) ill|sick(?! (?:of|and tired|day|days|leave|pay|deal))|a loss in (?:my|the) family)\b/g,
  },
];

// Whose state a phrase is: the last of these before it, in the same sentence. Contractions first, so
// "i'm" is not read as "i".
const SUBJECT =
  /\b(?:i'm|i've|i'd|i'll|im|ive|i|me|my|myself|mine|we're|we've|we|us|our|ours|he's|she's|they're|they've|they'd|it's|you're|he|she|they|his|her|hers|their|theirs|them|it|its|you|your|clients?|client's|customers?|customer's|buyers?|prospects?|champion|cfo|ceo|cto|coo|vp|boss|manager|colleague|coworker|co-worker|team|contact|owner|market|company|deals?|pipeline|project|pilot|proposal|laptop|phone|computer|battery|car|everyone|everybody|someone|somebody|who|account|vendor|competitor|lead|rep)\b/g;
const WRITER = new Set([
  "i'm",
  "i've",
  "i'd",
  "i'll",
  "im",
  "ive",
  "i",
  "me",
  "my",
  "myself",
  "mine",
  "we're",
  "we've",
  "we",
  "us",
  "our",
  "ours",
]);
const NEGATION = /\b(?:not|never|no longer|hardly|dont|doesnt|didnt|wont|isnt|wasnt|arent)\b|n't\b/;
const SENTENCE_END = new Set([".", "!", "?", "\n", ";"]);
/** How far back a subject is looked for: a clause, not a paragraph. */
const LOOK_BACK = 60;

function writersOwn(text: string, at: number, subject: Subject): boolean {
  let start = at;
  while (start > 0 && at - start < LOOK_BACK && !SENTENCE_END.has(text[start - 1] ?? "")) start--;
  const before = text.slice(start, at);
  let last: RegExpExecArray | null = null;
  SUBJECT.lastIndex = 0;
  for (let m = SUBJECT.exec(before); m !== null; m = SUBJECT.exec(before)) last = m;
  const writer = last !== null && WRITER.has(last[0]);
  if (subject === "writer" && !writer) return false;
  if (subject === "not_other" && last !== null && !writer) return false;
  const between = last === null ? before : before.slice(last.index + last[0].length);
  return !NEGATION.test(between);
}

/** Lower case, straight apostrophes, hyphens and dashes as spaces ("burned-out"), one space between words. */
function prepare(raw: string): string {
  // Not normalizeText: coach() reads every message here first, and the few things that matter to these
  // phrases (case, curly apostrophes, dashes, runs of spaces) are cheaper to do alone.
  return raw
    .toLowerCase()
    .replace(/[\u2018\u2019\u201B\u2032`\u00B4]/g, "'")
    .replace(/[-\u2010-\u2015\u2212]/g, " ")
    .replace(/[ \t\u00A0]{2,}|[\t\u00A0]/g, " ");
}

export interface PersonReading {
  /** What the text is about, in PERSON_KINDS order (the most serious first). Never the words. */
  kinds: PersonKind[];
}

/**
 * A word stem that every phrase of RULES contains, tested once before the rules: most deal messages have
 * none, and coach() pays for this reading on every call. When a phrase is added to RULES, its stem goes
 * here too (test/unit/person.test.ts reads every example with and without this gate).
 */
const STEMS =
  /burn|empty|rope|wits|wit's|exhaust|drain|overwhelm|sleep|slept|tired|dread|worn|panic|depress|anxi|cry|apart|break|mental|hope|point|anymore|any more|any longer|giv|failure|fraud|loser|worthless|useless|numb|broken|defeated|bother|doing this|hate|hating|motivation|the will|drive|passion|interest in|quit|leav|done with|so over|out of sales|notice|career|job|cv|resume|see myself|passed|died|dying|funeral|hospi|icu|\ber\b|emergency|chemo|cancer|stroke|heart|surgery|miscarriage|bereave|grie|diagnos|crisis|going through|dark|divorc|laid|fired|let go|\bpip\b|performance|\bill\b|sick|loss/;

/** The person reading of a text, or null when the text is not about the writer's own state. */
export function readPerson(raw: string): PersonReading | null {
  return readPersonGated(raw, true);
}

/** readPerson, with the STEMS gate switchable so a test can show it changes no reading. */
export function readPersonGated(raw: string, gated: boolean): PersonReading | null {
  const text = prepare(raw);
  if (gated && !STEMS.test(text)) return null;
  const found = new Set<PersonKind>();
  for (const rule of RULES) {
    if (found.has(rule.kind)) continue;
    rule.pattern.lastIndex = 0;
    for (let m = rule.pattern.exec(text); m !== null; m = rule.pattern.exec(text)) {
      if (m[0].length === 0) rule.pattern.lastIndex++;
      const own =
        rule.subject === "none" ? notNegated(text, m.index) : writersOwn(text, m.index, rule.subject);
      if (own) {
        found.add(rule.kind);
        break;
      }
    }
  }
  if (found.size === 0) return null;
  return { kinds: PERSON_KINDS.filter((k) => found.has(k)) };
}

/** No negation in the few words just before a phrase with its own subject ("not that I give up"). */
function notNegated(text: string, at: number): boolean {
  return !NEGATION.test(text.slice(Math.max(0, at - 12), at));
}

export function aboutThePerson(text: string): boolean {
  return readPerson(text) !== null;
}
