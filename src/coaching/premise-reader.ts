import type { DealFields } from "./deal.js";
import { PREMISE_IMPLIES, type Premise, withImplied } from "./premises.js";
import { firstAccepted, globalTwin, hypothetical, negated, pastDate } from "./scope.js";
import type { Stage } from "./taxonomy.js";

// What the rep's situation establishes, so that a question is asked only where its premises hold
// (docs/real-seller-posts.md "Premises"). Words and phrases in the rep's text, the structured deal
// fields and a stage the rep or the CRM stated. Pure. Each pattern is an alternation of words with
// bounded optional parts, so the scan is linear in the text (test/unit/regex-linear-*.test.ts).
//
// A rule errs on the side of not establishing: a premise wrongly found lets a question ask about
// something the rep never mentioned, while one missed only narrows the choice of question.

interface Rule {
  premise: Premise;
  pattern: RegExp;
  /** "not signed yet", "no demo": a negation just before the match does not establish the premise. */
  negatable?: boolean;
  /** Words that, just before the match, make it someone else's ("their competitors" are the buyer's own). */
  notAfter?: RegExp;
  /**
   * An event that a condition in the sentence makes not a fact ("if we get to a demo"); "done": one that
   * a future does too ("once they sign", "I will make sure it is signed"). scope.ts hypothetical().
   */
  fact?: "event" | "done";
  /** A date (with a number in it) told as a past event is not one the deal runs to (scope.ts pastDate). */
  datesAhead?: boolean;
}

const MONTH =
  "january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec";
const WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri";

const RULES: readonly Rule[] = [
  {
    premise: "close_date",
    pattern: new RegExp(
      [
        `\\b(?:deadlines?|due date|close date|closing date|go-?live date|launch date|start date|target date|event date|cut-?off)\\b`,
        // "done by the end of the month", not "done by the team"; "sign by the 15th", not "ready by 2 devs"
        `\\b(?:due|decide|decision|sign|signed|signature|close|closes|closing|launch|launches|live|done|ready|finished|delivered) (?:by|on|before) (?:the (?:end|\\d|first|last|middle|start|beginning)|(?:this|next) (?:week|month|quarter|year|${WEEKDAY})|end |eo[mqy]\\b|${WEEKDAY}|${MONTH}|\\d{1,2}(?:st|nd|rd|th)\\b|\\d{1,2}/\\d)`,
        `\\bby (?:the )?(?:end of (?:the )?(?:month|quarter|year|week|q[1-4])|eo[mqy]|${WEEKDAY}|tomorrow|(?:${MONTH})\\b)`,
        `\\b(?:end of (?:the )?(?:month|quarter|year)|eo[mqy]|q[1-4])\\b`,
        `\\b(?:${MONTH}) \\d{1,2}(?:st|nd|rd|th)?\\b`,
        `\\b\\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:${MONTH})\\b`,
        // 9/30 or 10/14; not a 50/25 split, "1/3 of my list", "about 1/2 a mile", "4/5 stars", "rated 8/10"
        `\\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\\d|3[01])\\b(?<!\\b(?:v|version|ver|rated|rating|score|scored|about|around|roughly|nearly|almost|only|over|under) \\d{1,2}/\\d{1,2})(?!%| ?(?:of|a|an|the|mile|miles|stars?|split|ratio|chance|odds|rating|score|points?)\\b)`,
        // a conference as an event, not a conference call or room
        `\\b(?:wedding|black friday|christmas|holiday season|trade show|conference(?! (?:call|calls|room|line|bridge))|grand opening|tax season)\\b`,
      ].join("|"),
      "g",
    ),
    negatable: true,
    fact: "event",
    datesAhead: true,
  },
  {
    premise: "demo",
    pattern:
      /\b(?:demo|demos|demoed|demonstration|presentation|presented|pitch|pitched|mock-?ups?|samples?|pilot|trial|poc|proof of concept|prototype|walkthrough)\b/g,
    negatable: true,
    fact: "event",
  },
  {
    premise: "proposal_or_quote",
    pattern:
      /\bestimates?\b(?<!\b(?:i|we) estimates?)|\bquotes?\b(?!,? ?(?:unquote|"))|\b(?:proposals?|quoted|quoting|bids?|bidding|rfps?|rfq|sow|statement of work|pitch deck|asked (?:me |us )?for (?:a |my |our )?(?:price|pricing|rate|quote|proposal)|sent (?:them |him |her )?(?:the |a |my |our )?(?:pricing|price|rates?|offer))\b/g,
    negatable: true,
    fact: "event",
  },
  {
    premise: "price_named",
    pattern:
      /(?:[$€£]\s?\d|\b\d+(?:[.,]\d+)?\s?(?:k|usd|eur|gbp|dollars|euros|bucks|an hour|per hour|\/hr|\/hour|per month|\/mo|a month|per day|a day)\b|\b(?:my|our|the|their|your|this|his|her) (?:price|rate|fee|hourly rate|day rate)\b)/,
  },
  {
    premise: "signed_or_live",
    pattern:
      /\b(?:signed|countersigned|closed[- ]?won|won the (?:deal|bid|contract|job|project)|went live|go-?live|onboarding|kicked off|kick-?off|hired (?:me|us)|accepted (?:my|our|the) (?:bid|quote|proposal|offer|estimate)|invoiced?|invoices|unpaid|delivered|deliverables|halfway through|mid-project|started (?:the )?(?:work|project|job)|working (?:for|with) (?:them|this client|a client) (?:for|since)|paid (?:me|us)|pay (?:me|us)|payment(?! (?:terms|schedule|plan|options?|structure|up ?front)))\b/g,
    negatable: true,
    fact: "done",
  },
  {
    premise: "renewal",
    pattern:
      /\b(?:renew|renews|renewal|renewals|renewing|renewed|expansion|expand|upsell|up-?sell|re-?price|price increase|raise (?:my|our) (?:rates?|prices?)|raising (?:my|our) (?:rates?|prices?)|retainers?)\b/,
  },
  {
    premise: "existing_client",
    pattern:
      /\b(?:existing (?:client|customer|account)s?|(?:long-?time|long-?standing|longtime|repeat|regular|returning|former|past|old|current) (?:client|customer)s?|worked (?:with|for) (?:them|this client|him|her) (?:before|for|since)|(?:been )?working (?:with|for) (?:them|this client|him|her) for|previous (?:project|job|order)s?|bought from (?:us|me) before|(?:client|customer) (?:for|since) (?:years|\d+))\b/,
  },
  {
    premise: "discount_or_price_request",
    pattern:
      /\b(?:discounts?|discounted|lower (?:the |my |our |your )?(?:price|rate|fee|quote)(?! than)|cheaper|lowball\w*|low-?ball\w*|price match|match (?:the|their|a) (?:price|quote)|knock\w* (?:\w+ )?off|reduce (?:the |my |our |your )?(?:price|rate|fee)|best price|\d+ ?% off|percent off|haggl\w*|negotiat\w* (?:the |my |our )?(?:price|rate|fee)|come down (?:on|in) (?:price|rate)|too (?:expensive|high)|(?:costs?|charg\w*|paying|asking|price is|it's|that's) too much)\b/,
    negatable: true,
    fact: "event",
  },
  {
    premise: "competitor",
    pattern:
      /\bcompetitor\b|\bcompetitors\b(?<!\b(?:my|our) competitors)|\b(?:incumbent|another (?:vendor|agency|freelancer|company|provider|contractor|designer|developer|firm|shop|supplier|seller)|other (?:vendors?|agency|freelancers?|quotes|bids|providers?|contractors?|suppliers?|sellers)|current (?:provider|vendor|agency|supplier)|in-?house|someone (?:else |)cheaper|went with (?:someone|somebody|another|a different|a cheaper|the other)|chose (?:someone|somebody|another|a different))\b/g,
    negatable: true,
    fact: "event",
    // "their competitors" are the buyer's own; "my competitors" (plural, above) are the rep's market,
    // while "our competitor" in a deal is this deal's.
    notAfter: /\b(?:their|his|her|its|client's|customer's|clients'|customers')\s$/,
  },
  {
    premise: "named_stakeholder",
    pattern:
      /\b(?:(?:their|the|his|her|client's|company's) (?:boss|owner|manager|ceo|cfo|cto|coo|cmo|vp|director|founder|partner|board|president|head of \w+|marketing manager|office manager|it team|team lead|wife|husband|accountant)|vp|ceo|cfo|cto|coo|cmo|decision-?makers?|economic buyer|stakeholders?|champion|champ|business owner|owner of the)\b/,
  },
  { premise: "champion", pattern: /\b(?:champion|champ|internal advocate|our sponsor|exec sponsor)\b/ },
  {
    premise: "forecast",
    pattern:
      /\b(?:forecast\w*|pipeline|quota|commit|in commit|best case|(?:my|our|sales) (?:target|number|numbers)(?! (?:clients?|customers?|market|audience|group|demographic|niche|buyers?))|commission|this quarter|end of (?:the )?quarter|eoq|q[1-4])\b/,
  },
  {
    premise: "budget",
    pattern:
      /\b(?:budgets?|funding|funded|afford|affordable|spending (?:freeze|limit|cap)|money is tight|tight on money|no money|out of money|cash flow)\b/,
  },
  {
    premise: "objection",
    pattern:
      /\b(?:(?:they|they're|client|customer|he|she|he's|she's|boss|owner) (?:is |are |was |were |seem |seems |seemed |got |getting )?(?:worried|concerned|hesitant|skeptical|sceptical|unhappy|not happy|not convinced|upset|annoyed)|(?:their|his|her|client's|customer's) (?:concerns?|worries|doubts|objections?|complaints?|pushback)|(?:raised|voiced|had) (?:a |some |the |any )?(?:concerns?|objections?)|pushback (?:from|by) (?:the |my |this |our |that )?(?:client|customer|buyer|owner|boss|manager|them|him|her)|pushed back|pushing back|objected|complained|complaining|complaints?|too (?:expensive|high|pricey)|didn't like|did not like|doesn't like|does not like)\b/g,
    negatable: true,
    fact: "event",
    // "I pushed back on their terms" is the rep's move; "how do I handle pushback" (above, not matched
    // bare) is the rep's trade in general, not this customer's objection.
    notAfter: /\b(?:i|we|i've|we've|i'd|we'd|i'm|we're)\s$/,
  },
  {
    premise: "no_response",
    pattern:
      /\b(?:ghost\w*|went (?:quiet|silent|dark|mia|awol)|gone (?:quiet|silent|dark)|no (?:reply|replies|response|responses|answer)|not (?:replying|responding|answering)|(?:hasn't|haven't|hasnt|havent|didn't|didnt|never) (?:replied|responded|answered|heard back|gotten back|got back|called back|written back)|stopped (?:replying|responding|answering|returning)|no-?show|didn't show|did not show|radio silence|unresponsive|won't (?:reply|respond|answer)|left (?:me )?on read|heard nothing|not heard back)\b/,
  },
  {
    premise: "lost",
    pattern:
      /\b(?:lost (?:the|it|to|a|this|them|out|my|our|that)|closed[- ]?lost|went with (?:someone|somebody|another|a different|a cheaper|the other)|chose (?:someone|somebody|another|a different)|hired (?:someone|somebody) else|cancel\w*|pulled out|backed out|turned (?:us|me) down|rejected (?:us|me|our|my)|didn't get (?:the|it)|not selected)\b/g,
    fact: "done",
  },
  {
    premise: "stakeholder_change",
    pattern:
      /\b(?:new (?:contact|manager|boss|ceo|vp|director|cfo|head|owner|leader|leadership|decision-?maker|point of contact|marketing manager)|left the company|has left|no longer (?:there|at|with)|reorg\w*|re-?org|restructur\w*|replaced|replacement|took over|taken over|inherited|laid off|resigned|retired|retiring|handed over|handover)\b/g,
    negatable: true,
    fact: "event",
  },
  {
    premise: "paper_process",
    pattern:
      /\b(?:legal|lawyers?|attorneys?|procurement|purchasing (?:department|team)|security (?:review|questionnaire|questions)|msa|dpa|nda|redlines?|contract review|approvals?|sign-?off|vendor (?:onboarding|registration|form)|compliance|red tape|paperwork|docusign|terms and conditions|the board)\b/,
  },
  {
    premise: "delay",
    pattern:
      /\b(?:delay|delays|delayed|slipp?(?:ed|ing|s)?|stall\w*|on hold|postpon\w*|pushed (?:it |the date |the deadline )?(?:back|out)(?! on)|put (?:it )?off|keeps? (?:moving|pushing)|circle back|dragg\w*|drag on|drags on|taking (?:forever|too long|longer)|stuck|not (?:now|right now)|next (?:year|quarter) instead)\b/g,
    negatable: true,
    fact: "event",
  },
  {
    premise: "incident",
    pattern:
      /\b(?:outage|incident|went down|crash\w*|(?:my|our|i made a|we made a) (?:mistake|error)|screwed up|messed up|missed (?:the |a |my |our )?deadline|late delivery|delivered late|(?:i|we) (?:missed|dropped|forgot))\b/g,
    negatable: true,
    fact: "event",
  },
];

/** A stage the rep or the CRM stated stands for what reaching it takes (docs/real-seller-posts.md). */
const STAGE_PREMISES: Partial<Record<Stage, readonly Premise[]>> = {
  solution: ["demo"],
  proposal: ["proposal_or_quote"],
  negotiation: ["proposal_or_quote", "paper_process"],
  closing: ["proposal_or_quote", "paper_process"],
  post_sale: ["signed_or_live"],
  renewal: ["renewal"],
  closed_lost: ["lost"],
};

// Each pattern's global twin, for the rules that look past a denied or hypothetical first match.
// Built once, while the module loads (test/unit/regex-linear-*.test.ts checks every pattern built).
const GLOBAL = new Map<RegExp, RegExp>(RULES.map((r) => [r.pattern, globalTwin(r.pattern)]));

/** A mention that does not establish the rule's premise: denied, someone else's, hypothetical, or past. */
function rejects(rule: Rule, lower: string, m: RegExpExecArray): boolean {
  return (
    (rule.negatable === true && negated(lower, m.index)) ||
    rule.notAfter?.test(lower.slice(Math.max(0, m.index - 12), m.index)) === true ||
    (rule.fact !== undefined && hypothetical(lower, m.index, rule.fact === "done")) ||
    (rule.datesAhead === true && /\d/.test(m[0]) && pastDate(lower, m.index, m.index + m[0].length))
  );
}

/** The words that establish the rule's premise, or undefined. */
function match(rule: Rule, lower: string): string | undefined {
  return firstAccepted(GLOBAL.get(rule.pattern) ?? globalTwin(rule.pattern), lower, rule, rejects)?.[0];
}

function fieldPremises(f: DealFields, out: Set<Premise>): void {
  const filled = (s: string | undefined) => s !== undefined && s.trim() !== "";
  if (filled(f.close_date) || filled(f.previous_close_date)) out.add("close_date");
  if ((f.close_date_moves ?? 0) > 0 || filled(f.previous_close_date)) {
    out.add("close_date");
    out.add("delay");
  }
  if ((f.amount ?? 0) > 0 || (f.previous_amount ?? 0) > 0) out.add("price_named");
  if ((f.discount_percent ?? 0) > 0) out.add("discount_or_price_request");
  if (filled(f.competitor)) out.add("competitor");
  if (f.status === "won") out.add("signed_or_live");
  if (f.status === "lost") out.add("lost");
  if (f.renewal_in_days !== undefined) out.add("renewal");
  if (f.usage_change_percent !== undefined) out.add("signed_or_live");
  if (f.forecast_category !== undefined && f.forecast_category !== "omitted") out.add("forecast");
  if (filled(f.paper_process)) out.add("paper_process");
}

export interface PremiseInput {
  /** The rep's text, lower-cased and normalised as the signal reader sees it. */
  lower: string;
  /** Deal fields: the structured deal merged with a pasted field dump. */
  fields?: DealFields;
  /** A stage the rep or the CRM stated; a stage guessed from a word in the text adds nothing here. */
  statedStage?: Stage;
}

/** The premises the situation establishes, with what they imply (PREMISE_IMPLIES). */
export function readPremises(input: PremiseInput): Set<Premise> {
  const found = new Set<Premise>();
  for (const rule of RULES)
    if (!found.has(rule.premise) && match(rule, input.lower) !== undefined) found.add(rule.premise);
  if (input.fields) fieldPremises(input.fields, found);
  for (const p of (input.statedStage && STAGE_PREMISES[input.statedStage]) ?? []) found.add(p);
  return withImplied(found);
}

/** Asks whether one premise is established. */
export interface PremiseCheck {
  has(premise: Premise): boolean;
}

// The premises that bring each one with them: `existing_client` holds wherever `renewal` does.
const IMPLIED_BY = new Map<Premise, Premise[]>();
for (const [from, tos] of Object.entries(PREMISE_IMPLIES) as Array<[Premise, readonly Premise[]]>)
  for (const to of withImplied(tos)) IMPLIED_BY.set(to, [...(IMPLIED_BY.get(to) ?? []), from]);
const RULES_BY_PREMISE = new Map<Premise, Rule[]>();
for (const rule of RULES)
  RULES_BY_PREMISE.set(rule.premise, [...(RULES_BY_PREMISE.get(rule.premise) ?? []), rule]);

/**
 * readPremises, read on demand: coach() runs on every message, and most questions presuppose nothing,
 * so only the premises the candidate questions declare are looked for in the text, each once.
 */
export function premiseCheck(input: PremiseInput): PremiseCheck {
  const given = new Set<Premise>();
  if (input.fields) fieldPremises(input.fields, given);
  for (const p of (input.statedStage && STAGE_PREMISES[input.statedStage]) ?? []) given.add(p);
  const known = new Map<Premise, boolean>();
  const inText = (p: Premise): boolean => {
    let hit = known.get(p);
    if (hit === undefined) {
      hit = (RULES_BY_PREMISE.get(p) ?? []).some((rule) => match(rule, input.lower) !== undefined);
      known.set(p, hit);
    }
    return hit;
  };
  const direct = (p: Premise) => given.has(p) || inText(p);
  return {
    has: (p) => direct(p) || (IMPLIED_BY.get(p) ?? []).some(direct),
  };
}

/**
 * The words in the text that establish each premise the text rules find (fields and stage not
 * included): what an editor of the library needs to see why a question was or was not eligible.
 */
export function premiseEvidence(lower: string): Partial<Record<Premise, string>> {
  const out: Partial<Record<Premise, string>> = {};
  for (const rule of RULES) {
    if (out[rule.premise] !== undefined) continue;
    const words = match(rule, lower);
    if (words !== undefined) out[rule.premise] = words;
  }
  return out;
}
