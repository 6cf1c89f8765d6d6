import type { Stage } from "./taxonomy.js";

/** Structured deal fields, as a CRM or a pasted field dump gives them. All optional. */
export interface DealFields {
  stage?: Stage;
  amount?: number;
  previous_amount?: number;
  close_date?: string;
  previous_close_date?: string;
  close_date_moves?: number;
  days_since_activity?: number;
  days_in_stage?: number;
  discount_percent?: number;
  contact_count?: number;
  competitor?: string;
  forecast_category?: "pipeline" | "best_case" | "commit" | "closed" | "omitted";
  status?: "open" | "won" | "lost";
  next_step?: string;
  /** The business objective / metrics field; present but empty means nobody recorded one. */
  metrics?: string;
  /** What is known about legal, procurement and signature; present but empty means unknown. */
  paper_process?: string;
  renewal_in_days?: number;
  usage_change_percent?: number;
}

/** What the coach is asked about: free text plus whatever is known. */
export interface Situation {
  text: string;
  stage?: Stage;
  deal?: DealFields;
}
