import { clipFor } from "../coaching/input-limits.js";
import { extractSignals } from "../coaching/signals.js";
import { FOUNDATIONS, type Stage, stageFit, THEMES, type Theme } from "../coaching/taxonomy.js";
import { businessDaysBetween, utcDate } from "./business-days.js";
import {
  DEAL_CREATED_FIELD,
  type DealSnapshot,
  type DealState,
  type DealUpdate,
  type Trigger,
} from "./types.js";

// Deal update -> coaching triggers (docs/method.md, "Signals and routing"). Pure: time is an argument, and
// nothing here talks to Slack, a database or a CRM. The caller dedupes on (deal, trigger.key), so a key
// names the fact that was coached on, not the event that reported it.

type Field = Exclude<keyof DealSnapshot, "id">;
type Outcome = "open" | "won" | "lost";

const DAY_MS = 86_400_000;
const DISCOUNT_THRESHOLD = 15;
const PULL_IN_WINDOW_DAYS = 21; // "the last 3 weeks" of a quarter
const FOLLOW_UPS = [
  { kind: "won_30", days: 30 },
  { kind: "won_90", days: 90 },
] as const;

// Signals from the shared extractor that mean someone pushed back or a risk is on the table.
const RISK_SIGNALS = new Set(["concern_raised", "price_objection", "competitor"]);
// Words the extractor does not route but that still record a risk in a CRM note.
const RISK_WORDS =
  /\b(?:risks?|risky|blockers?|blocking|red flags?|hesitat\w*|reservations?|threat\w*|objections?|push ?back|worried|worries|concerns?|competitors?)\b/g;
const NEGATION = /\b(?:no|not|nobody|never|without|zero|none|nothing|didn't|don't|dont|isn't|aren't)\b/;
// Tested on trimmed text: `^\s*(?:|...)\s*$` split every run of spaces between its two `\s*` (quadratic).
const EMPTY_TEXT = /^(?:|-|none|n\/a|na|no|null|unknown|tbd)$/i;

interface Context {
  update: DealUpdate;
  /** What the deal looked like before this update: our state first, the source's `previous` second. */
  old: Partial<DealSnapshot>;
  /** The source says the deal was just created; its fields are initial values, not changes. */
  created: boolean;
}

interface Change<V> {
  from: V | undefined;
  to: V;
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!value) return out;
  for (const [key, v] of Object.entries(value))
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  return out;
}

/**
 * Did this update change a field? A known old value must differ, so a value we already hold (a re-sync,
 * a second webhook for one edit) is not a change. An unknown one only counts when the source lists the
 * field as changed, and never on creation: a deal's first values are not moves.
 */
function change<K extends Field>(ctx: Context, field: K): Change<NonNullable<DealSnapshot[K]>> | undefined {
  const to = ctx.update.deal[field];
  if (to === undefined || to === null) return undefined;
  const from = ctx.old[field];
  if (from !== undefined) return from === to ? undefined : { from: from as NonNullable<DealSnapshot[K]>, to };
  if (ctx.created || !ctx.update.changedFields.includes(field)) return undefined;
  return { from: undefined, to };
}

/** Won or lost from the status field, or from a closed stage when the CRM has no status (HubSpot). */
function outcomeOf(deal: Partial<DealSnapshot>): Outcome {
  if (deal.status) return deal.status;
  if (deal.stage === "closed_lost") return "lost";
  if (deal.stage === "post_sale") return "won";
  return "open";
}

function hasText(value: string | undefined): value is string {
  return value !== undefined && !EMPTY_TEXT.test(value.trim());
}

/** A risk word counts unless a negation sits in the few words before it ("no concerns so far"). */
function noteMentionsRisk(note: string): boolean {
  // The note is stored whole; only its first INPUT_LIMITS.crmNote characters are read for risk.
  const report = extractSignals({ text: clipFor("crmNote", note) });
  if (report.signals.some((s) => RISK_SIGNALS.has(s.id))) return true;
  for (const match of report.lower.matchAll(RISK_WORDS)) {
    const before = report.lower.slice(Math.max(0, match.index - 30), match.index);
    if (!NEGATION.test(before.split(/\s+/).slice(-4).join(" "))) return true;
  }
  return false;
}

/** Whether an update records an objection or a risk: a competitor, a discount, a concern in the note. */
export function recordsRisk(update: DealUpdate): boolean {
  if (hasText(update.deal.competitor)) return true;
  if ((update.deal.discountPercent ?? 0) > 0) return true;
  return update.note !== undefined && noteMentionsRisk(update.note);
}

function parseInstant(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function later(a: string | undefined, b: string): string {
  const aMs = a === undefined ? Number.NaN : Date.parse(a);
  return !Number.isNaN(aMs) && aMs > Date.parse(b) ? (a as string) : b;
}

// ---- wording: short, factual, no advice --------------------------------------------------------------

function dealName(deal: Partial<DealSnapshot>, id: string): string {
  return deal.name?.trim() || `Deal ${id}`;
}

function stageName(stage: Stage): string {
  return stage.replace(/_/g, " ");
}

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th"}`;
}

function money(amount: number, currency: string | undefined): string {
  const figure = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 }).format(amount);
  return currency ? `${figure} ${currency}` : figure;
}

// ---- themes ---------------------------------------------------------------------------------------

/** The stage's ● themes (docs/method.md, "The sixteen themes"), foundations first in their order ("From ranked themes to questions"), then the rest. */
export function stageThemes(stage: Stage): Theme[] {
  const most = THEMES.filter((theme) => stageFit(theme, stage) === 2);
  const foundations = FOUNDATIONS.filter((theme) => most.includes(theme));
  return [...foundations, ...most.filter((theme) => !foundations.includes(theme))];
}

// ---- quarter-end pull-in -------------------------------------------------------------------------------

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The first and last date of the last 3 weeks of `now`'s calendar quarter (UTC), as YYYY-MM-DD. */
export function quarterEndWindow(now: Date): { from: string; to: string } {
  const lastMonth = Math.floor(now.getUTCMonth() / 3) * 3 + 2;
  const end = Date.UTC(now.getUTCFullYear(), lastMonth + 1, 0); // day 0 of the next month
  return { from: utcDate(new Date(end - (PULL_IN_WINDOW_DAYS - 1) * DAY_MS)), to: utcDate(new Date(end)) };
}

function pullInTrigger(ctx: Context, name: string, now: Date): Trigger | undefined {
  const close = change(ctx, "closeDate");
  if (!close?.from || !DATE.test(close.from) || !DATE.test(close.to) || close.to >= close.from)
    return undefined;
  const amount = change(ctx, "amount");
  const cut = amount?.from !== undefined && amount.to < amount.from ? amount : undefined;
  const window = quarterEndWindow(now);
  const intoQuarterEnd = close.to >= window.from && close.to <= window.to;
  if (!cut && !intoQuarterEnd) return undefined;
  const moved = `close date pulled in from ${close.from} to ${close.to}`;
  const currency = ctx.update.deal.currency ?? ctx.old.currency;
  const detail = cut
    ? `${moved}, amount down from ${money(cut.from as number, currency)} to ${money(cut.to, currency)}`
    : `${moved}, within 3 weeks of the quarter end`;
  return {
    kind: "pull_in",
    themes: ["customer_success", "value_over_time"],
    key: `pull_in:${close.to}`,
    summary: `${name}: ${detail}`,
  };
}

// ---- the other change triggers --------------------------------------------------------------------

function discountTrigger(ctx: Context, name: string): Trigger | undefined {
  const to = ctx.update.deal.discountPercent;
  if (to === undefined || !(to >= DISCOUNT_THRESHOLD)) return undefined;
  // An unknown earlier discount counts as none: a 20 % discount we have never seen is new to us.
  const from = ctx.old.discountPercent;
  if (from !== undefined && !(to > from)) return undefined;
  return {
    kind: "discount",
    themes: ["customer_success", "impact"],
    key: `discount:${to}`,
    summary: `${name}: discount at ${to} %${from !== undefined && from > 0 ? ` (was ${from} %)` : ""}`,
  };
}

function closeDateTrigger(ctx: Context, name: string, moves: number): Trigger | undefined {
  const close = change(ctx, "closeDate");
  if (!close) return undefined;
  const from = close.from ? ` from ${close.from}` : "";
  return {
    kind: "close_date_moved",
    // A second move is a pattern, not an accident: then ask whether the agreement was ever tested.
    themes: moves >= 2 ? ["urgency", "absence_of_no"] : ["urgency"],
    key: `close_date_moved:${moves}`,
    summary: `${name}: close date moved${from} to ${close.to} (${ordinal(moves)} move)`,
  };
}

/** Late stage reached and nobody ever objected: the agreement is untested (docs/method.md, "absence of no"). */
function lateStageTrigger(
  stage: Stage | undefined,
  name: string,
  riskRecorded: boolean,
): Trigger | undefined {
  if ((stage !== "negotiation" && stage !== "closing") || riskRecorded) return undefined;
  return {
    kind: "late_stage_untested",
    themes: ["absence_of_no", "decision_process"],
    key: `late_stage_untested:${stage}`,
    summary: `${name} moved to ${stageName(stage)} with no objection or risk recorded`,
  };
}

function stageTrigger(stage: Stage | undefined, name: string): Trigger | undefined {
  if (!stage) return undefined;
  return {
    kind: "stage_change",
    themes: stageThemes(stage),
    key: `stage_change:${stage}`,
    summary: `${name} moved to ${stageName(stage)}`,
  };
}

/** The source described a change (an old value, a changed field), so the deal existed before. */
function describesChange(update: DealUpdate): boolean {
  const before = Object.values(update.previous ?? {}).some((v) => v !== undefined);
  return before || update.changedFields.some((f) => f !== DEAL_CREATED_FIELD);
}

function newDealTrigger(name: string, stage: Stage | undefined): Trigger {
  return {
    kind: "new_deal",
    themes: ["goals", "problem_cause"],
    key: "new_deal",
    summary: `New deal: ${name}${stage ? ` (${stageName(stage)})` : ""}`,
  };
}

// ---- detectTriggers ---------------------------------------------------------------------------------

/**
 * One normalised update against what we knew (`before`, undefined the first time we see the deal):
 * the coaching triggers it raises, most pressing first, and the new state. Echoes of our own writes
 * update the state but raise nothing.
 */
export function detectTriggers(
  update: DealUpdate,
  before: DealState | undefined,
  now: Date,
): { triggers: Trigger[]; after: DealState } {
  const created = update.changedFields.includes(DEAL_CREATED_FIELD);
  const ctx: Context = {
    update,
    old: { ...definedOnly(update.previous), ...definedOnly(before?.snapshot) },
    created,
  };
  const snapshot: DealSnapshot = { ...before?.snapshot, ...definedOnly(update.deal), id: update.deal.id };
  const name = dealName(snapshot, update.deal.id);
  const occurredAt = (parseInstant(update.occurredAt) ?? now).toISOString();

  const wasOutcome = outcomeOf(ctx.old);
  const outcome = outcomeOf(snapshot);
  const newStage = change(ctx, "stage")?.to;
  const outcomeChanged = change(ctx, "status") !== undefined || newStage !== undefined;
  const justWon = outcome === "won" && wasOutcome !== "won" && outcomeChanged;
  const justLost = outcome === "lost" && wasOutcome !== "lost" && outcomeChanged;
  // Close-date moves count slips of an open deal; a CRM stamping the close date on a won deal is not one.
  const moved = outcome === "open" && change(ctx, "closeDate") !== undefined;
  const riskRecorded = (before?.riskRecorded ?? false) || recordsRisk(update);

  const after: DealState = {
    source: update.source,
    dealId: update.deal.id,
    snapshot,
    closeDateMoves: (before?.closeDateMoves ?? 0) + (moved ? 1 : 0),
    riskRecorded,
  };
  const wonAt = justWon ? occurredAt : before?.wonAt;
  if (wonAt !== undefined) after.wonAt = wonAt;
  // An echo is our own write, not a sign of life from the people working the deal.
  const lastSeenAt = update.echo ? before?.lastSeenAt : later(before?.lastSeenAt, occurredAt);
  if (lastSeenAt !== undefined) after.lastSeenAt = lastSeenAt;
  // When the stage last changed and the close date last moved: the weekly prompt reads "this week" from them.
  const stageChangedAt = newStage !== undefined && !update.echo ? occurredAt : before?.stageChangedAt;
  if (stageChangedAt !== undefined) after.stageChangedAt = stageChangedAt;
  const closeDateMovedAt = moved && !update.echo ? occurredAt : before?.closeDateMovedAt;
  if (closeDateMovedAt !== undefined) after.closeDateMovedAt = closeDateMovedAt;

  if (update.echo) return { triggers: [], after };

  const triggers: Trigger[] = [];
  if (justWon) {
    triggers.push({
      kind: "won",
      themes: ["value_over_time", "next_step"],
      key: "won",
      summary: `${name} was won`,
    });
  } else if (justLost) {
    triggers.push({
      kind: "lost",
      themes: ["self_reflection", "competition"],
      key: "lost",
      summary: `${name} was lost`,
    });
  } else if (outcome === "open") {
    // Most pressing first: discount and pull-in pressure, then the untested late stage (the risk overrides of docs/method.md,
    // risk overrides), then the slip, then the plain stage change.
    const changes = [
      discountTrigger(ctx, name),
      pullInTrigger(ctx, name, now),
      lateStageTrigger(newStage, name, riskRecorded),
      closeDateTrigger(ctx, name, after.closeDateMoves),
      stageTrigger(newStage, name),
    ];
    for (const trigger of changes) if (trigger) triggers.push(trigger);
    // A first sighting is a new deal unless the source says what changed: then the deal predates us
    // (a webhook set up after it was created) and the change is what matters.
    if (created || (before === undefined && !describesChange(update))) {
      triggers.push(newDealTrigger(name, snapshot.stage));
    }
  }
  return { triggers, after };
}

// ---- periodic sweeps ---------------------------------------------------------------------------------

/**
 * Follow-ups on a won deal: "won_30" from 30 days after the win and "won_90" from 90 days. The 30-day
 * one stops being due once the 90-day one is (a question a quarter late is noise); the caller dedupes
 * on the keys, so calling this on every sweep is safe.
 */
export function followUpsDue(state: DealState, now: Date): Trigger[] {
  const wonAt = parseInstant(state.wonAt);
  if (!wonAt || outcomeOf(state.snapshot) !== "won") return [];
  const days = (now.getTime() - wonAt.getTime()) / DAY_MS;
  const due = FOLLOW_UPS.filter((f, i) => days >= f.days && days < (FOLLOW_UPS[i + 1]?.days ?? Infinity));
  const name = dealName(state.snapshot, state.dealId);
  return due.map((f) => ({
    kind: f.kind,
    themes: ["value_over_time", "next_step"],
    key: f.kind,
    summary: `${name}: ${f.days} days since it was won on ${utcDate(wonAt)}`,
  }));
}

/**
 * An open deal with no activity for `idleBusinessDays` business days (Mon-Fri, UTC dates) -> next_step.
 * Activity is the CRM's last-activity time, or else the last update we saw. The key carries that date,
 * so new activity resets the trigger and the same quiet spell is coached once.
 */
export function idleTrigger(state: DealState, now: Date, idleBusinessDays = 14): Trigger | undefined {
  if (!Number.isInteger(idleBusinessDays) || idleBusinessDays < 1) {
    throw new RangeError(`idleBusinessDays must be a whole number of at least 1, got ${idleBusinessDays}`);
  }
  if (outcomeOf(state.snapshot) !== "open") return undefined;
  const last = parseInstant(state.snapshot.lastActivityAt) ?? parseInstant(state.lastSeenAt);
  if (!last) return undefined;
  const idle = businessDaysBetween(last, now);
  if (idle < idleBusinessDays) return undefined;
  const since = utcDate(last);
  return {
    kind: "idle",
    themes: ["next_step", "urgency"],
    key: `idle:${since}`,
    summary: `${dealName(state.snapshot, state.dealId)}: no activity for ${idle} business days (last on ${since})`,
  };
}
