import { LogLevel, type Logger as SlackLogger } from "@slack/web-api";
import type { Logger } from "../logger.js";
import { LIBRARY_LOG_PHRASES } from "./library-log-phrases.js";

// The logger handed to Bolt, the Web API client, Socket Mode and the OAuth installer. Their lines arrive as
// strings already joined with whatever they interpolated: request bodies with message text, Socket Mode
// envelopes, `oauth.v2.access` arguments with the client secret and the code, API results. Key-based
// redaction never sees inside such a string, so none of it is passed on. A line is reduced to its shape:
// the libraries' own opening phrase (library-log-phrases.ts), the Web API method for apiCall lines, the
// length of what was withheld, and for errors only their class, code, HTTP status and Slack's error code,
// each kept only when it looks like a code. Anything else is withheld, at every level, so a new library
// line can lose its detail but can never leak (docs/logging.md).

/** Cut before the first interpolation-like character: what follows is the libraries' data, not wording. */
const CUT = /[:({[\]"'`=\n<>]/;
const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const API_CALL = /^apiCall\('([A-Za-z][A-Za-z0-9.]{0,80})'\) (start|end)$/;

const phrases = [...LIBRARY_LOG_PHRASES].sort((a, b) => b.length - a.length);

export interface LibraryLine {
  msg: string;
  fields: Record<string, unknown>;
}

/** The shape of one library log line: nothing in it comes from a request, a reply or a secret. */
export function libraryLine(args: unknown[]): LibraryLine {
  const fields: Record<string, unknown> = {};
  let msg = "library line withheld";
  let withheld = 0;
  for (const [i, arg] of args.entries()) {
    if (arg instanceof Error) {
      fields.err = errorShape(arg);
      if (i === 0) msg = "library error";
    } else if (typeof arg === "string") {
      if (i === 0) {
        const shaped = shapeOf(arg);
        msg = shaped.msg;
        if (shaped.method) fields.method = shaped.method;
        withheld += arg.length - shaped.kept;
      } else withheld += arg.length;
    } else if (arg !== undefined && arg !== null) {
      withheld += 1;
    }
  }
  if (withheld > 0) fields.withheld = withheld;
  return { msg, fields };
}

function shapeOf(line: string): { msg: string; kept: number; method?: string } {
  const call = API_CALL.exec(line);
  if (call) return { msg: `apiCall ${call[2]}`, kept: line.length, method: call[1] };
  const head = line.split(CUT, 1)[0] ?? "";
  for (const phrase of phrases) {
    if (head.startsWith(phrase) && !/[A-Za-z0-9]/.test(head.charAt(phrase.length))) {
      return { msg: phrase, kept: phrase.length };
    }
  }
  return { msg: "library line withheld", kept: 0 };
}

function errorShape(err: Error): Record<string, unknown> {
  const e = err as Error & { code?: unknown; statusCode?: unknown; data?: { error?: unknown } };
  const shape: Record<string, unknown> = {};
  if (SAFE_CODE.test(err.name)) shape.type = err.name;
  if (typeof e.code === "string" && SAFE_CODE.test(e.code)) shape.code = e.code;
  if (typeof e.statusCode === "number") shape.status = e.statusCode;
  if (typeof e.data?.error === "string" && SAFE_CODE.test(e.data.error)) shape.slackError = e.data.error;
  return shape;
}

const PINO_TO_SLACK: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/**
 * The @slack/logger interface over pino. LOG_LEVEL alone decides what is written: the libraries' own
 * setLevel calls (Bolt sets INFO unless told otherwise) are ignored.
 */
export function libraryLogger(logger: Logger, component: string): SlackLogger {
  const child = logger.child({ component });
  const write =
    (level: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]) => {
      if (!child.isLevelEnabled(level)) return;
      const { msg, fields } = libraryLine(args);
      child[level](fields, msg);
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    setLevel: () => undefined,
    getLevel: () => PINO_TO_SLACK[child.level] ?? LogLevel.INFO,
    setName: () => undefined,
  };
}
