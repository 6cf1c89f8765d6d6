import type { DealFields } from "../coaching/deal.js";
import type { DealHistoryEntry } from "../store/deal-types.js";
import type { DealSnapshot, DealState } from "./types.js";

// A stored deal -> the structured fields the coach reads (README "Deal fields reach the coach"), so the
// rules on close-date moves, days in stage, last activity, discount, competitor and contacts fire on
// nudges and in deal channels, not only on pasted field dumps. Pure: time and history are arguments.

const DAY_MS = 86_400_000;

function daysSince(at: string | Date | undefined, now: Date): number | undefined {
  if (at === undefined) return undefined;
  const ms = at instanceof Date ? at.getTime() : Date.parse(at);
  if (Number.isNaN(ms)) return undefined;
  return Math.max(0, Math.floor((now.getTime() - ms) / DAY_MS));
}

/** Won or lost from the status, or from a closed stage when the CRM has no status (as triggers.ts reads it). */
export function outcomeOf(deal: Partial<DealSnapshot>): "open" | "won" | "lost" {
  if (deal.status) return deal.status;
  if (deal.stage === "closed_lost") return "lost";
  if (deal.stage === "post_sale") return "won";
  return "open";
}

function isOpen(deal: Partial<DealSnapshot>): boolean {
  return outcomeOf(deal) === "open";
}

/** The latest recorded change of a field, or undefined when it never changed. */
function lastChange(history: readonly DealHistoryEntry[], field: keyof DealSnapshot) {
  let last: DealHistoryEntry | undefined;
  for (const entry of history) if (entry.field === field) last = entry;
  return last;
}

/**
 * The fields a source said, as of `now`. A closed deal keeps what it was (stage, amount, dates, status)
 * and, when lost, who it was lost to; how it was sold (discount, contacts, forecast, next step, quiet
 * days) is history: a won deal's follow-up a month later is not a discount to question or a deal gone quiet.
 */
export function snapshotFields(deal: Partial<DealSnapshot>, now: Date): DealFields {
  const fields: DealFields = {};
  const open = isOpen(deal);
  if (deal.stage !== undefined) fields.stage = deal.stage;
  if (deal.amount !== undefined) fields.amount = deal.amount;
  if (deal.closeDate !== undefined) fields.close_date = deal.closeDate;
  if (deal.status !== undefined) fields.status = deal.status;
  if (deal.competitor !== undefined && outcomeOf(deal) !== "won") fields.competitor = deal.competitor;
  if (!open) return fields;
  if (deal.discountPercent !== undefined) fields.discount_percent = deal.discountPercent;
  if (deal.contactCount !== undefined) fields.contact_count = deal.contactCount;
  if (deal.forecastCategory !== undefined) fields.forecast_category = deal.forecastCategory;
  if (deal.nextStep !== undefined) fields.next_step = deal.nextStep;
  const quiet = daysSince(deal.lastActivityAt, now);
  if (quiet !== undefined) fields.days_since_activity = quiet;
  return fields;
}

/**
 * What we know about a stored deal: its current fields, plus what only its history tells: how often the
 * close date moved and from where, the amount before its last change, how long it has sat in its stage
 * (since the last stage change we recorded, or since we first saw it in that stage: at least that long)
 * and, when the CRM sends no activity time, how long since we last heard of it.
 */
export function dealFields(state: DealState, history: readonly DealHistoryEntry[], now: Date): DealFields {
  const fields = snapshotFields(state.snapshot, now);
  if (isOpen(state.snapshot)) {
    if (state.closeDateMoves > 0) fields.close_date_moves = state.closeDateMoves;
    const close = lastChange(history, "closeDate");
    if (close?.oldValue) fields.previous_close_date = close.oldValue;
    const amount = lastChange(history, "amount");
    const before = amount?.oldValue ? Number(amount.oldValue) : Number.NaN;
    if (!Number.isNaN(before)) fields.previous_amount = before;
    const inStage = daysSince(lastChange(history, "stage")?.occurredAt ?? state.stageChangedAt, now);
    if (inStage !== undefined && state.snapshot.stage !== undefined) fields.days_in_stage = inStage;
    if (fields.days_since_activity === undefined) {
      const quiet = daysSince(state.lastSeenAt, now);
      if (quiet !== undefined) fields.days_since_activity = quiet;
    }
  }
  return fields;
}
