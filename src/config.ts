import { z } from "zod";
import { type LlmSettings, readLlmSettings } from "./llm/settings.js";
import { parseKey } from "./secret-box.js";

// Configuration from the environment (and .env through dotenv, loaded by the entry points). One error
// lists every bad variable at once, so a new user fixes .env in one go.

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/** The Slack variables as plain strings: read even when other variables are bad, so one run lists all. */
const SlackVars = z.object({
  SLACK_BOT_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional,
  SLACK_CLIENT_ID: optional,
  SLACK_CLIENT_SECRET: optional,
  SLACK_STATE_SECRET: optional,
  TOKEN_ENCRYPTION_KEY: optional,
});

const EnvSchema = z.object({
  ...SlackVars.shape,
  SLACK_API_URL: optional.pipe(z.url({ message: "must be a URL like https://slack.com/api/" }).optional()),
  PORT: optional.pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, "must be a port number")
      .transform(Number)
      .optional(),
  ),
  DATA_DIR: optional,
  DATABASE_URL: optional.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
      .optional(),
  ),
  DEAL_WEBHOOK_SECRET: optional,
  COACH_LIBRARY_DIR: optional,
  DEAL_STAGE_MAP: optional,
  HUBSPOT_CLIENT_SECRET: optional,
  HUBSPOT_ACCESS_TOKEN: optional,
  HUBSPOT_API_URL: optional,
  HUBSPOT_WEBHOOK_URL: optional,
  HUBSPOT_APP_ID: optional,
  PIPEDRIVE_API_USER_ID: optional,
  PIPEDRIVE_WEBHOOK_USER: optional,
  PIPEDRIVE_WEBHOOK_PASSWORD: optional,
  PIPEDRIVE_API_TOKEN: optional,
  PIPEDRIVE_API_URL: optional,
  IDLE_DAYS: optional.pipe(
    z
      .string()
      .regex(/^\d{1,3}$/, "must be a number of business days")
      .transform(Number)
      .optional(),
  ),
  NUDGE_DAILY_CAP: optional.pipe(
    z
      .string()
      .regex(/^\d{1,3}$/, "must be a whole number")
      .transform(Number)
      .optional(),
  ),
  NUDGE_WEEKLY_CAP: optional.pipe(
    z
      .string()
      .regex(/^\d{1,3}$/, "must be a whole number")
      .transform(Number)
      .optional(),
  ),
  NUDGE_QUIET_HOURS: optional.pipe(
    z
      .string()
      .regex(/^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, 'must be "HH:MM-HH:MM" or "off"')
      .optional(),
  ),
  NUDGE_WEEKENDS: optional.pipe(z.enum(["quiet", "on"], { message: 'must be "quiet" or "on"' }).optional()),
  DEAL_CHANNELS: optional,
  WEEKLY_LEASE_MS: optional.pipe(
    z
      .string()
      .regex(/^\d{3,7}$/, "must be milliseconds")
      .transform(Number)
      .optional(),
  ),
  WEEKLY_RATE_PER_SEC: optional.pipe(
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, "must be a number of messages per second")
      .transform(Number)
      .optional(),
  ),
  SLACK_WORK_CONCURRENCY: optional.pipe(
    z
      .string()
      .regex(/^[1-9]\d{0,3}$/, "must be a whole number from 1 to 9999")
      .transform(Number)
      .optional(),
  ),
  SLACK_WORK_WAITING: optional.pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, "must be a whole number")
      .transform(Number)
      .optional(),
  ),
  HTTP_REQUEST_TIMEOUT_MS: optional.pipe(
    z
      .string()
      .regex(/^[1-9]\d{3,6}$/, "must be milliseconds, at least 1000")
      .transform(Number)
      .optional(),
  ),
  HTTP_MAX_CONNECTIONS: optional.pipe(
    z
      .string()
      .regex(/^[1-9]\d{0,5}$/, "must be a whole number from 1")
      .transform(Number)
      .optional(),
  ),
  DEAL_LEASE_MS: optional.pipe(
    z
      .string()
      .regex(/^\d{3,7}$/, "must be milliseconds")
      .transform(Number)
      .optional(),
  ),
  DEAL_WORKER: optional.pipe(z.enum(["on", "off"], { message: 'must be "on" or "off"' }).optional()),
  WEEKLY_WORKER: optional.pipe(z.enum(["on", "off"], { message: 'must be "on" or "off"' }).optional()),
  HEALTH_SLACK_DOWN_MS: optional.pipe(
    z
      .string()
      .regex(/^\d{1,7}$/, "must be milliseconds")
      .transform(Number)
      .optional(),
  ),
  LOG_LEVEL: optional.pipe(z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).optional()),
});

export type SlackMode = "socket" | "http" | "oauth";

/**
 * 32 jobs at once keep the store and Slack busy without crowding the event loop; 500 waiting (each holds
 * its request, about 30 KB) is at most 15 MB and, at the usual 20-50 ms a job, under a second of work.
 */
export const DEFAULT_WORK = { concurrency: 32, maxWaiting: 500 };
/** Slack's requests are small and answered in 3 s; CRMs send at most 1 MB. 30 s is generous for both. */
export const DEFAULT_HTTP = { requestTimeoutMs: 30_000, maxConnections: 1000 };

export interface Config {
  slack: {
    mode: SlackMode;
    botToken?: string;
    appToken?: string;
    signingSecret?: string;
    clientId?: string;
    clientSecret?: string;
    stateSecret?: string;
    apiUrl?: string;
  };
  tokenEncryptionKey?: Buffer;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  libraryDir?: string;
  logLevel: string;
  /** The bound on what Slack listeners do after their ack (src/slack/work-queue.ts). */
  work: {
    /** Jobs running at once. */
    concurrency: number;
    /** Jobs waiting beyond those; a request past this gets the "busy, ask again" reply. */
    maxWaiting: number;
  };
  http: {
    /** The whole request (headers and body) must arrive within this; a slow client is cut off. */
    requestTimeoutMs: number;
    /** Open connections at once; more are closed as they arrive. */
    maxConnections: number;
  };
  health: {
    /** HEALTH_SLACK_DOWN_MS: how long Socket Mode may be disconnected before /healthz answers 503. */
    slackDownGraceMs: number;
  };
  weekly: {
    /** chat.postMessage pacing per workspace for the weekly prompts. */
    ratePerSec: number;
    /** How long a sender holds a claimed send before another may take it over (it died). */
    leaseMs: number;
    /** WEEKLY_WORKER: false runs no weekly poller in this process (`deal-coach weekly send` or another does). */
    worker: boolean;
  };
  /** The optional model (src/llm/settings.ts): undefined when OPENAI_API_KEY is unset. */
  llm?: LlmSettings;
  deals: {
    webhookSecret?: string;
    stageMap?: string;
    hubspot: {
      clientSecret?: string;
      accessToken?: string;
      apiUrl: string;
      webhookUrl?: string;
      appId?: string;
    };
    pipedrive: { user?: string; password?: string; apiToken?: string; apiUrl: string; apiUserId?: string };
    idleDays: number;
    dailyCap: number;
    weeklyCap: number;
    quietHours: string;
    weekends: "quiet" | "on";
    /** Channel ids whose messages are read as deal updates, besides those added in App Home. */
    channels: string[];
    /** false: this process only receives webhooks; another one processes the inbox and sends nudges. */
    worker: boolean;
    /** DEAL_LEASE_MS: how long a claimed inbox row or nudge is held before another pass may take it. */
    leaseMs: number;
  };
}

/** What a command needs from the environment: the app all of Slack; `weekly send` only a way to post. */
export type ConfigPurpose = "app" | "weekly";

/** The step after the problem list: make a .env first when there is none, else fix the one there is. */
const NEXT_STEP = {
  noEnvFile:
    'Next step: cp .env.example .env, fill in what is listed above (README "Run it in Slack"), then run this again.',
  envFile: "Next step: fix these in .env (.env.example describes every variable), then run this again.",
};

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    options: { envFile?: boolean } = {},
  ) {
    super(
      [
        `Configuration problems (${problems.length}):`,
        ...problems.map((p) => `  - ${p}`),
        options.envFile ? NEXT_STEP.envFile : NEXT_STEP.noEnvFile,
      ].join("\n"),
    );
  }
}

/**
 * Which Slack mode the variables select and what is missing for it. Socket Mode is the documented
 * default, so with nothing set the problem names its two tokens first and HTTP mode second.
 */
function slackProblems(
  s: z.infer<typeof SlackVars>,
  purpose: ConfigPurpose,
): { mode: SlackMode; problems: string[] } {
  const problems: string[] = [];
  const oauthVars = [s.SLACK_CLIENT_ID, s.SLACK_CLIENT_SECRET, s.SLACK_STATE_SECRET];
  const oauth = oauthVars.some(Boolean);
  let mode: SlackMode;
  if (purpose === "weekly") {
    // `weekly send` only posts: the bot token, or with OAuth the stored installations and their key.
    // The same choice as the app's: the app token's bot token, else OAuth's installations, else the bot token.
    mode = s.SLACK_APP_TOKEN && s.SLACK_BOT_TOKEN ? "socket" : oauth || !s.SLACK_BOT_TOKEN ? "oauth" : "http";
    if (mode === "oauth" && !s.TOKEN_ENCRYPTION_KEY)
      problems.push(
        "SLACK_BOT_TOKEN: required to post the weekly prompts (xoxb-…), or TOKEN_ENCRYPTION_KEY to use the workspaces installed by OAuth",
      );
  } else if (s.SLACK_APP_TOKEN) {
    mode = "socket";
    if (!s.SLACK_APP_TOKEN.startsWith("xapp-"))
      problems.push("SLACK_APP_TOKEN: must be an app-level token starting with xapp-");
    if (!s.SLACK_BOT_TOKEN) problems.push("SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN (Socket Mode)");
  } else if (oauth) {
    mode = "oauth";
    if (!oauthVars.every(Boolean))
      problems.push("SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET: set all three for OAuth");
    if (!s.SLACK_SIGNING_SECRET) problems.push("SLACK_SIGNING_SECRET: required for HTTP mode");
    if (!s.TOKEN_ENCRYPTION_KEY)
      problems.push("TOKEN_ENCRYPTION_KEY: required with OAuth, to encrypt bot tokens at rest");
  } else if (s.SLACK_SIGNING_SECRET) {
    mode = "http";
    if (!s.SLACK_BOT_TOKEN)
      problems.push("SLACK_BOT_TOKEN: required (or set the SLACK_CLIENT_* variables for OAuth)");
  } else {
    mode = "socket";
    if (!s.SLACK_BOT_TOKEN)
      problems.push(
        "SLACK_APP_TOKEN and SLACK_BOT_TOKEN: not set. Socket Mode (the default, no public URL) needs both: " +
          "the app-level token (xapp-…, with connections:write) and the bot token (xoxb-…). " +
          "For HTTP mode instead, set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN",
      );
    else
      problems.push(
        "SLACK_APP_TOKEN: required for Socket Mode (the default): the app-level token (xapp-…, with connections:write); " +
          "for HTTP mode instead, set SLACK_SIGNING_SECRET",
      );
  }
  if (s.SLACK_BOT_TOKEN && !s.SLACK_BOT_TOKEN.startsWith("xoxb-"))
    problems.push("SLACK_BOT_TOKEN: must be a bot token starting with xoxb-");
  return { mode, problems };
}

/** Every variable `weekly send` uses: how to post, the store, the sender's pacing, the library, the log. */
const WEEKLY_VARS = [
  ...Object.keys(SlackVars.shape),
  "SLACK_API_URL",
  "DATABASE_URL",
  "DATA_DIR",
  "WEEKLY_RATE_PER_SEC",
  "WEEKLY_LEASE_MS",
  "COACH_LIBRARY_DIR",
  "LOG_LEVEL",
] as const;

export interface LoadOptions {
  /** "weekly": only what `weekly send` uses (no signing secret, no app token). Default "app". */
  purpose?: ConfigPurpose;
  /** Whether a .env file exists: decides the next step the error names. */
  envFile?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  const purpose = options.purpose ?? "app";
  // Both parses always run, so one message holds every problem: Slack's first, then each bad value.
  const vars = SlackVars.parse(env);
  const slack = slackProblems(vars, purpose);
  // `weekly send` reads only its own variables; a bad PORT or webhook setting is not its problem.
  const read = purpose === "weekly" ? Object.fromEntries(WEEKLY_VARS.map((k) => [k, env[k]])) : env;
  const parsed = EnvSchema.safeParse(read);
  const problems = [...slack.problems];
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const e = parsed.success ? parsed.data : undefined;
  const mode = slack.mode;
  // The model's variables are read for every purpose: the weekly prompt may be chosen by the model too.
  const llm = readLlmSettings(env);
  if (!llm.ok) problems.push(...llm.problems);
  const key = readEncryptionKey(vars.TOKEN_ENCRYPTION_KEY, problems);
  // The embedded store keeps a key file next to its data; PostgreSQL has no such place (docs/encryption.md).
  if (!vars.TOKEN_ENCRYPTION_KEY && e?.DATABASE_URL)
    problems.push(
      "TOKEN_ENCRYPTION_KEY: required with DATABASE_URL, to encrypt reflections and CRM notes at rest",
    );
  if (problems.length > 0 || !e || !llm.ok) throw new ConfigError(problems, { envFile: options.envFile });
  return {
    slack: {
      mode,
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      clientId: e.SLACK_CLIENT_ID,
      clientSecret: e.SLACK_CLIENT_SECRET,
      stateSecret: e.SLACK_STATE_SECRET,
      apiUrl: e.SLACK_API_URL,
    },
    tokenEncryptionKey: key,
    port: e.PORT ?? 3000,
    dataDir: e.DATA_DIR ?? "./data",
    databaseUrl: e.DATABASE_URL,
    libraryDir: e.COACH_LIBRARY_DIR,
    logLevel: e.LOG_LEVEL ?? "info",
    work: {
      concurrency: e.SLACK_WORK_CONCURRENCY ?? DEFAULT_WORK.concurrency,
      maxWaiting: e.SLACK_WORK_WAITING ?? DEFAULT_WORK.maxWaiting,
    },
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS ?? DEFAULT_HTTP.requestTimeoutMs,
      maxConnections: e.HTTP_MAX_CONNECTIONS ?? DEFAULT_HTTP.maxConnections,
    },
    health: { slackDownGraceMs: e.HEALTH_SLACK_DOWN_MS ?? 30_000 },
    weekly: {
      ratePerSec: e.WEEKLY_RATE_PER_SEC ?? 1,
      leaseMs: e.WEEKLY_LEASE_MS ?? 60_000,
      worker: (e.WEEKLY_WORKER ?? "on") === "on",
    },
    ...(llm.settings ? { llm: llm.settings } : {}),
    deals: {
      webhookSecret: e.DEAL_WEBHOOK_SECRET,
      stageMap: e.DEAL_STAGE_MAP,
      hubspot: {
        clientSecret: e.HUBSPOT_CLIENT_SECRET,
        accessToken: e.HUBSPOT_ACCESS_TOKEN,
        apiUrl: e.HUBSPOT_API_URL ?? "https://api.hubapi.com",
        webhookUrl: e.HUBSPOT_WEBHOOK_URL,
        appId: e.HUBSPOT_APP_ID,
      },
      pipedrive: {
        user: e.PIPEDRIVE_WEBHOOK_USER,
        password: e.PIPEDRIVE_WEBHOOK_PASSWORD,
        apiToken: e.PIPEDRIVE_API_TOKEN,
        apiUrl: e.PIPEDRIVE_API_URL ?? "https://api.pipedrive.com",
        apiUserId: e.PIPEDRIVE_API_USER_ID,
      },
      idleDays: e.IDLE_DAYS ?? 14,
      dailyCap: e.NUDGE_DAILY_CAP ?? 3,
      weeklyCap: e.NUDGE_WEEKLY_CAP ?? 10,
      quietHours: e.NUDGE_QUIET_HOURS ?? "19:00-08:00",
      weekends: e.NUDGE_WEEKENDS ?? "quiet",
      channels: (e.DEAL_CHANNELS ?? "")
        .split(/[\s,]+/)
        .map((c) => c.trim())
        .filter(Boolean),
      worker: (e.DEAL_WORKER ?? "on") === "on",
      leaseMs: e.DEAL_LEASE_MS ?? 60_000,
    },
  };
}

/** The store's variables alone, for the commands that only open the store (`migrate`, `inbox`, `weekly due`). */
/** TOKEN_ENCRYPTION_KEY as 32 bytes, or undefined when unset; a malformed value is added to problems. */
function readEncryptionKey(text: string | undefined, problems: string[]): Buffer | undefined {
  if (text === undefined) return undefined;
  const key = parseKey(text);
  if (!key) problems.push("TOKEN_ENCRYPTION_KEY: must be 32 bytes, as 64 hex characters or base64");
  return key;
}

export function loadStoreConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: Pick<LoadOptions, "envFile"> = {},
): Pick<Config, "databaseUrl" | "dataDir"> & { encryptionKey?: Buffer } {
  const parsed = EnvSchema.pick({ DATABASE_URL: true, DATA_DIR: true }).safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  // Reflections and CRM notes are sealed with it (docs/encryption.md); `migrate` never reads them.
  const encryptionKey = readEncryptionKey(env.TOKEN_ENCRYPTION_KEY?.trim() || undefined, problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems, options);
  return {
    databaseUrl: parsed.data.DATABASE_URL,
    dataDir: parsed.data.DATA_DIR ?? "./data",
    ...(encryptionKey ? { encryptionKey } : {}),
  };
}
