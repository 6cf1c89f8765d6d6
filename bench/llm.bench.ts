import { performance } from "node:perf_hooks";
import { coach } from "../src/coaching/coach.js";
import type { Situation } from "../src/coaching/deal.js";
import { loadLibrary } from "../src/coaching/library.js";
import type { Stage } from "../src/coaching/taxonomy.js";
import { type CallReport, memoryLedger, modelCoacher } from "../src/llm/model-coacher.js";
import type { LlmSettings } from "../src/llm/settings.js";
import { createLogger } from "../src/logger.js";
import { BUILT_IN_LIBRARY_DIR } from "../src/paths.js";
import { DEAL_MESSAGES } from "../test/fixtures/deal-messages.js";
import {
  closedPortUrl,
  completion,
  echoFirst,
  FakeOpenAI,
  type FakeReply,
  picks,
  type Responder,
  sentData,
} from "../test/support/fake-openai.js";
import { summarize } from "./stats.js";

// `npm run bench -- llm`: the model path against a loopback fake OpenAI server, with the real SDK, over
// the 78 fixture deal messages (docs/llm.md). (1) The latency it adds to a reply when the model answers in
// 300 ms: the model path's time minus the library's, one reply at a time. (2) The size of a request, in
// tokens estimated at 4 characters each (the fake cannot count like a real tokenizer; a real server's
// usage.total_tokens is what the cap counts). (3) For each way a model fails, the share of replies that
// fell back to the library (all 78 at once, LLM_TIMEOUT_MS 1000), and the slowest reply.

const library = loadLibrary(BUILT_IN_LIBRARY_DIR);
const logger = createLogger("silent");
const situations: Situation[] = DEAL_MESSAGES.map((m) => ({
  text: m.text,
  ...(m.stage ? { stage: m.stage as Stage } : {}),
}));

function settings(fake: FakeOpenAI, timeoutMs: number, baseUrl = fake.url): LlmSettings {
  return { apiKey: "sk-bench", baseUrl, model: "fake", timeoutMs, dailyTokenCap: 1e12, redactPii: true };
}

const BAD_TEXT = "You should offer them a 10% discount to close this quarter.";

const FAILURES: Array<[string, Responder | "closed-port"]> = [
  ["invalid JSON", () => ({ body: completion("{questions: [") })],
  ["wrong shape", () => ({ body: completion({ answer: "discount" }) })],
  ["unknown ids", () => picks([{ id: "made.up", text: "What would they say?" }])],
  [
    "advice as the fitted text",
    (req) =>
      picks(
        sentData(req)
          .candidates.slice(0, 2)
          .map((c) => ({ id: c.id, text: BAD_TEXT })),
      ),
  ],
  ["refusal", () => ({ body: completion(null, { refusal: "No." }) })],
  ["500", () => ({ status: 500, body: {} })],
  ["429 with retry-after: 1", () => ({ status: 429, headers: { "retry-after": "1" }, body: {} })],
  ["never answers", () => ({ never: true })],
  ["headers, then a stalled body", () => ({ stallBody: true })],
  ["closed port", "closed-port"],
];

export async function benchLlm(): Promise<string[]> {
  const fake = await FakeOpenAI.start();
  const rows: string[] = [];
  try {
    // (1) Added latency with a model answering in 300 ms.
    fake.respond = (req): FakeReply => ({ ...echoFirst(req), delayMs: 300 });
    const reports: CallReport[] = [];
    const model = modelCoacher({
      library,
      settings: settings(fake, 4000),
      ledger: memoryLedger(),
      logger,
      onCall: (r) => reports.push(r),
    });
    await model.coach({ situation: situations[0] as Situation, teamId: "warm-up" });
    reports.length = 0;
    fake.requests.length = 0;
    const added: number[] = [];
    let llm = 0;
    for (const situation of situations) {
      const t0 = performance.now();
      coach(library, situation);
      const libraryMs = performance.now() - t0;
      const t1 = performance.now();
      const result = await model.coach({ situation, teamId: "T-bench" });
      added.push(performance.now() - t1 - libraryMs);
      if (result.source === "llm") llm++;
    }
    const a = summarize(added);
    rows.push(
      `| llm: added latency, model answering in 300 ms (${a.n} fixture messages, one at a time) | ` +
        `${llm} of ${a.n} replies fitted by the model | p50 ${a.p50.toFixed(0)} ms, p99 ${a.p99.toFixed(0)} ms, max ${a.max.toFixed(0)} ms |`,
    );
    // (2) Tokens per call.
    const input = fake.requests.map((r) => Math.ceil(r.raw.length / 4));
    const messages = fake.requests.map((r) =>
      Math.ceil((r.body.messages ?? []).reduce((n, m) => n + m.content.length, 0) / 4),
    );
    const candidates = fake.requests.map((r) => sentData(r).candidates.length);
    const t = summarize(messages);
    const c = summarize(candidates);
    rows.push(
      `| llm: input tokens per call (${t.n} calls, characters / 4) | messages p50 ${t.p50}, p99 ${t.p99}, max ${t.max} ` +
        `(whole request body with the JSON schema: p50 ${summarize(input).p50}); candidates p50 ${c.p50}, max ${c.max}; output capped at 300 | |`,
    );
    // (3) Fallback rate per failure kind, all 78 at once.
    for (const [name, responder] of FAILURES) {
      const baseUrl = responder === "closed-port" ? await closedPortUrl() : fake.url;
      if (responder !== "closed-port") fake.respond = responder;
      const coacher = modelCoacher({
        library,
        settings: settings(fake, 1000, baseUrl),
        ledger: memoryLedger(),
        logger,
      });
      const started = performance.now();
      const times: number[] = [];
      const results = await Promise.all(
        situations.map(async (situation) => {
          const t0 = performance.now();
          const r = await coacher.coach({ situation, teamId: "T-bench" });
          times.push(performance.now() - t0);
          return r;
        }),
      );
      const fellBack = results.filter((r) => r.source === "library").length;
      const s = summarize(times);
      rows.push(
        `| llm: ${name} (LLM_TIMEOUT_MS 1000, ${results.length} at once) | fallback ${((100 * fellBack) / results.length).toFixed(0)}% ` +
          `(${fellBack} of ${results.length}) | slowest reply ${s.max.toFixed(0)} ms, all in ${(performance.now() - started).toFixed(0)} ms |`,
      );
    }
  } finally {
    await fake.close();
  }
  return rows;
}
