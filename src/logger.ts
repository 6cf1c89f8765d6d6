import { type Logger, pino } from "pino";

// Logs never hold tokens, and never the text of messages or reflections at info level: those fields are
// redacted wherever they appear. Text may be logged only at debug, and only deliberately, under `debugText`.

export const REDACT_PATHS = [
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "appToken",
  "refreshToken",
  "*.refreshToken",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "signingSecret",
  "clientSecret",
  "text",
  "*.text",
  "answer",
  "*.answer",
  "questionText",
  "blocks",
  "*.blocks",
  "body",
  "*.body",
];

export function createLogger(level = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { app: "deal-coach" },
    },
    destination,
  );
}

export type { Logger };
