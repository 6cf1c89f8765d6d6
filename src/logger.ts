import { createRequire } from "node:module";
import { type DestinationStream, type Logger, pino } from "pino";

// Logs hold ids, counts, surfaces, timings and error codes; never a token, secret, OAuth code, message or
// reflection text, deal name, CRM note or e-mail address, at any level (README "What the logs hold").
// Two guards, each safe on its own:
// - our own lines: every field whose key names a secret or someone's words is replaced, at any depth,
//   before the line is written, whatever it holds;
// - the Slack libraries' lines (Bolt, the Web API client, Socket Mode, OAuth) arrive as pre-joined
//   strings that no key-based redaction can see into: src/slack/library-logger.ts reduces them to shape.
// Log messages (`msg`) are fixed wording: values go in fields, never into the message.

export const REDACTED = "[redacted]";

/** Keys whose values are secrets: tokens, keys, signatures, the OAuth code and state. */
const SECRET_KEY = /token|secret|passw|authoriz|cookie|signature|api_?key|private_?key|^code$|^state$/i;
/** Keys whose values are someone's words or identity: messages, answers, deal names, notes, addresses. */
const CONTENT_KEY =
  /^(text|answer|answers|question_?text|blocks|body|raw_?body|payload|view|note|notes|deal_?name|name|title|description|email|e_?mail|situation|reflection|content|input|args|headers|url|response_url)$/i;

const MAX_DEPTH = 8;

/** Under `err`, `code` is an error code (ECONNRESET, slack_webapi_platform_error), not an OAuth code. */
const ERROR_KEY = /^(err|error)$/;

function scrub(value: unknown, depth: number, inError = false): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return errorFields(value);
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, inError));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const errorCode = inError && key === "code";
    const hidden = !errorCode && (SECRET_KEY.test(key) || CONTENT_KEY.test(key));
    out[key] = hidden ? REDACTED : scrub(v, depth + 1, ERROR_KEY.test(key));
  }
  return out;
}

/**
 * An error as its class, message, code and stack only: drivers hang the offending values on their errors
 * (pg's `detail`, the Web API's `data`), and those are someone's data.
 */
function errorFields(err: Error): Record<string, unknown> {
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: err.message,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    stack: err.stack,
  };
}

/** A log line's fields with every secret or private value replaced (exported for the tests). */
export function scrubFields(fields: Record<string, unknown>): Record<string, unknown> {
  return scrub(fields, 0) as Record<string, unknown>;
}

export interface LoggerOptions {
  /** true: human-readable lines (pino-pretty); false: JSON lines. Default: whether the output is a TTY. */
  pretty?: boolean;
}

/**
 * The app's logger. Without a destination it writes to stdout; output to a terminal is pretty-printed
 * (pino-pretty), anything else (a pipe, a file, a log collector) gets one JSON object a line.
 */
export function createLogger(
  level = "info",
  destination?: DestinationStream | NodeJS.WritableStream,
  options: LoggerOptions = {},
): Logger {
  const out = destination ?? process.stdout;
  const pretty = options.pretty ?? (out as { isTTY?: boolean }).isTTY === true;
  const stream = pretty ? prettyStream(out) : destination ? (destination as DestinationStream) : undefined;
  return pino(
    {
      level,
      base: { app: "deal-coach" },
      formatters: { log: scrubFields },
      // Errors are already reduced by scrubFields; pino's own serializer would rename their class.
      serializers: { err: (err: unknown) => err },
    },
    stream as DestinationStream,
  );
}

/**
 * pino-pretty as a synchronous stream in this thread (no transport worker), so a line is on the terminal
 * before the process exits. It is a dependency (it must work after `npm install --omit=dev`); if it is
 * missing anyway, lines stay JSON rather than the app failing to start.
 */
function prettyStream(out: DestinationStream | NodeJS.WritableStream): DestinationStream | undefined {
  try {
    const pinoPretty = createRequire(import.meta.url)("pino-pretty") as (
      opts: Record<string, unknown>,
    ) => DestinationStream;
    return pinoPretty({
      destination: out,
      sync: true,
      colorize: (out as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR,
      ignore: "pid,hostname,app",
      translateTime: "SYS:HH:MM:ss.l",
      singleLine: true,
    });
  } catch {
    return out === process.stdout ? undefined : (out as DestinationStream);
  }
}

export type { Logger };
