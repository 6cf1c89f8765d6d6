import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import { type ModelPick, PICKS_FORMAT, PicksSchema } from "./picks.js";
import { type ChatMessage, MAX_OUTPUT_TOKENS } from "./request.js";
import type { LlmSettings } from "./settings.js";

// One bounded Chat Completions call (docs/llm.md "Bounds"). The SDK's own `timeout` stops counting once
// the response headers arrive, and its retries multiply the wait, so: no SDK retries, and one deadline
// of LLM_TIMEOUT_MS over the whole call (connect, headers, body, parse) that aborts the request and
// resolves at once, whatever the server is doing. Never rejects: every failure is a kind.

export type FailureKind =
  | "timeout"
  | "rate_limited"
  | "server_error"
  | "client_error"
  | "connection"
  | "invalid_json"
  | "wrong_shape"
  | "refusal"
  | "truncated"
  | "unknown_id"
  | "budget"
  | "all_picks_failed";

export type CallOutcome =
  | { ok: true; picks: ModelPick[]; tokens: number }
  | { ok: false; kind: FailureKind; tokens: number; status?: number };

export function openAiClient(settings: LlmSettings): OpenAI {
  return new OpenAI({
    apiKey: settings.apiKey,
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
    maxRetries: 0,
    timeout: settings.timeoutMs,
  });
}

/** A rough count (4 characters a token) for calls that end before the server reports its usage. */
export function estimateTokens(messages: readonly ChatMessage[]): number {
  return Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4);
}

/** `work(signal)`, or `onTimeout()` when it has not settled after `ms`; the signal aborts then. */
export function withDeadline<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => T,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => {
      controller.abort();
      resolve(onTimeout());
    }, ms);
    work(controller.signal).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(onTimeout());
      },
    );
  });
}

function failure(err: unknown, estimate: number): CallOutcome {
  if (err instanceof APIUserAbortError) return { ok: false, kind: "timeout", tokens: estimate };
  if (err instanceof APIConnectionError) {
    const timedOut = err.constructor.name === "APIConnectionTimeoutError";
    return { ok: false, kind: timedOut ? "timeout" : "connection", tokens: timedOut ? estimate : 0 };
  }
  if (err instanceof APIError) {
    const status = err.status ?? 0;
    const kind = status === 429 ? "rate_limited" : status >= 500 ? "server_error" : "client_error";
    return { ok: false, kind, tokens: 0, status };
  }
  if (err instanceof SyntaxError) return { ok: false, kind: "invalid_json", tokens: estimate };
  return { ok: false, kind: "wrong_shape", tokens: estimate };
}

/** Asks for picks; the caller bounds it with withDeadline and passes the signal. */
export async function requestPicks(
  client: OpenAI,
  model: string,
  messages: ChatMessage[],
  signal: AbortSignal,
): Promise<CallOutcome> {
  const estimate = estimateTokens(messages);
  try {
    const completion = await client.chat.completions.create(
      {
        model,
        messages,
        response_format: PICKS_FORMAT,
        // No temperature: reasoning models refuse one, and the checks below hold whatever is sampled.
        max_completion_tokens: MAX_OUTPUT_TOKENS,
      },
      { signal, maxRetries: 0 },
    );
    const tokens = completion.usage?.total_tokens ?? estimate;
    const choice = completion.choices?.[0];
    const message = choice?.message;
    if (!message) return { ok: false, kind: "wrong_shape", tokens };
    if (message.refusal) return { ok: false, kind: "refusal", tokens };
    if (choice.finish_reason === "length") return { ok: false, kind: "truncated", tokens };
    if (choice.finish_reason === "content_filter") return { ok: false, kind: "refusal", tokens };
    const content = message.content;
    if (typeof content !== "string" || content.trim() === "")
      return { ok: false, kind: "wrong_shape", tokens };
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      return { ok: false, kind: "invalid_json", tokens };
    }
    const parsed = PicksSchema.safeParse(json);
    if (!parsed.success) return { ok: false, kind: "wrong_shape", tokens };
    return { ok: true, picks: parsed.data.questions, tokens };
  } catch (err) {
    return failure(err, estimate);
  }
}
