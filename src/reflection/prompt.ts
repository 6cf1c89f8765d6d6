import { checkReply } from "../coaching/guard.js";
import { fnv1a } from "../coaching/hash.js";
import type { Library, Reflection, ReflectionFocus } from "../coaching/library.js";
import { LATE_STAGES } from "../coaching/taxonomy.js";
import type { DealState } from "../domain/deal-update.js";

// The weekly reflection's content (docs/architecture.md, "Journey 3"): what happened in the rep's deals this week, and the
// one question to ask about it. Pure: time, the library and the history are arguments; nothing here talks
// to Slack or a store. Deal names and the rep's previous answer are data for the message's context line,
// never part of the question, so the question is always a library text (or a fixed one) that passed the
// guard as it stands.

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const QUIET_MS = 14 * DAY_MS;
/** How much of the previous answer is quoted back. */
export const QUOTE_MAX_CHARS = 280;
/** Deal names shown per kind in the context line before "and N more". */
export const CONTEXT_NAMES_PER_KIND = 3;
/** Each deal name in the context line is clipped to this. */
export const CONTEXT_NAME_MAX_CHARS = 60;

/** Deal names (deduplicated, sorted) for each kind of thing that happened in the rep's deals. */
export interface RepWeek {
  /** Stage changed in the last 7 days (not to lost). */
  moved: string[];
  /** Close date of an open deal moved in the last 7 days. */
  slipped: string[];
  /** Open, no activity for 14+ days (and neither moved nor slipped this week). */
  quiet: string[];
  /** Open, late stage (proposal, negotiation, closing), and no objection or risk ever recorded. */
  noNo: string[];
}

export interface WeeklyPromptInput {
  library: Library;
  week: RepWeek;
  lastAnswer?: { text: string; at: Date } | null;
  /** Ids of the prompts sent to this rep in the last 8 weeks; none of them is chosen again. */
  recentPromptIds: string[];
  /** User id + ISO week: the same seed and input give the same prompt. */
  seed: string;
  /** When the prompt is built; only used to say how old the quoted answer is. */
  now?: Date;
}

export interface WeeklyPrompt {
  id: string;
  theme: string;
  /** The question, exactly as it passed the guard. */
  text: string;
  /** The previous answer, whitespace collapsed and clipped (raw text: the renderer escapes it). */
  quote?: string;
  /** Words to put before the quote: "Last week you wrote", "3 weeks ago you wrote", "Last time you wrote". */
  quoteLead?: string;
  /** A factual line about the rep's deals (raw text with CRM names: the renderer escapes it). */
  context?: string;
}

type Kind = keyof RepWeek;

/** The fixed follow-up to a previous answer (at most once in 8 weeks, like any prompt). */
export const FOLLOW_UP_PROMPT = {
  id: "follow_up.since",
  theme: "self_reflection",
  text: "What has happened since?",
} as const;

/**
 * Used only when the library has nothing left that passes the guard and was not sent in 8 weeks (an
 * organisation's library that disabled most reflections). Nine of them, so that with at most eight
 * recent prompts one is always new.
 */
export const FALLBACK_PROMPTS: readonly { id: string; theme: string; text: string }[] = [
  { id: "fallback.stood-out", theme: "self_reflection", text: "What stood out in your week?" },
  { id: "fallback.taught", theme: "self_reflection", text: "What did this week teach you about your deals?" },
  {
    id: "fallback.on-your-mind",
    theme: "self_reflection",
    text: "Which customer conversation from this week is still on your mind?",
  },
  {
    id: "fallback.learned",
    theme: "goals",
    text: "What did you learn this week about one of your customers?",
  },
  {
    id: "fallback.unexpected",
    theme: "self_reflection",
    text: "Where did your week go differently than you expected?",
  },
  {
    id: "fallback.different",
    theme: "self_reflection",
    text: "What felt different about this week compared with last week?",
  },
  {
    id: "fallback.know-now",
    theme: "problem_cause",
    text: "What do you know now about a customer that you did not know a week ago?",
  },
  {
    id: "fallback.week-ahead",
    theme: "next_step",
    text: "Looking at the week ahead, what matters most to you?",
  },
  {
    id: "fallback.remember",
    theme: "self_reflection",
    text: "Which moment this week would you want to remember, and why?",
  },
];

// ---- summarizeWeek ------------------------------------------------------------------------------------

function instant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Same rule as the deal triggers: status first, else a closed stage when the CRM has no status. */
function outcome(state: DealState): "open" | "won" | "lost" {
  const { status, stage } = state.snapshot;
  if (status) return status;
  if (stage === "closed_lost") return "lost";
  if (stage === "post_sale") return "won";
  return "open";
}

function dealName(state: DealState): string {
  return state.snapshot.name?.replace(/\s+/g, " ").trim() || `Deal ${state.dealId}`;
}

function sortedUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * What happened in the rep's deals in the 7 days before `now`. "Moved" and "slipped" need the state's
 * stageChangedAt and closeDateMovedAt (states stored before those existed never count); "quiet" uses the
 * CRM's last activity, else the last update seen, else the store's last event time, like the idle sweep.
 */
export function summarizeWeek(deals: Array<{ state: DealState; lastEventAt: Date }>, now: Date): RepWeek {
  const nowMs = now.getTime();
  const weekStart = nowMs - WEEK_MS;
  const moved: string[] = [];
  const slipped: string[] = [];
  const quiet: string[] = [];
  const noNo: string[] = [];
  for (const { state, lastEventAt } of deals) {
    const name = dealName(state);
    const result = outcome(state);
    const open = result === "open";
    const stageAt = instant(state.stageChangedAt);
    const closeAt = instant(state.closeDateMovedAt);
    const didMove = result !== "lost" && stageAt !== undefined && stageAt > weekStart;
    const didSlip = open && closeAt !== undefined && closeAt > weekStart;
    if (didMove) moved.push(name);
    if (didSlip) slipped.push(name);
    if (open && !didMove && !didSlip) {
      const last =
        instant(state.snapshot.lastActivityAt) ??
        instant(state.lastSeenAt) ??
        (Number.isNaN(lastEventAt.getTime()) ? undefined : lastEventAt.getTime());
      if (last !== undefined && nowMs - last >= QUIET_MS) quiet.push(name);
    }
    const stage = state.snapshot.stage;
    if (open && stage !== undefined && LATE_STAGES.includes(stage) && !state.riskRecorded) noNo.push(name);
  }
  return {
    moved: sortedUnique(moved),
    slipped: sortedUnique(slipped),
    quiet: sortedUnique(quiet),
    noNo: sortedUnique(noNo),
  };
}

// ---- chooseWeeklyPrompt -------------------------------------------------------------------------------

/** Most pressing first (risk before progress, as the risk overrides in docs/method.md); each kind's reflections in the library. */
const KIND_ORDER: readonly Kind[] = ["slipped", "noNo", "quiet", "moved"];
const FITS: Record<Kind, (r: Reflection) => boolean> = {
  slipped: (r) => r.theme === "urgency" || r.focus === "accountability",
  noNo: (r) => r.theme === "absence_of_no",
  quiet: (r) => r.theme === "next_step" || r.theme === "trust",
  moved: (r) => r.focus === "week",
};
const FOCUS_ROTATION: readonly ReflectionFocus[] = ["week", "patterns", "accountability", "customer_success"];

/**
 * The candidate whose hash with the seed is lowest (rendezvous hashing): deterministic, different from
 * week to week as the seed changes, and stable when unrelated entries are added to the library.
 */
function pick<T extends { id: string }>(items: readonly T[], seed: string): T | undefined {
  let best: T | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const item of items) {
    const score = fnv1a(`${seed}\u0000${item.id}`);
    if (score < bestScore || (score === bestScore && best !== undefined && item.id < best.id)) {
      best = item;
      bestScore = score;
    }
  }
  return best;
}

// The guard is deterministic, so its verdict on a library text is computed once per loaded library.
const guardedCache = new WeakMap<Library, readonly Reflection[]>();
function guardedReflections(library: Library): readonly Reflection[] {
  let passing = guardedCache.get(library);
  if (!passing) {
    passing = library.reflections.filter((r) => checkReply(r.text).ok);
    guardedCache.set(library, passing);
  }
  return passing;
}

/** Focuses in rotation order: the least sent in the last 8 weeks first, ties broken by the seed. */
function focusRotation(library: Library, recent: ReadonlySet<string>, seed: string): ReflectionFocus[] {
  const count = new Map<ReflectionFocus, number>(FOCUS_ROTATION.map((f) => [f, 0]));
  for (const r of library.reflections)
    if (recent.has(r.id)) count.set(r.focus, (count.get(r.focus) ?? 0) + 1);
  const start = fnv1a(seed) % FOCUS_ROTATION.length;
  const rotated = FOCUS_ROTATION.map((_, i) => FOCUS_ROTATION[(start + i) % FOCUS_ROTATION.length]).filter(
    (f): f is ReflectionFocus => f !== undefined,
  );
  // Array.prototype.sort is stable, so equal counts keep the seeded order.
  return rotated.sort((a, b) => (count.get(a) ?? 0) - (count.get(b) ?? 0));
}

function englishList(names: readonly string[]): string {
  const shown = names
    .slice(0, CONTEXT_NAMES_PER_KIND)
    .map((n) =>
      n.length <= CONTEXT_NAME_MAX_CHARS ? n : `${n.slice(0, CONTEXT_NAME_MAX_CHARS - 1).trimEnd()}…`,
    );
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(", ")} and ${more} more`;
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

/** "This week: Globex moved; Initech slipped." Facts only, names as the CRM spells them (unescaped). */
export function weekContext(week: RepWeek): string | undefined {
  const parts: string[] = [];
  const verb = (names: readonly string[], one: string, many: string) => (names.length === 1 ? one : many);
  if (week.moved.length > 0) parts.push(`${englishList(week.moved)} moved`);
  if (week.slipped.length > 0) parts.push(`${englishList(week.slipped)} slipped`);
  if (week.quiet.length > 0)
    parts.push(`${englishList(week.quiet)} ${verb(week.quiet, "has", "have")} been quiet for 2+ weeks`);
  if (week.noNo.length > 0)
    parts.push(
      `${englishList(week.noNo)} ${verb(week.noNo, "is", "are")} late-stage with no objection recorded`,
    );
  return parts.length > 0 ? `This week: ${parts.join("; ")}.` : undefined;
}

function clipQuote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= QUOTE_MAX_CHARS) return flat;
  return `${flat.slice(0, QUOTE_MAX_CHARS - 1).trimEnd()}…`;
}

function quoteLead(at: Date, now: Date | undefined): string {
  if (!now || Number.isNaN(at.getTime())) return "Last time you wrote";
  const weeks = Math.round((now.getTime() - at.getTime()) / WEEK_MS);
  return weeks <= 1 ? "Last week you wrote" : `${weeks} weeks ago you wrote`;
}

/**
 * The week's one question. In order:
 * 1. after an answer from the last two weeks (or of unknown age), the fixed follow-up "What has happened
 *    since?", unless it was sent in the last 8 weeks (so at most one week in eight);
 * 2. a library reflection that fits the week, the most pressing kind first: slipped -> urgency theme or
 *    accountability focus; no "No" -> absence_of_no; quiet -> next_step or trust; moved -> week focus;
 * 3. otherwise (no deals, nothing happened, or all fitting ones used) the focus rotation week / patterns /
 *    accountability / customer_success, least sent in the last 8 weeks first;
 * 4. otherwise a fixed guarded question not sent in 8 weeks (the first one if, against the contract, all
 *    nine were).
 * Never a reflection listed in recentPromptIds, never one the guard rejects; the same input gives the
 * same prompt. The previous answer and the deal names go to `quote` and `context`, never into `text`.
 */
export function chooseWeeklyPrompt(input: WeeklyPromptInput): WeeklyPrompt {
  const recent = new Set(input.recentPromptIds);
  const extras: Pick<WeeklyPrompt, "quote" | "quoteLead" | "context"> = {};
  const context = weekContext(input.week);
  if (context !== undefined) extras.context = context;

  const last = input.lastAnswer;
  const quote = last ? clipQuote(last.text) : "";
  if (last && quote) {
    extras.quote = quote;
    extras.quoteLead = quoteLead(last.at, input.now);
    const ageMs = input.now ? input.now.getTime() - last.at.getTime() : 0;
    const fresh = Number.isNaN(ageMs) || ageMs < 2 * WEEK_MS;
    if (fresh && !recent.has(FOLLOW_UP_PROMPT.id) && checkReply(FOLLOW_UP_PROMPT.text).ok) {
      return { ...FOLLOW_UP_PROMPT, ...extras };
    }
  }

  const available = guardedReflections(input.library).filter((r) => !recent.has(r.id));
  const tiers: Array<(r: Reflection) => boolean> = [];
  for (const kind of KIND_ORDER) if (input.week[kind].length > 0) tiers.push(FITS[kind]);
  for (const focus of focusRotation(input.library, recent, input.seed)) tiers.push((r) => r.focus === focus);
  tiers.push(() => true);
  for (const fits of tiers) {
    const chosen = pick(available.filter(fits), input.seed);
    if (chosen) return { id: chosen.id, theme: chosen.theme, text: chosen.text, ...extras };
  }

  const fallbacks = FALLBACK_PROMPTS.filter((f) => checkReply(f.text).ok);
  const fallback =
    pick(
      fallbacks.filter((f) => !recent.has(f.id)),
      input.seed,
    ) ??
    fallbacks[0] ??
    FALLBACK_PROMPTS[0];
  if (!fallback) throw new Error("chooseWeeklyPrompt: no fallback question");
  return { id: fallback.id, theme: fallback.theme, text: fallback.text, ...extras };
}

/**
 * The library reflections that fit what happened in the rep's week, most pressing kind first (the tiers
 * of chooseWeeklyPrompt's step 2), none sent in the last 8 weeks and each passing the guard; empty when
 * nothing happened. The model (docs/llm.md) chooses among these and may fit the deals' names into one.
 */
export function fittingReflections(input: WeeklyPromptInput, max = 8): Reflection[] {
  const recent = new Set(input.recentPromptIds);
  const available = guardedReflections(input.library).filter((r) => !recent.has(r.id));
  const out: Reflection[] = [];
  for (const kind of KIND_ORDER) {
    if (input.week[kind].length === 0) continue;
    for (const r of available) if (FITS[kind](r) && !out.includes(r) && out.length < max) out.push(r);
  }
  return out;
}
