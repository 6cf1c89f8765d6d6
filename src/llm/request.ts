import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DealFields } from "../coaching/deal.js";
import { clip } from "../coaching/input-limits.js";
import { PACKAGE_ROOT } from "../paths.js";
import { redactPii } from "./redact.js";

// The one request per reply (docs/llm.md "What is sent"): the versioned system prompt, then one user
// message that is a JSON object. The rep's text is a JSON string inside it, so nothing the rep writes can
// end the data and start instructions; the system prompt says the whole message is untrusted data.

/** The system prompt's file; its version goes into every log line about a model call. */
export const PROMPT_VERSION = "system.v1";
export const PROMPT_FILE = join(PACKAGE_ROOT, "prompts", "llm", `${PROMPT_VERSION}.md`);

let systemPrompt: string | undefined;
export function readSystemPrompt(): string {
  systemPrompt ??= readFileSync(PROMPT_FILE, "utf8").trim();
  return systemPrompt;
}

/**
 * Input bounds: the rep's text is cut to this many characters (the surfaces already keep 4,000; a model
 * reads the opening best and pays for every token), each CRM text field to 200, and the deal's other
 * fields are numbers and dates.
 */
export const MAX_SENT_TEXT = 2_000;
export const MAX_SENT_FIELD = 200;
/** Output bound: three questions of at most 30 words with their ids, in JSON, fit in well under this. */
export const MAX_OUTPUT_TOKENS = 300;

export interface RequestCandidate {
  id: string;
  text: string;
}

export interface RequestInput {
  /** The rep's text, or for the weekly prompt the factual line about their week. */
  text: string;
  deal?: DealFields;
  candidates: readonly RequestCandidate[];
  maxQuestions: number;
  /** "week": the text is the week's summary, not a rep's message. */
  kind: "situation" | "week";
  redact: boolean;
}

export interface ChatMessage {
  role: "system" | "user";
  content: string;
}

function sentText(text: string, redact: boolean, limit: number): string {
  const cut = clip(text.replace(/\s+/g, " ").trim(), limit);
  return redact ? redactPii(cut) : cut;
}

/** The deal's fields as sent: free-text fields cut and redacted, empty ones left out. */
export function sentDeal(deal: DealFields, redact: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(deal)) {
    if (value === undefined || value === null) continue;
    if (typeof value === "string") {
      const s = sentText(value, redact, MAX_SENT_FIELD);
      if (s !== "") out[key] = s;
    } else if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

export function buildMessages(input: RequestInput): ChatMessage[] {
  const data: Record<string, unknown> = {};
  if (input.kind === "week") data.week = sentText(input.text, input.redact, MAX_SENT_TEXT);
  else data.rep_message = sentText(input.text, input.redact, MAX_SENT_TEXT);
  if (input.deal) {
    const deal = sentDeal(input.deal, input.redact);
    if (Object.keys(deal).length > 0) data.deal = deal;
  }
  data.candidates = input.candidates.map((c) => ({ id: c.id, text: c.text }));
  data.max_questions = input.maxQuestions;
  return [
    { role: "system", content: readSystemPrompt() },
    { role: "user", content: JSON.stringify(data) },
  ];
}
