// What a question may take for granted about a deal: the premise vocabulary, and a word list per premise
// that finds the premises a question's wording presupposes. Pure data and string matching, so the coach,
// `library check` and the measurement in bench/ can share it. How the ids were chosen and how the real
// posts were labelled with them: docs/real-seller-posts.md.

export const PREMISES = {
  close_date:
    "A date or deadline the deal or the work runs to (decision, signature, start, delivery, event).",
  demo: "A demo, presentation, pitch, sample, mock-up, pilot or trial has been shown or is booked.",
  proposal_or_quote: "A proposal, quote, estimate or bid has been given, or the customer asked for one.",
  price_named: "A price, rate or amount for this deal has been named to the customer, by either side.",
  signed_or_live: "The deal is won: a signed contract, an accepted bid, work under way, delivered or live.",
  renewal: "An ongoing contract, retainer or subscription is being renewed, expanded or re-priced.",
  existing_client: "The customer has bought from the seller before (an existing client or account).",
  discount_or_price_request: "A discount, lower price or price concession is asked for or on the table.",
  competitor: "Another seller, an incumbent or an in-house option competes for this deal.",
  named_stakeholder:
    "A specific person or role on the buyer's side beyond 'the client' (a boss, owner, manager).",
  champion: "Someone on the buyer's side actively advocates for the seller internally.",
  forecast: "The seller's forecast, pipeline, quota, target or quarter is part of the story.",
  budget: "The customer's budget, funding or spending limit is mentioned.",
  objection: "The customer voiced a concern, objection, complaint or pushback.",
  no_response: "The customer went quiet, stopped replying or did not show up.",
  lost: "The deal or bid was lost, cancelled, or the customer chose someone else.",
  stakeholder_change:
    "A person on the buyer's side is new in the role, left, or a reorganisation moved people.",
  paper_process: "The buyer's legal, procurement, security or approval process is part of the story.",
  delay: "The decision, the date or the work has slipped, stalled or been put on hold.",
  incident: "Something failed or went wrong on the seller's side that the customer experienced.",
} as const satisfies Record<string, string>;

export type Premise = keyof typeof PREMISES;
export const PREMISE_IDS = Object.keys(PREMISES) as Premise[];

export function isPremise(value: string): value is Premise {
  return Object.hasOwn(PREMISES, value);
}

/**
 * Premises that come with another: a won deal makes the buyer a client; a renewal is of something signed.
 * A question that presupposes the implied premise is fair wherever the implying one is established.
 */
export const PREMISE_IMPLIES: Partial<Record<Premise, readonly Premise[]>> = {
  signed_or_live: ["existing_client"],
  renewal: ["existing_client", "signed_or_live"],
  lost: ["proposal_or_quote"],
};

/** The premises given plus everything they imply. */
export function withImplied(premises: Iterable<Premise>): Set<Premise> {
  const out = new Set<Premise>();
  const add = (p: Premise) => {
    if (out.has(p)) return;
    out.add(p);
    for (const q of PREMISE_IMPLIES[p] ?? []) add(q);
  };
  for (const p of premises) add(p);
  return out;
}

/**
 * Phrases in a question's wording that take a premise for granted, matched case-insensitively at word
 * boundaries. A phrase belongs here only when a question using it makes no sense without the premise:
 * "this close date" needs a date, while "what is driving their timeline" does not. Hypotheticals ("if
 * they chose another vendor") and future steps ("once they say yes") are not premises. Kept short and
 * literal so that a library author can predict what `library check` will flag.
 */
export const PREMISE_WORDS: Record<Premise, readonly string[]> = {
  close_date: ["close date", "this date", "that date", "the date", "deadline", "decide by", "your date"],
  demo: ["demo", "demonstration", "presentation", "pilot", "trial"],
  proposal_or_quote: ["proposal", "quote", "quoted", "your estimate", "bid", "rfp", "asked for pricing"],
  price_named: ["the price", "price has not come up", "your price"],
  signed_or_live: [
    "go-live",
    "go live",
    "onboarding",
    "usage",
    "adoption",
    "using it",
    "not yet using",
    "since the incident",
    "users voiced",
  ],
  renewal: ["renewal", "renew", "renewed", "expansion", "expanding"],
  existing_client: [
    "since they bought",
    "since they first bought",
    "first bought",
    "first signed",
    "first purchase",
    "history of this relationship",
  ],
  discount_or_price_request: ["discount", "lower price", "price match", "matching price"],
  competitor: [
    "competitor",
    "the other vendor",
    "other option",
    "option they chose",
    "option they picked",
    "incumbent",
    "current provider",
  ],
  named_stakeholder: ["senior person", "new person", "person stepping", "budget holder", "their executive"],
  champion: ["champion"],
  forecast: ["forecast", "commit", "quarter", "your number", "your target", "commission", "quota"],
  budget: ["freeze", "frozen", "budget was cut", "no budget", "fit the budget"],
  objection: [
    "concern they raised",
    "this concern",
    "that concern",
    "when they raised it",
    "too high",
    "dislike",
    "opposition",
    "redlines",
    "frustrations",
  ],
  no_response: ["went quiet", "went silent", "stops responding", "stopped responding", "silence", "silent"],
  lost: ["this loss", "was lost", "the loss", "leaning toward the other", "decision was made"],
  stakeholder_change: [
    "new leader",
    "reorganisation",
    "reorganization",
    "reorg",
    "stepping into the role",
    "new person in the role",
    "inherited",
    "new contact",
  ],
  paper_process: ["legal", "procurement", "security review", "security questions", "paper process"],
  delay: ["reasons for delay", "time the close date slipped", "delayed", "on hold", "stalled"],
  incident: ["incident", "outage"],
};

function literal(phrase: string): string {
  return phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// One pattern per premise, compiled once; phrases are literal, so matching is linear in the text.
const PATTERNS: ReadonlyArray<readonly [Premise, RegExp]> = PREMISE_IDS.map((p) => [
  p,
  new RegExp(`\\b(?:${PREMISE_WORDS[p].map(literal).join("|")})\\b`, "i"),
]);

/** The premises a question's wording presupposes, by the word lists above, in PREMISE_IDS order. */
export function presupposedPremises(questionText: string): Premise[] {
  return PATTERNS.filter(([, re]) => re.test(questionText)).map(([p]) => p);
}
