import type { Situation } from "./deal.js";
import { fnv1a } from "./hash.js";
import type { Library, Question } from "./library.js";
import { type PremiseCheck, premiseCheck } from "./premise-reader.js";
import { ADVERSARIAL_SIGNALS, FEELING_SIGNALS, SIGNAL_ROUTES, type SignalId } from "./signal-catalog.js";
import { extractSignals, isLateStage, type Signal, type SignalReport } from "./signals.js";
import { FOUNDATIONS, type Stage, stageFit, THEMES, type Theme } from "./taxonomy.js";

// Selection (docs/method.md, "Signals and routing"): rank themes by signals, stage fit and the risk overrides, then take one to three
// questions from at most two themes, skipping what this user was asked recently. Deterministic: the same
// situation, user and history always give the same picks; different wording rotates within a theme.

const PRIMARY_WEIGHT = 10;
const SECONDARY_WEIGHT = 3;
// Feelings colour a message; they rarely are its subject. Frustration alone still routes to
// self_reflection, but any deal signal beside it wins. A first meeting is context more than content: what
// the rep heard in it ("we're fine for now") says more than the fact that it happened.
const SIGNAL_WEIGHT: Partial<Record<SignalId, number>> = { frustration: 0.5, new_opportunity: 0.8 };
const OVERRIDE = { customer_success: 100, absence_of_no: 60, decision_process: 40, concerns: 15 } as const;
// In a long text the title and the rep's own question say what it is about; a word said once deep in
// the story is a weak hint (docs/real-seller-posts.md "Reading long text").
const PLACE_WEIGHT = { focus: 2, repeated: 1, story: 0.6 } as const;
// A reading is strong when some theme gets at least one full primary signal's worth of evidence.
const STRONG_SCORE = PRIMARY_WEIGHT;
const CUSTOMER_BROAD_THEMES: readonly Theme[] = ["goals", "problem_cause", "impact"];

const THEME_INDEX = Object.fromEntries(THEMES.map((t, i) => [t, i])) as Record<Theme, number>;
// Ties fall back to the foundations order, then to the taxonomy's order.
const TIE_ORDER = Object.fromEntries(
  THEMES.map((t) => [
    t,
    FOUNDATIONS.includes(t) ? FOUNDATIONS.indexOf(t) : FOUNDATIONS.length + THEMES.indexOf(t),
  ]),
) as Record<Theme, number>;

export const GROW_GOAL_QUESTION_ID = "self_reflection.hoping-this-week";
export const OWNERSHIP_QUESTION_ID = "self_reflection.options-you-see";

export interface RankedTheme {
  theme: Theme;
  score: number;
  /** The signals that routed to this theme; empty when only stage fit or a foundation gap put it here. */
  signals: SignalId[];
}

export interface Pick {
  question: Question;
  /** Why this question: the signals that chose its theme, or "stage_fit" / "foundation" / "no_context". */
  why: string[];
}

export interface SelectOptions {
  /** Question ids this user was asked recently, most recent first. */
  history?: readonly string[];
  /** Keys the within-theme rotation, so two reps with the same words need not get the same question. */
  user?: string;
  /** Themes not to use (e.g. "Another angle" skips the themes already shown). */
  excludeThemes?: readonly Theme[];
  /** At most this many questions (1-3, default 3). */
  maxQuestions?: number;
  /**
   * Themes a deal change calls for, in order (a nudge after "moved to negotiation"): the first leads, the
   * second (or else the best theme the text's own signals call for) follows.
   */
  focusThemes?: readonly Theme[];
}

/** How sure the reading is: "weak" asks broad open questions instead of specific ones. */
export interface Confidence {
  level: "strong" | "weak";
  /** 0..1: the best theme's evidence from content signals, 1 = two full primary signals or more. */
  score: number;
  /** Why, in words, for `ask --explain`. */
  reason: string;
}

export interface Selection {
  picks: Pick[];
  ranked: RankedTheme[];
  report: SignalReport;
  confidence: Confidence;
  /** What the situation establishes; a question is asked only when all it presupposes is here. */
  premises: PremiseCheck;
}

/** How much one signal counts: its own weight times where the text says it. */
function signalWeight(signal: Signal, report: SignalReport): number {
  // In a long post "any advice?" is the rep's way of asking; what it asks about is read instead.
  if (report.long && signal.id === "answer_request") return 0;
  // "How do I tell them ...?" says how the rep wants to say it; what it is about is read from the rest
  // of the post, when the post says (docs/method.md, "The form of the rep's question").
  if (report.long && signal.id === "difficult_conversation" && report.signals.some(aboutTheDeal)) return 0;
  return (SIGNAL_WEIGHT[signal.id] ?? 1) * (signal.place ? PLACE_WEIGHT[signal.place] : 1);
}

/** A signal about the deal itself: not how the rep feels, asks or wants to phrase something. */
function aboutTheDeal(signal: Signal): boolean {
  return (
    !ADVERSARIAL_SIGNALS.includes(signal.id) &&
    !FEELING_SIGNALS.includes(signal.id) &&
    signal.id !== "difficult_conversation" &&
    signal.id !== "no_context"
  );
}

/** Scores every theme for this report, best first. Ties fall back to the foundations order, then id. */
export function rankThemes(report: SignalReport): RankedTheme[] {
  const entries: RankedTheme[] = THEMES.map((theme) => ({ theme, score: 0, signals: [] }));
  const entry = (theme: Theme) => entries[THEME_INDEX[theme]] as RankedTheme;
  for (const signal of report.signals) {
    const route = SIGNAL_ROUTES[signal.id];
    const weight = signalWeight(signal, report);
    if (weight === 0) continue;
    for (const theme of route.primary) {
      const e = entry(theme);
      e.score += PRIMARY_WEIGHT * weight;
      if (!e.signals.includes(signal.id)) e.signals.push(signal.id);
    }
    for (const theme of route.secondary) {
      const e = entry(theme);
      e.score += SECONDARY_WEIGHT * weight;
      if (!e.signals.includes(signal.id)) e.signals.push(signal.id);
    }
  }
  // A risk override needs the signal said plainly: not one word in passing deep in a long story.
  const has = (id: SignalId) =>
    report.signals.some((s) => s.id === id && (s.place === undefined || PLACE_WEIGHT[s.place] >= 1));
  // Risk overrides (docs/method.md, "Signals and routing").
  if (has("quota_pressure") || has("discount") || has("amount_cut_pulled_in")) {
    entry("customer_success").score += OVERRIDE.customer_success;
  }
  if (has("no_pushback") && (report.stage === undefined || isLateStage(report.stage))) {
    entry("absence_of_no").score += OVERRIDE.absence_of_no;
  }
  if (has("late_stage_paper_unknown") || (has("paper_formality") && isLateStage(report.stage ?? "closing"))) {
    entry("decision_process").score += OVERRIDE.decision_process;
  }
  // Silence that follows the price is a concern about the price (docs/real-seller-posts.md, rule 2).
  const said = (id: SignalId) => report.signals.some((s) => s.id === id);
  if (said("silent_after_price") && said("gone_quiet")) entry("concerns").score += OVERRIDE.concerns;
  if (report.stage) for (const e of entries) e.score += stageFit(e.theme, report.stage);
  return entries.sort((a, b) => b.score - a.score || TIE_ORDER[a.theme] - TIE_ORDER[b.theme]);
}

/**
 * The theme for the second slot when no signal asks for one: the earliest foundation the input has no
 * evidence for and the stage can use (docs/method.md, the foundation gap), else the best remaining by rank.
 */
function foundationGap(report: SignalReport, ranked: RankedTheme[], taken: Set<Theme>): Theme | undefined {
  const stage = report.stage;
  if (stage) {
    for (const theme of FOUNDATIONS) {
      if (!taken.has(theme) && !report.evidenced.has(theme) && stageFit(theme, stage) > 0) return theme;
    }
  }
  return ranked.find((r) => !taken.has(r.theme))?.theme;
}

/**
 * Is the reading strong enough to ask a specific question? Strong when a stage or deal fields were
 * given, or some theme has a full primary signal's worth of evidence from what the text is about (not
 * feelings, not requests for answers). Otherwise weak: broad open questions, never one built on a guess.
 */
export function readingConfidence(report: SignalReport, given: boolean): Confidence {
  const perTheme = new Map<Theme, number>();
  for (const signal of report.signals) {
    if (ADVERSARIAL_SIGNALS.includes(signal.id) || FEELING_SIGNALS.includes(signal.id)) continue;
    if (signal.id === "no_context") continue;
    // Where it is said counts; the ranking's own weights (a first meeting is context) do not.
    const weight = signal.place ? PLACE_WEIGHT[signal.place] : 1;
    for (const theme of SIGNAL_ROUTES[signal.id].primary)
      perTheme.set(theme, (perTheme.get(theme) ?? 0) + PRIMARY_WEIGHT * weight);
  }
  const best = Math.max(0, ...perTheme.values());
  const score = Math.round(Math.min(1, best / (2 * STRONG_SCORE)) * 100) / 100;
  if (given)
    return { level: "strong", score: Math.max(score, 0.5), reason: "a stage or deal fields were given" };
  if (best >= STRONG_SCORE)
    return { level: "strong", score, reason: "a signal the text is about points to a theme" };
  return {
    level: "weak",
    score,
    reason:
      best > 0
        ? "only passing mentions in a long story point to a theme"
        : "no signal in the text points to a theme",
  };
}

function questionsFor(
  library: Library,
  lowerText: string,
  premises: PremiseCheck,
  theme: Theme,
  stage: Stage | undefined,
  seed: number,
  history: readonly string[],
  chosen: Set<string>,
  count: number,
  prefer?: string,
  broadOnly = false,
): Question[] {
  // A question written for a particular remark ("When they said they loved the demo, ...") is asked only
  // when the rep made that remark, and then first: it fits what just happened best.
  // A question that takes something for granted ("this close date") is asked only where the rep's text
  // or the deal establishes it (docs/real-seller-posts.md "Premises").
  const all = (library.themes.get(theme)?.questions ?? []).filter(
    (q) =>
      (!broadOnly || q.broad) &&
      (q.cuePattern === null || q.cuePattern.test(lowerText)) &&
      (q.presupposes.length === 0 || q.presupposes.every((p) => premises.has(p))),
  );
  const fresh = all.filter((q) => !chosen.has(q.id) && !history.includes(q.id));
  // A broad question fits any stage: the rotation runs over all of them.
  const staged = stage && !broadOnly ? fresh.filter((q) => q.stages.includes(stage)) : fresh;
  let pool = staged.length >= count ? staged : fresh;
  if (pool.length === 0) {
    // Everything was asked recently: repeat the least recently asked rather than go silent.
    pool = all
      .filter((q) => !chosen.has(q.id))
      .sort((a, b) => history.indexOf(b.id) - history.indexOf(a.id))
      .slice(0, count);
    seed = 0;
  }
  const picks: Question[] = [];
  const cued = pool.filter((q) => q.cues.length > 0);
  const preferred =
    (prefer ? pool.find((q) => q.id === prefer) : undefined) ?? cued[seed % Math.max(1, cued.length)];
  if (preferred) picks.push(preferred);
  const rest = pool.filter((q) => q !== preferred);
  // Start at a seeded position so different wording rotates through the theme, deterministically.
  const start = rest.length > 0 ? seed % rest.length : 0;
  for (let i = 0; picks.length < count && i < rest.length; i++) {
    picks.push(rest[(start + i) % rest.length] as Question);
  }
  return picks;
}

/** Situation -> ranked themes -> one to three questions from at most two themes. */
export function selectQuestions(
  library: Library,
  situation: Situation,
  options: SelectOptions = {},
): Selection {
  const report = extractSignals(situation);
  const history = options.history ?? [];
  const excluded = new Set(options.excludeThemes ?? []);
  const max = Math.min(3, Math.max(1, options.maxQuestions ?? 3));
  const lowerText = report.lower;
  const stated = report.stageSource === "given" || report.stageSource === "fields";
  const premises = premiseCheck({
    lower: lowerText,
    fields: report.fields,
    statedStage: stated ? report.stage : undefined,
  });
  const seed = fnv1a(`${lowerText}\u0000${options.user ?? ""}`);
  const ranked = rankThemes(report).filter((r) => !excluded.has(r.theme));
  const has = (id: SignalId) => report.signals.some((s) => s.id === id);
  // In a long post, "what should I do?" is the rep asking about their situation, not asking the bot to
  // do their work: the post is read for its subject and the ownership goes back in a broad question.
  const adversarial = has("injection_attempt") || (has("answer_request") && !report.long);
  const given =
    report.stageSource === "given" ||
    report.stageSource === "fields" ||
    Object.keys(situation.deal ?? {}).length > 0;
  const confidence = readingConfidence(report, given);
  const chosen = new Set<string>();
  const picks: Pick[] = [];
  const why = (theme: Theme, fallback: string) => {
    const signals = ranked.find((r) => r.theme === theme)?.signals ?? [];
    return signals.length > 0 ? [...signals] : [fallback];
  };
  const picked = new Set<Theme>();
  const take = (theme: Theme, count: number, reason: string, prefer?: string, broadOnly = false): number => {
    const before = picks.length;
    for (const q of questionsFor(
      library,
      lowerText,
      premises,
      theme,
      report.stage,
      seed,
      history,
      chosen,
      count,
      prefer,
      broadOnly,
    )) {
      chosen.add(q.id);
      picks.push({ question: q, why: broadOnly ? [reason] : why(theme, reason) });
    }
    return picks.length - before;
  };
  // When a theme has no question whose premises hold, the next theme in line asks instead, and in the
  // end the ranked list: every theme has questions that presuppose nothing, so some theme always asks.
  const takeFirst = (themes: readonly Theme[], count: number, reason: string): Theme | undefined => {
    const seen = new Set<Theme>();
    for (const theme of [...themes, ...ranked.map((r) => r.theme)]) {
      if (seen.has(theme) || picked.has(theme)) continue;
      seen.add(theme);
      if (take(theme, count, reason) > 0) {
        picked.add(theme);
        return theme;
      }
    }
    return undefined;
  };
  const signalThemes = ranked.filter((r) => r.signals.length > 0 && r.score >= SECONDARY_WEIGHT);

  if ((adversarial || has("no_context")) && !excluded.has("self_reflection")) {
    // docs/method.md, "From ranked themes to questions": return the ownership, then one question on the deal's own theme; with no deal
    // content, a GROW Goal question instead.
    take(
      "self_reflection",
      1,
      "no_context",
      has("no_context") ? GROW_GOAL_QUESTION_ID : OWNERSHIP_QUESTION_ID,
    );
    const dealTheme = signalThemes.find(
      (r) => r.theme !== "self_reflection" && r.signals.some((s) => !ADVERSARIAL_SIGNALS.includes(s)),
    );
    const dealTaken = dealTheme && max > 1 ? take(dealTheme.theme, 1, "stage_fit") : 0;
    if (dealTaken === 0 && max > 1) {
      if (has("no_context"))
        take("goals", 1, "no_context", undefined, true) || take("goals", 1, "no_context");
      else take("self_reflection", 1, "no_context", GROW_GOAL_QUESTION_ID);
    }
  } else if (options.focusThemes?.some((t) => !excluded.has(t))) {
    const focus = options.focusThemes.filter((t) => !excluded.has(t));
    const first = takeFirst(focus, Math.min(2, max), "deal_change");
    const second =
      focus.find((t) => t !== first && t !== focus[0]) ??
      signalThemes.find((r) => !picked.has(r.theme) && r.theme !== focus[0])?.theme;
    if (second && picks.length < max) takeFirst([second], max - picks.length, "deal_change");
  } else if (confidence.level === "weak") {
    // A weak reading: broad open questions, rotated by the seed. The customer's goals or problem (the
    // best-ranked of the customer themes), then the rep's own view; the rep's view first when the text
    // is mostly how they feel.
    const feelings = FEELING_SIGNALS.some(has);
    const customerTheme =
      ranked.find((r) => CUSTOMER_BROAD_THEMES.includes(r.theme))?.theme ?? CUSTOMER_BROAD_THEMES[0];
    const broad = (theme: Theme, count: number, reason: string) =>
      take(theme, count, reason, undefined, true) || take(theme, count, reason);
    if (feelings && !excluded.has("self_reflection")) {
      take("self_reflection", 1, "rep_view");
      if (picks.length < max && customerTheme) broad(customerTheme, max - 1, "weak_reading");
    } else {
      if (customerTheme) broad(customerTheme, Math.max(1, max - 1), "weak_reading");
      if (picks.length < max && !excluded.has("self_reflection")) broad("self_reflection", 1, "rep_view");
    }
    if (picks.length === 0) takeFirst([ranked[0]?.theme ?? "self_reflection"], max, "stage_fit");
  } else if (report.long && has("answer_request") && !excluded.has("self_reflection")) {
    // A long post that asks what to do (README "How it chooses"): the question on its subject first, then
    // the ownership returned in a broad question on the rep's own view (rotated, not one fixed wording).
    const lead = takeFirst([ranked[0]?.theme ?? "self_reflection"], Math.max(1, max - 1), "stage_fit");
    if (picks.length < max && lead !== "self_reflection")
      take("self_reflection", 1, "ownership", undefined, true) || take("self_reflection", 1, "ownership");
  } else {
    takeFirst([ranked[0]?.theme ?? "self_reflection"], Math.min(2, max), "stage_fit");
    if (picks.length < max) {
      const second =
        signalThemes.find((r) => !picked.has(r.theme))?.theme ?? foundationGap(report, ranked, picked);
      if (second) takeFirst([second], max - picks.length, report.stage ? "foundation" : "stage_fit");
    }
  }
  return { picks, ranked, report, premises, confidence };
}
