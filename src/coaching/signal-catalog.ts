import type { Theme } from "./taxonomy.js";

// Every signal the extractor can raise and the themes it routes to (docs/method.md, "Signals and routing"). A signal's primary themes
// are what it is evidence for; secondary themes are where a second question goes when nothing stronger
// competes. Ids are part of the CLI's JSON output: add, never rename.
export const SIGNAL_ROUTES = {
  late_stage_paper_unknown: { primary: ["decision_process"], secondary: ["absence_of_no"] },
  paper_formality: { primary: ["decision_process"], secondary: ["absence_of_no"] },
  close_date_slipped: { primary: ["urgency"], secondary: ["absence_of_no"] },
  gone_quiet: { primary: ["next_step"], secondary: ["urgency", "trust"] },
  stalled: { primary: ["urgency"], secondary: ["next_step"] },
  quota_pressure: { primary: ["customer_success"], secondary: ["impact"] },
  discount: { primary: ["customer_success"], secondary: ["impact"] },
  amount_cut_pulled_in: { primary: ["customer_success"], secondary: ["value_over_time"] },
  single_threaded: { primary: ["stakeholders"], secondary: ["decision_process"] },
  champion_change: { primary: ["stakeholders"], secondary: ["trust", "urgency"] },
  no_pushback: { primary: ["absence_of_no"], secondary: ["decision_process"] },
  price_objection: { primary: ["concerns"], secondary: ["impact", "competition"] },
  concern_raised: { primary: ["concerns"], secondary: ["trust"] },
  competitor: { primary: ["competition"], secondary: ["decision_process"] },
  budget_constraint: { primary: ["budget"], secondary: ["urgency"] },
  no_perceived_problem: { primary: ["provocation"], secondary: ["urgency", "impact"] },
  metrics_missing: { primary: ["impact"], secondary: ["goals", "decision_process"] },
  new_opportunity: { primary: ["goals"], secondary: ["problem_cause"] },
  feature_request: { primary: ["problem_cause"], secondary: ["decision_process"] },
  decision_pending: { primary: ["decision_process"], secondary: ["stakeholders"] },
  renewal: { primary: ["value_over_time"], secondary: ["stakeholders", "customer_success"] },
  closed_won: { primary: ["value_over_time"], secondary: ["next_step"] },
  closed_lost: { primary: ["self_reflection"], secondary: ["competition"] },
  answer_request: { primary: ["self_reflection"], secondary: [] },
  injection_attempt: { primary: ["self_reflection"], secondary: [] },
  trust_incident: { primary: ["trust"], secondary: ["value_over_time"] },
  frustration: { primary: ["self_reflection"], secondary: ["trust"] },
  vague_next_step: { primary: ["next_step"], secondary: ["urgency"] },
  no_context: { primary: ["self_reflection"], secondary: [] },
  // Small-business and freelance situations (docs/real-seller-posts.md "Themes", rule 2).
  pricing_question: { primary: ["goals"], secondary: ["impact"] },
  ongoing_work: { primary: ["value_over_time"], secondary: ["customer_success"] },
  intermediary: { primary: ["stakeholders"], secondary: ["trust"] },
  commitment_terms: { primary: ["next_step"], secondary: ["urgency"] },
  extra_work_billing: { primary: ["trust"], secondary: ["impact"] },
  undervalued: { primary: ["impact"], secondary: ["budget"] },
  silent_after_price: { primary: ["concerns"], secondary: ["trust"] },
  self_doubt: { primary: ["self_reflection"], secondary: ["trust"] },
  own_decision: { primary: ["self_reflection"], secondary: ["trust"] },
  difficult_conversation: { primary: ["trust"], secondary: ["customer_success"] },
} as const satisfies Record<string, { primary: readonly Theme[]; secondary: readonly Theme[] }>;

export type SignalId = keyof typeof SIGNAL_ROUTES;
export const SIGNAL_IDS = Object.keys(SIGNAL_ROUTES) as SignalId[];

export function isSignalId(value: string): value is SignalId {
  return Object.hasOwn(SIGNAL_ROUTES, value);
}

/** Signals about the rep asking for answers or trying to bend the bot; they get the ownership question first (docs/method.md). */
export const ADVERSARIAL_SIGNALS: readonly SignalId[] = ["answer_request", "injection_attempt"];

/**
 * Signals about the rep (their feelings, requests and own pressures), read from the rep's own words only:
 * inside a quoted customer e-mail or "they said ...", "ugh" or "my quota" are not the rep's.
 */
export const REP_VOICE_SIGNALS: ReadonlySet<SignalId> = new Set<SignalId>([
  "answer_request",
  "frustration",
  "quota_pressure",
  "self_doubt",
  "difficult_conversation",
]);

/** Signals that say how the rep feels or doubts; they do not describe the deal. */
export const FEELING_SIGNALS: readonly SignalId[] = ["frustration", "self_doubt"];
