import type { Stage, Theme } from "../coaching/taxonomy.js";

// Deal updates from every source (our own schema, HubSpot, Pipedrive, deal channels) are normalised into
// one shape before anything else looks at them.

export type DealSource = "deals" | "hubspot" | "pipedrive" | "slack";

/** A deal as a source describes it. Fields a source did not send are absent, not null. */
export interface DealSnapshot {
  id: string;
  name?: string;
  /** Stage id, mapped from the CRM's label; absent when unknown. */
  stage?: Stage;
  /** The CRM's own stage label or id, kept for messages and for a later mapping. */
  stageLabel?: string;
  amount?: number;
  currency?: string;
  /** YYYY-MM-DD */
  closeDate?: string;
  ownerEmail?: string;
  nextStep?: string;
  /** RFC 3339 */
  lastActivityAt?: string;
  forecastCategory?: "pipeline" | "best_case" | "commit" | "closed" | "omitted";
  discountPercent?: number;
  competitor?: string;
  contactCount?: number;
  status?: "open" | "won" | "lost";
}

export interface DealUpdate {
  source: DealSource;
  /** Unique within the source; the inbox dedupes on (source, eventId). */
  eventId: string;
  /** RFC 3339; updates of one deal are processed in this order. */
  occurredAt: string;
  deal: DealSnapshot;
  /** The same fields as they were before this change, when the source says. */
  previous?: Partial<Omit<DealSnapshot, "id">>;
  /** Free text from the CRM (a note, the message in a deal channel); goes through the same signals. */
  note?: string;
  /** Which fields this update changed, in DealSnapshot names. */
  changedFields: string[];
  /** The source says this change came from Deal Coach itself (an echo of our own write). */
  echo?: boolean;
  /** When the owner's email is not in the payload: the CRM's owner id, resolved later through its API. */
  ownerRef?: { crm: "hubspot" | "pipedrive"; id: string };
}

/** What a deal update means for coaching. */
export type TriggerKind =
  | "new_deal"
  | "stage_change"
  | "close_date_moved"
  | "idle"
  | "discount"
  | "pull_in"
  | "late_stage_untested"
  | "won"
  | "won_30"
  | "won_90"
  | "lost";

export interface Trigger {
  kind: TriggerKind;
  /** Themes to ask from, in order. */
  themes: Theme[];
  /** One nudge per deal per key ("stage_change:negotiation", "close_date_moved:2"). */
  key: string;
  /** A short, factual line naming what changed, shown above the questions ("Moved to Negotiation"). */
  summary: string;
}

/** What we remember about a deal across updates. */
export interface DealState {
  source: DealSource;
  dealId: string;
  snapshot: DealSnapshot;
  /** How many times the close date has moved (any direction) since we first saw the deal. */
  closeDateMoves: number;
  /** Whether an objection or risk has ever been recorded (a concern in a note, a competitor, ...). */
  riskRecorded: boolean;
  /** RFC 3339 time the deal was won, for the +30 and +90 day follow-ups. */
  wonAt?: string;
  /**
   * RFC 3339 occurrence time of the last update that was not an echo of our own write. The idle sweep
   * falls back to it when the CRM sends no last-activity time. Absent in states stored before it existed.
   */
  lastSeenAt?: string;
  /**
   * RFC 3339 occurrence time of the last stage change (for the weekly reflection's "moved this week").
   * Absent in states stored before it existed, and for a deal whose stage never changed.
   */
  stageChangedAt?: string;
  /** RFC 3339 occurrence time of the last close-date move of an open deal ("slipped this week"). */
  closeDateMovedAt?: string;
}

/**
 * A source marks a creation event (HubSpot deal.creation, Pipedrive action "create", Salesforce CREATE)
 * by listing this in DealUpdate.changedFields: the deal's id is what came into being.
 */
export const DEAL_CREATED_FIELD = "id";
