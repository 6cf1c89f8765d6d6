import { z } from "zod";

// The model's settings (docs/llm.md, README "Optional: a model"). The model is on exactly when
// OPENAI_API_KEY is set; everything else has a default. Parsed here, apart from the app's config, so that
// `deal-coach ask` reads them without any Slack variable.

/** A small, fast model with Structured Outputs: it only chooses and fits, it writes nothing long. */
export const DEFAULT_MODEL = "gpt-4.1-mini";
/** The most a reply waits for the model, whatever the server does. */
export const DEFAULT_TIMEOUT_MS = 4000;
/** About 600 calls a day per workspace at ~350 tokens a call (BENCHMARKS.md). */
export const DEFAULT_DAILY_TOKEN_CAP = 200_000;

export interface LlmSettings {
  apiKey: string;
  /** An OpenAI-compatible server (Azure OpenAI, Ollama's /v1, vLLM, LiteLLM); the SDK's default otherwise. */
  baseUrl?: string;
  model: string;
  timeoutMs: number;
  /** Tokens per workspace per UTC day; past it, library questions only until the next day. */
  dailyTokenCap: number;
  /** E-mail addresses, phone numbers and card-like numbers are replaced before the text is sent. */
  redactPii: boolean;
}

const text = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const LlmVars = z.object({
  OPENAI_API_KEY: text,
  OPENAI_BASE_URL: text.pipe(z.url({ message: "must be a URL like http://localhost:11434/v1" }).optional()),
  OPENAI_MODEL: text,
  LLM_TIMEOUT_MS: text.pipe(
    z
      .string()
      .regex(/^[1-9]\d{2,5}$/, "must be milliseconds, from 100 to 999999")
      .transform(Number)
      .optional(),
  ),
  LLM_DAILY_TOKEN_CAP: text.pipe(
    z
      .string()
      .regex(/^\d{1,10}$/, "must be a whole number of tokens (0 turns the model off)")
      .transform(Number)
      .optional(),
  ),
  REDACT_PII: text.pipe(z.enum(["on", "off"], { message: 'must be "on" or "off"' }).optional()),
});

/** The variables this reads, for the config's list of what `weekly send` uses. */
export const LLM_VARS = Object.keys(LlmVars.shape);

export type LlmRead = { ok: true; settings: LlmSettings | undefined } | { ok: false; problems: string[] };

/** The model's settings from the environment: undefined when OPENAI_API_KEY is unset (the library alone). */
export function readLlmSettings(env: NodeJS.ProcessEnv): LlmRead {
  const parsed = LlmVars.safeParse(env);
  if (!parsed.success)
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  const e = parsed.data;
  if (!e.OPENAI_API_KEY) return { ok: true, settings: undefined };
  return {
    ok: true,
    settings: {
      apiKey: e.OPENAI_API_KEY,
      ...(e.OPENAI_BASE_URL ? { baseUrl: e.OPENAI_BASE_URL } : {}),
      model: e.OPENAI_MODEL ?? DEFAULT_MODEL,
      timeoutMs: e.LLM_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS,
      dailyTokenCap: e.LLM_DAILY_TOKEN_CAP ?? DEFAULT_DAILY_TOKEN_CAP,
      redactPii: (e.REDACT_PII ?? "on") === "on",
    },
  };
}
