import { performance } from "node:perf_hooks";
import type OpenAI from "openai";
import { type CoachResult, coachReading } from "../coaching/coach.js";
import type { Library } from "../coaching/library.js";
import { isTheme } from "../coaching/taxonomy.js";
import type { Logger } from "../logger.js";
import {
  chooseWeeklyPrompt,
  FOLLOW_UP_PROMPT,
  fittingReflections,
  type WeeklyPrompt,
  weekContext,
} from "../reflection/prompt.js";
import type { TokenLedger } from "../store/types.js";
import {
  type CallOutcome,
  estimateTokens,
  type FailureKind,
  openAiClient,
  requestPicks,
  withDeadline,
} from "./call.js";
import { candidatesFor } from "./candidates.js";
import type { CoachCall, Coacher, WeeklyCall } from "./coacher.js";
import { checkPicks, fittedPasses } from "./pick-check.js";
import { buildMessages, type ChatMessage, PROMPT_VERSION } from "./request.js";
import type { LlmSettings } from "./settings.js";

// The model path (docs/llm.md). The library result is computed first, synchronously; the model may then
// choose among the library's candidates and fit the deal's words into them, within one deadline. Any
// failure, of the call or of every pick, returns the library result: the reply is always guarded
// questions, at most LLM_TIMEOUT_MS later than without a model.

export type CallResult = "llm" | FailureKind | "no_candidates";

/** What one reply's model call did: for logs, `deal-coach eval` and the benchmark. Never any text. */
export interface CallReport {
  surface: "coach" | "weekly";
  result: CallResult;
  tokens: number;
  elapsedMs: number;
  picksUsed: number;
  picksFailed: number;
}

export interface ModelCoacherOptions {
  library: Library;
  settings: LlmSettings;
  ledger: TokenLedger;
  logger: Logger;
  /** A client of your own (tests); otherwise one from the settings, without SDK retries. */
  client?: OpenAI;
  now?: () => Date;
  onCall?: (report: CallReport) => void;
}

export const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/** An in-memory ledger: one process's count, for `deal-coach ask` and `eval`. */
export function memoryLedger(): TokenLedger {
  const spent = new Map<string, number>();
  return {
    spent: async (teamId, day) => spent.get(`${teamId}\u0000${day}`) ?? 0,
    add: async (teamId, day, tokens) => {
      const key = `${teamId}\u0000${day}`;
      if (tokens > 0) spent.set(key, (spent.get(key) ?? 0) + tokens);
    },
  };
}

export function modelCoacher(options: ModelCoacherOptions): Coacher {
  const { library, settings, ledger, logger } = options;
  const client = options.client ?? openAiClient(settings);
  const now = options.now ?? (() => new Date());

  /** The one bounded call: the day's budget, then the request, all within LLM_TIMEOUT_MS. */
  async function ask(teamId: string, messages: ChatMessage[]): Promise<CallOutcome> {
    const day = utcDay(now());
    const outcome = await withDeadline<CallOutcome>(
      settings.timeoutMs,
      async (signal) => {
        let spent: number;
        try {
          spent = await ledger.spent(teamId, day);
        } catch (err) {
          // A count that cannot be read is not a licence to spend: the library answers this one.
          logger.warn({ err: { message: (err as Error).message } }, "model token count not read");
          return { ok: false, kind: "budget", tokens: 0 };
        }
        if (spent >= settings.dailyTokenCap) return { ok: false, kind: "budget", tokens: 0 };
        return requestPicks(client, settings.model, messages, signal);
      },
      // The server may have started work it will bill for: the input is counted.
      () => ({ ok: false, kind: "timeout", tokens: estimateTokens(messages) }),
    );
    if (outcome.tokens > 0)
      await ledger
        .add(teamId, day, outcome.tokens)
        .catch((err) =>
          logger.warn({ err: { message: (err as Error).message } }, "model token count not saved"),
        );
    return outcome;
  }

  function report(r: CallReport): void {
    // "usage", not "tokens": the logger withholds any field whose name says token (src/logger.ts).
    const { tokens, ...rest } = r;
    const fields = {
      ...rest,
      usage: tokens,
      prompt: PROMPT_VERSION,
      model: settings.model,
      elapsedMs: Math.round(r.elapsedMs),
    };
    if (r.result === "llm" || r.result === "no_candidates") logger.info(fields, "model call finished");
    else logger.warn(fields, "model call fell back to the library");
    options.onCall?.(r);
  }

  return {
    usesModel: true,

    async coach({ situation, options: select, teamId }: CoachCall): Promise<CoachResult> {
      const started = performance.now();
      const { result: fromLibrary, selection } = coachReading(library, situation, select);
      // A rep writing about themselves gets the library's caring questions, and their words never leave
      // for a model (docs/person.md).
      if (fromLibrary.person || !selection) return fromLibrary;
      const { candidates } = candidatesFor(library, situation, select, selection);
      const base = { surface: "coach" as const, picksUsed: 0, picksFailed: 0 };
      if (candidates.length === 0) {
        report({ ...base, result: "no_candidates", tokens: 0, elapsedMs: performance.now() - started });
        return fromLibrary;
      }
      const max = Math.min(3, Math.max(1, select?.maxQuestions ?? 3));
      const messages = buildMessages({
        text: situation.text,
        deal: situation.deal,
        candidates,
        maxQuestions: max,
        kind: "situation",
        redact: settings.redactPii,
      });
      const outcome = await ask(teamId, messages);
      const elapsedMs = () => performance.now() - started;
      if (!outcome.ok) {
        report({ ...base, result: outcome.kind, tokens: outcome.tokens, elapsedMs: elapsedMs() });
        return fromLibrary;
      }
      const checked = checkPicks(outcome.picks, candidates, situation, max);
      if (!checked.ok) {
        report({ ...base, result: checked.kind, tokens: outcome.tokens, elapsedMs: elapsedMs() });
        return fromLibrary;
      }
      report({
        ...base,
        result: "llm",
        tokens: outcome.tokens,
        elapsedMs: elapsedMs(),
        picksUsed: checked.used,
        picksFailed: checked.failed,
      });
      // Candidates are deal questions (a person reading never gets here), so every theme is a deal theme.
      const picked = [...new Set(checked.questions.map((q) => q.theme).filter(isTheme))];
      return {
        ...fromLibrary,
        questions: checked.questions,
        themes: [...picked, ...fromLibrary.themes.filter((t) => !picked.includes(t))],
        source: "llm",
      };
    },

    async weekly({ input, teamId }: WeeklyCall): Promise<WeeklyPrompt> {
      const started = performance.now();
      const fromLibrary = chooseWeeklyPrompt(input);
      const context = weekContext(input.week);
      const base = { surface: "weekly" as const, picksUsed: 0, picksFailed: 0 };
      // The follow-up to an answer is fixed; a week with nothing in it has nothing to fit.
      const candidates = context && fromLibrary.id !== FOLLOW_UP_PROMPT.id ? fittingReflections(input) : [];
      if (!context || candidates.length === 0) {
        report({ ...base, result: "no_candidates", tokens: 0, elapsedMs: performance.now() - started });
        return fromLibrary;
      }
      const messages = buildMessages({
        text: context,
        candidates,
        maxQuestions: 1,
        kind: "week",
        redact: settings.redactPii,
      });
      const outcome = await ask(teamId, messages);
      const elapsedMs = () => performance.now() - started;
      if (!outcome.ok) {
        report({ ...base, result: outcome.kind, tokens: outcome.tokens, elapsedMs: elapsedMs() });
        return fromLibrary;
      }
      const byId = new Map(candidates.map((c) => [c.id, c]));
      if (outcome.picks.some((p) => !byId.has(p.id))) {
        report({ ...base, result: "unknown_id", tokens: outcome.tokens, elapsedMs: elapsedMs() });
        return fromLibrary;
      }
      const [pick] = outcome.picks;
      const chosen = pick && byId.get(pick.id);
      const fitted = pick?.text.replace(/\s+/g, " ").trim() ?? "";
      const ok = chosen !== undefined && fittedPasses(chosen, fitted, { text: context });
      report({
        ...base,
        result: ok ? "llm" : "all_picks_failed",
        tokens: outcome.tokens,
        elapsedMs: elapsedMs(),
        picksUsed: ok ? 1 : 0,
        picksFailed: ok ? 0 : 1,
      });
      if (!ok || !chosen) return fromLibrary;
      const { id: _id, theme: _theme, text: _text, ...extras } = fromLibrary;
      return { id: chosen.id, theme: chosen.theme, text: fitted, ...extras };
    },
  };
}
