import type { Stage } from "./taxonomy.js";

// CRM stage labels -> the coach's stage ids (docs/method.md). Salesforce, HubSpot and Pipedrive defaults plus common words;
// matched on a lower-cased label with punctuation folded to spaces. Teams override with DEAL_STAGE_MAP.
export const DEFAULT_STAGE_MAP: Readonly<Record<string, Stage>> = {
  prospecting: "prospecting",
  prospect: "prospecting",
  lead: "prospecting",
  "lead in": "prospecting",
  "new lead": "prospecting",
  outreach: "prospecting",
  discovery: "discovery",
  "needs analysis": "discovery",
  appointmentscheduled: "discovery",
  "appointment scheduled": "discovery",
  "contact made": "discovery",
  "intro call": "discovery",
  qualification: "qualification",
  qualified: "qualification",
  qualifiedtobuy: "qualification",
  "qualified to buy": "qualification",
  "id decision makers": "qualification",
  "value proposition": "solution",
  solution: "solution",
  demo: "solution",
  "demo scheduled": "solution",
  presentationscheduled: "solution",
  "presentation scheduled": "solution",
  evaluation: "solution",
  pilot: "solution",
  poc: "solution",
  trial: "solution",
  "perception analysis": "solution",
  "needs defined": "solution",
  decisionmakerboughtin: "proposal",
  "decision maker bought in": "proposal",
  proposal: "proposal",
  "proposal price quote": "proposal",
  "proposal made": "proposal",
  quote: "proposal",
  negotiation: "negotiation",
  "negotiation review": "negotiation",
  "negotiations started": "negotiation",
  negotiating: "negotiation",
  contractsent: "closing",
  "contract sent": "closing",
  closing: "closing",
  commit: "closing",
  "verbal commit": "closing",
  signature: "closing",
  "closed won": "post_sale",
  closedwon: "post_sale",
  won: "post_sale",
  onboarding: "post_sale",
  implementation: "post_sale",
  "post sale": "post_sale",
  renewal: "renewal",
  expansion: "renewal",
  upsell: "renewal",
  "closed lost": "closed_lost",
  closedlost: "closed_lost",
  lost: "closed_lost",
};

export function foldLabel(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** Maps a CRM stage label (or a stage id) to a stage id; undefined when nothing matches. */
export function mapStageLabel(
  label: string,
  overrides: Readonly<Record<string, Stage>> = {},
): Stage | undefined {
  const folded = foldLabel(label);
  const id = folded.replace(/ /g, "_");
  for (const map of [overrides, DEFAULT_STAGE_MAP]) {
    for (const [key, stage] of Object.entries(map)) {
      if (foldLabel(key) === folded) return stage;
    }
  }
  const known: readonly string[] = Object.values(DEFAULT_STAGE_MAP);
  return known.includes(id) ? (id as Stage) : undefined;
}
