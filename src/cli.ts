#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { config as loadDotenv } from "dotenv";
import { z } from "zod";
import { parse, UsageError } from "./cli-args.js";
import { CLI_TEAM, cliCoacher } from "./cli-llm.js";
import { type CoachResult, resultJson } from "./coaching/coach.js";
import type { DealFields, Situation } from "./coaching/deal.js";
import { checkReply } from "./coaching/guard.js";
import { clipFor } from "./coaching/input-limits.js";
import { type Library, LibraryError, loadLibrary, readLibrary } from "./coaching/library.js";
import type { SelectOptions } from "./coaching/select.js";
import { isStage, STAGES, type Stage } from "./coaching/taxonomy.js";
import { ConfigError, loadConfig, loadStoreConfig } from "./config.js";
import { givenDeal } from "./deals/given-deal.js";
import { parseStageMap, type StageMap } from "./deals/sources/team-stage-map.js";
import { evalCommand } from "./eval-command.js";
import { explainReading } from "./explain.js";
import { BUILT_IN_LIBRARY_DIR } from "./paths.js";

// `deal-coach` (README "The CLI"): ask the coach without Slack (`ask`, with the model when a key
// is set), measure it on labelled situations (`eval`), lint candidate replies (`lint`), check a prompt
// library (`library check`), and run or tend the bot (`start`, `migrate`, `inbox`, `weekly`).
// Exit codes: 0 ok; 1 something was rejected or failed (a lint rejection, a bad JSON line, a library
// problem); 2 usage error. Errors are one line on stderr.

const HELP: Record<string, string> = {
  main: `deal-coach: a sales coach that asks, never tells.

Usage:
  deal-coach ask [--json|--explain] [--deal FILE] TEXT...       coach one situation (see ask --help)
  deal-coach ask --jsonl                                        JSON lines {"text","deal"?,...} on stdin
  deal-coach eval FILE.jsonl [--llm] [--json]                   measure questions on labelled situations
  deal-coach lint [--jsonl] [TEXT...]                           check candidate replies with the guard
  deal-coach library check                                      validate the prompt library
  deal-coach start                                              run the Slack app (reads .env)
  deal-coach migrate                                            apply database migrations and exit
  deal-coach inbox [replay ID]                                  list pending and dead deal updates; replay one
  deal-coach weekly send|due [--at ISO-8601]                    one pass of the weekly sender; who is due

Run "deal-coach <command> --help" for details. COACH_LIBRARY_DIR merges your own library over the built-in one.`,
  ask: `Usage: deal-coach ask [--json|--explain] [--stage STAGE] [--user ID] [--deal FILE] [--llm|--no-llm] TEXT...
       deal-coach ask --jsonl < situations.jsonl

Prints one to three open questions for the deal situation in TEXT. With OPENAI_API_KEY set, the model
chooses and fits library questions, as in Slack ("source": "llm"); see README "Optional: a model".
  --no-llm       the library alone for this run, even with OPENAI_API_KEY set
  --llm          the model, or an error when OPENAI_API_KEY is not set
  --json         print {"questions":[{"id","theme","text","signals"}],"themes","signals","stage","source"}
  --jsonl        read JSON lines {"text","stage"?,"user"?,"deal"?,"previous"?} from stdin, write one result
                 per line, in order; a bad line (or a bad deal) gets {"error": "..."} in its place and the
                 rest go on (exit 1 at the end)
  --explain      after the questions, print the reading: stage, signals and their evidence, deal fields,
                 the ranked themes, and why each question was chosen (for people who edit the library)
  --stage STAGE  the deal stage: ${STAGES.join(", ")}
  --user ID      who is asking; in --jsonl a user is not asked the same question twice in one run
  --deal FILE    the deal, as JSON: the deal webhook's deal fields (stage, amount, close_date,
                 last_activity_at, discount_percent, competitor, contact_count, status, ...), or
                 {"deal": {...}, "previous": {...}}; stage labels map as for the webhook (DEAL_STAGE_MAP)`,
  eval: `Usage: deal-coach eval FILE.jsonl [--llm] [--json]

Runs labelled situations, one JSON line each: {"text", "deal"?, "stage"?, "themes": [...], "premises"?}
("themes": the themes a good first question takes; "premises": what the situation establishes, else
what the coach reads from it). Prints relevance (first question's theme labelled = 1, a later one's =
0.5), premise violations, where replies came from, fallbacks by kind, tokens and latency p50/p99.
  --llm          through the model (needs OPENAI_API_KEY); without it, the library alone
  --json         one JSON object instead of text`,
  lint: `Usage: deal-coach lint [--jsonl] [TEXT...]

Checks candidate replies with the non-directive guard. With TEXT, checks that one reply; otherwise reads
one reply per line from stdin (with --jsonl, JSON lines with a "text" field). Writes JSON lines
{"text","ok","reasons":[...]}. Exit 1 when any reply is rejected or a line is not valid.`,
  start: `Usage: deal-coach start

Runs the Slack app, as npm start does. Configuration comes from the environment and .env; see
.env.example. Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.`,
  migrate: `Usage: deal-coach migrate

Applies pending database migrations to DATABASE_URL (PostgreSQL) or to the embedded store in DATA_DIR
(default ./data), prints what it applied, and exits. The app also migrates at start.`,
  inbox: `Usage: deal-coach inbox
       deal-coach inbox replay ID

Lists the deal-update inbox's pending and dead deliveries as JSON lines
{"id","source","event_id","deal","status","attempts","occurred_at","last_error"}, or makes a dead (or done)
delivery pending again so the running app processes it. Uses DATABASE_URL or DATA_DIR, and
TOKEN_ENCRYPTION_KEY (required with DATABASE_URL), like the app; on the embedded store, stop the app first
(one process per data directory).`,
  weekly: `Usage: deal-coach weekly send [--at ISO-8601]
       deal-coach weekly due [--at ISO-8601]

send: one pass of the weekly reflection sender as of that instant (default now), with the same store,
tokens and SLACK_API_URL as the bot; prints one JSON line {"due","sent","skipped","failed"} and exits 0
unless something failed. Running it twice, or twice at once, sends nothing twice.
due: who is due at that instant, without sending: one JSON line per rep {"team","user","due_at"} (Slack
ids; due_at in UTC).`,
  library: `Usage: deal-coach library check

Validates prompts/ (and COACH_LIBRARY_DIR, merged over it): schema, duplicate ids, unknown themes,
stages and signals, and every question and follow-up against the guard. Prints "file: id: reason" for
each problem and exits 1 if there is any.`,
};

function libraryDirs(): [string, string | undefined] {
  return [BUILT_IN_LIBRARY_DIR, process.env.COACH_LIBRARY_DIR || undefined];
}

function load(): Library {
  return loadLibrary(...libraryDirs());
}

function toStage(value: string | undefined): Stage | undefined {
  if (value === undefined) return undefined;
  if (!isStage(value)) throw new UsageError(`unknown stage "${value}" (use one of: ${STAGES.join(", ")})`);
  return value;
}

async function* stdinLines(): AsyncGenerator<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) yield line;
}

function formatText(result: CoachResult): string {
  const lines = result.questions.map((q) => `- ${q.text}`);
  const stage = result.stage ? ` | stage: ${result.stage}` : "";
  const signals = result.signals.length ? ` | signals: ${result.signals.join(", ")}` : "";
  // About the rep, not a deal (docs/person.md): there are no themes to show.
  if (result.person) lines.push("", "about you, not a deal: nothing here is kept or counted");
  else lines.push("", `themes: ${result.themes.slice(0, 3).join(", ")}${stage}${signals}`);
  return lines.join("\n");
}

const AskLine = z.object({
  text: z.string().trim().min(1, "text is empty"),
  stage: z.string().optional(),
  user: z.string().optional(),
  deal: z.unknown().optional(),
  previous: z.unknown().optional(),
});

/** A given deal's fields for the coach, or an error naming the bad field. */
function dealOf(deal: unknown, previous: unknown, stageMap: StageMap): DealFields | undefined {
  if (deal === undefined && previous === undefined) return undefined;
  if (deal === undefined) throw new Error("previous: given without a deal");
  const given = givenDeal(deal, previous, stageMap, new Date());
  if (!given.ok) throw new Error(given.error);
  return given.fields;
}

/** --deal FILE: a deal object, or {"deal", "previous"} as in a webhook update. */
function readDealFile(path: string, stageMap: StageMap): DealFields | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`--deal ${path}: ${(err as NodeJS.ErrnoException).code ?? "cannot read"}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`--deal ${path}: not valid JSON`);
  }
  const wrapped =
    json !== null && typeof json === "object" && !Array.isArray(json) && "deal" in json
      ? (json as { deal: unknown; previous?: unknown })
      : { deal: json, previous: undefined };
  try {
    return dealOf(wrapped.deal, wrapped.previous, stageMap);
  } catch (err) {
    throw new Error(`--deal ${path}: ${(err as Error).message}`);
  }
}

async function ask(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: "boolean" },
    jsonl: { type: "boolean" },
    stage: { type: "string" },
    user: { type: "string" },
    deal: { type: "string" },
    explain: { type: "boolean" },
    llm: { type: "boolean" },
    "no-llm": { type: "boolean" },
  });
  if (values.help) return help("ask");
  if (values.jsonl && values.explain) throw new UsageError("--explain is for one situation, not --jsonl");
  if (values.json && values.explain) throw new UsageError("--explain prints text; leave out --json");
  if (values.jsonl && values.deal !== undefined)
    throw new UsageError('--deal is for one situation; in --jsonl give each line a "deal"');
  const library = load();
  const coacher = await cliCoacher(library, { llm: values.llm, noLlm: values["no-llm"], byDefault: true });
  const coachOne = (situation: Situation, options: SelectOptions) =>
    coacher.coach({ situation, options, teamId: CLI_TEAM });
  const stageMap = parseStageMap(process.env.DEAL_STAGE_MAP);
  if (values.jsonl) {
    if (positionals.length > 0) throw new UsageError("--jsonl reads stdin; give no TEXT");
    const history = new Map<string, string[]>();
    let failed = 0;
    for await (const line of stdinLines()) {
      if (line.trim() === "") continue;
      try {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          throw new Error("invalid JSON line");
        }
        const parsed = AskLine.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new Error(`${issue?.path.join(".") || "line"}: ${issue?.message}`);
        }
        const { text, stage, user } = parsed.data;
        const deal = dealOf(parsed.data.deal, parsed.data.previous, stageMap);
        const asked = user ? (history.get(user) ?? []) : [];
        const result = await coachOne(
          { text: clipFor("situation", text), stage: toStage(stage), deal },
          { user, history: asked },
        );
        if (user) history.set(user, [...result.questions.map((q) => q.id), ...asked]);
        process.stdout.write(`${JSON.stringify(resultJson(result))}\n`);
      } catch (err) {
        failed++;
        process.stdout.write(`${JSON.stringify({ error: (err as Error).message })}\n`);
      }
    }
    return failed > 0 ? 1 : 0;
  }
  const text = positionals.join(" ").trim();
  if (text === "")
    throw new UsageError(
      'ask needs the situation as TEXT, e.g. deal-coach ask "they went quiet after the demo"',
    );
  const deal = values.deal === undefined ? undefined : readDealFile(values.deal, stageMap);
  // Only the first INPUT_LIMITS.situation characters are read, as on every surface (README "Input limits").
  const situation = { text: clipFor("situation", text), stage: toStage(values.stage), deal };
  const result = await coachOne(situation, { user: values.user });
  if (values.explain) {
    const reading = explainReading(library, situation, { user: values.user }, result);
    process.stdout.write(`${formatText(result)}\n\n${reading}\n`);
    return 0;
  }
  process.stdout.write(`${values.json ? JSON.stringify(resultJson(result)) : formatText(result)}\n`);
  return 0;
}

async function lint(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { jsonl: { type: "boolean" } });
  if (values.help) return help("lint");
  let rejected = 0;
  const report = (text: string) => {
    const verdict = checkReply(text);
    if (!verdict.ok) rejected++;
    process.stdout.write(`${JSON.stringify({ text, ok: verdict.ok, reasons: verdict.reasons })}\n`);
  };
  if (positionals.length > 0) {
    report(positionals.join(" "));
    return rejected > 0 ? 1 : 0;
  }
  for await (const line of stdinLines()) {
    if (line.trim() === "") continue;
    if (!values.jsonl) {
      report(line);
      continue;
    }
    let text: unknown;
    try {
      text = (JSON.parse(line) as { text?: unknown })?.text;
    } catch {
      text = undefined;
    }
    if (typeof text !== "string") {
      rejected++;
      process.stdout.write(`${JSON.stringify({ error: 'invalid JSON line: expected {"text": "..."}' })}\n`);
      continue;
    }
    report(text);
  }
  return rejected > 0 ? 1 : 0;
}

function library(args: string[]): number {
  const { values, positionals } = parse(args, {});
  if (values.help || positionals[0] !== "check") {
    if (!values.help) throw new UsageError('unknown library command; use "deal-coach library check"');
    return help("library");
  }
  const { library: lib, problems } = readLibrary(...libraryDirs());
  for (const p of problems) process.stdout.write(`${p.file}: ${p.id}: ${p.reason}\n`);
  if (problems.length > 0) {
    process.stderr.write(`library check: ${problems.length} problem(s)\n`);
    return 1;
  }
  let questions = 0;
  for (const theme of lib.themes.values()) questions += theme.questions.length;
  const followUps = lib.questions.size - questions;
  process.stdout.write(
    `library ok: ${lib.themes.size} themes, ${questions} questions, ${followUps} follow-ups, ${lib.reflections.length} reflections, ${lib.person.length} caring questions\n`,
  );
  return 0;
}

async function migrateCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {});
  if (values.help) return help("migrate");
  const where = storeConfig();
  const { migrate } = await import("./store/open.js");
  const applied = await migrate(where);
  process.stdout.write(applied.length > 0 ? `applied: ${applied.join(", ")}\n` : "database is up to date\n");
  return 0;
}

async function inboxCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return help("inbox");
  const [sub, id] = positionals;
  if (sub !== undefined && sub !== "replay")
    throw new UsageError(
      `unknown inbox command "${sub}"; use "deal-coach inbox" or "deal-coach inbox replay ID"`,
    );
  if (sub === "replay" && !id)
    throw new UsageError("inbox replay needs the ID of a delivery (see deal-coach inbox)");
  const where = storeConfig();
  const { openStore } = await import("./store/open.js");
  const store = await openStore(where);
  try {
    if (sub === "replay") {
      if (!(await store.deals.replayInbox(id as string))) {
        process.stderr.write(`deal-coach: no dead or done delivery with id ${id}\n`);
        return 1;
      }
      process.stdout.write(`${JSON.stringify({ replayed: id })}\n`);
      return 0;
    }
    for (const row of await store.deals.listInbox(["pending", "processing", "dead"])) {
      const line = {
        id: row.id,
        source: row.source,
        event_id: row.eventId,
        deal: row.update.deal.id,
        status: row.status,
        attempts: row.attempts,
        occurred_at: row.occurredAt.toISOString(),
        last_error: row.lastError,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

async function weeklyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { at: { type: "string" } });
  if (values.help) return help("weekly");
  const [sub] = positionals;
  if (sub !== "send" && sub !== "due")
    throw new UsageError('use "deal-coach weekly send" or "deal-coach weekly due"');
  const at = values.at ? new Date(values.at) : new Date();
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--at must be an ISO-8601 instant, e.g. 2026-11-27T15:00:00Z (got "${values.at}")`);
  // Configuration first, all of it in one check: a problem is reported before anything opens the store.
  const config =
    sub === "send" ? loadConfig(process.env, { purpose: "weekly", envFile: hasEnvFile() }) : undefined;
  const where = config
    ? { databaseUrl: config.databaseUrl, dataDir: config.dataDir, encryptionKey: config.tokenEncryptionKey }
    : storeConfig();
  const { openStore } = await import("./store/open.js");
  // The store opens (connects, checks migrations) while the rest of the sender loads.
  const opening = openStore(where);
  opening.catch(() => undefined);
  if (sub === "due") {
    const store = await opening;
    try {
      for (const row of await store.weekly.due(at)) {
        process.stdout.write(
          `${JSON.stringify({ team: row.teamId, user: row.userId, due_at: row.nextRunAt?.toISOString() ?? null })}\n`,
        );
      }
      return 0;
    } finally {
      await store.close();
    }
  }
  let prepared: Awaited<ReturnType<typeof prepareSender>>;
  try {
    prepared = await prepareSender(config as NonNullable<typeof config>);
  } catch (err) {
    await (await opening.catch(() => undefined))?.close();
    throw err;
  }
  const store = await opening;
  try {
    const { config, createLogger, slackClients, weeklyMessenger, WeeklySender, library, coacherFor } =
      prepared;
    const logger = createLogger(process.env.LOG_LEVEL ?? "warn", process.stderr);
    // As the bot's weekly poller does: the model chooses among fitting reflections when a key is set.
    const coacher = coacherFor(library, config.llm, store.llmTokens, logger);
    const sender = new WeeklySender({
      store,
      library,
      coacher,
      logger,
      messenger: weeklyMessenger(slackClients(config, store, logger)),
      ratePerSec: config.weekly.ratePerSec,
      leaseMs: config.weekly.leaseMs,
    });
    const result = await sender.runOnce(at);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.failed > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

/** What `weekly send` needs besides the store and its configuration: the library, the sender, the coacher. */
async function prepareSender(config: ReturnType<typeof loadConfig>) {
  const { createLogger } = await import("./logger.js");
  const { slackClients } = await import("./slack/clients.js");
  const { WeeklySender } = await import("./reflection/sender.js");
  const { weeklyMessenger } = await import("./slack/weekly-messenger.js");
  const { coacherFor } = await import("./llm/coacher-for.js");
  const library = load();
  return { config, createLogger, slackClients, weeklyMessenger, WeeklySender, library, coacherFor };
}

const hasEnvFile = () => existsSync(".env");

/** DATABASE_URL and DATA_DIR only: the store commands need nothing else (README "Configuration"). */
function storeConfig() {
  return loadStoreConfig(process.env, { envFile: hasEnvFile() });
}

/** The app's entry, beside this file in src/ and in dist/ alike. */
const APP_MODULE = "./main.js";

function help(topic: string): number {
  process.stdout.write(`${HELP[topic] ?? HELP.main}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  loadDotenv({ quiet: true });
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "ask":
        return await ask(rest);
      case "lint":
        return await lint(rest);
      case "eval":
        return await evalCommand(rest, {
          load,
          help: () => help("eval"),
          dealOf: (deal) => dealOf(deal, undefined, parseStageMap(process.env.DEAL_STAGE_MAP)),
        });
      case "library":
        return library(rest);
      case "start":
        if (rest.includes("--help") || rest.includes("-h")) return help("start");
        // main.ts runs the app and owns the process from here (signals, exit codes). The specifier is a
        // variable so that the CLI bundle (scripts/bundle-cli.mjs) leaves the app out: `start` runs the
        // same dist/main.js as `npm start`, and the other commands never load Bolt.
        await import(APP_MODULE);
        return 0;
      case "migrate":
        return await migrateCommand(rest);
      case "inbox":
        return await inboxCommand(rest);
      case "weekly":
        return await weeklyCommand(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        return help(rest[0] ?? "main");
      default:
        throw new UsageError(`unknown command "${command}"; run "deal-coach --help"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`deal-coach: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      // The whole list, never its first line: every problem is fixed in one go.
      process.stderr.write(`deal-coach: ${err.message}\n`);
      return 2;
    }
    if (err instanceof LibraryError) {
      process.stderr.write(
        `deal-coach: ${err.message.split("\n")[0]}; run "deal-coach library check" for the list\n`,
      );
      return 1;
    }
    process.stderr.write(`deal-coach: ${(err as Error).message.split("\n")[0]}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// `start` keeps running (main.ts decides when to exit); every other command ends here.
if (process.argv[2] !== "start") process.exitCode = code;
