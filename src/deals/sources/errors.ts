import { z } from "zod";
import type { DealUpdate } from "../types.js";

// What every source adapter returns. Routes turn these into HTTP answers: a verification failure is a 401,
// a parse failure a 400 whose `error` names the offending field so the sender can fix its payload.

/** The request exactly as received; `rawBody` must be the unparsed bytes, since signatures cover them. */
export interface WebhookRequest {
  method: string;
  /** Path and query as received (node:http's `req.url`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export type VerifyResult = { ok: true } | { ok: false; status: 401; error: string };
export type ParseFailure = { ok: false; status: 400; error: string };
export type ParseResult = { ok: true; updates: DealUpdate[] } | ParseFailure;

export const verified: VerifyResult = { ok: true };

export function unauthorized(error: string): VerifyResult {
  return { ok: false, status: 401, error };
}

export function badRequest(error: string): ParseFailure {
  return { ok: false, status: 400, error };
}

/** Thrown inside a parser to stop at the first value it cannot interpret; caught by `catchBadRequest`. */
export class BadField extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** Runs a parser that signals bad input with BadField; anything else is a bug and propagates. */
export function catchBadRequest(parse: () => ParseResult): ParseResult {
  try {
    return parse();
  } catch (err) {
    if (err instanceof BadField) return badRequest(err.message);
    throw err;
  }
}

/** A header by name, case-insensitively; repeated headers count as their first value. */
export function header(headers: WebhookRequest["headers"], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.trim();
  }
  return undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses a JSON body; invalid UTF-8 or JSON is a 400, never an exception. */
export function parseJsonBody(rawBody: Buffer): { ok: true; value: unknown } | ParseFailure {
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    return badRequest("body is not valid UTF-8");
  }
  if (text.trim() === "") return badRequest("body is empty; expected JSON");
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // Only the position: V8's message quotes the body, and this reason is logged (README "What the logs
    // hold"); the sender has the body anyway.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    return badRequest(`body is not valid JSON${at ? ` (at position ${at})` : ""}`);
  }
}

/** `[2].deal.close_date` style paths; the whole body is "body". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "body" : out;
}

/** The first few issues of a failed zod parse as one line: "deal.owner_email: expected an email address". */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const shown = issues.slice(0, 3).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : "";
  return shown.join("; ") + more;
}

/**
 * Per-parse zod messages that read well in a 400: a missing field is "required", a wrong type says what it
 * got. Field-specific messages set on the schemas themselves take precedence over these.
 */
export function issueMessage(issue: {
  code: string;
  input?: unknown;
  expected?: unknown;
}): string | undefined {
  if (issue.code !== "invalid_type") return undefined;
  if (issue.input === undefined) return "required";
  return `expected ${String(issue.expected)}, got ${describe(issue.input)}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return typeof value === "object" ? "an object" : typeof value;
}

/** A CRM's object id: HubSpot and Pipedrive send numbers, or strings in newer payloads. */
export const crmId = z.union([z.number().int().min(0), z.string().min(1)], {
  error: (issue) => (issue.input === undefined ? "required" : "expected a number or string id"),
});
