import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CoachResult, coach } from "../../src/coaching/coach.js";
import type { Situation } from "../../src/coaching/deal.js";
import { loadLibrary } from "../../src/coaching/library.js";
import type { CoachCall } from "../../src/llm/coacher.js";
import { coacherFor } from "../../src/llm/coacher-for.js";
import { type CallReport, memoryLedger, modelCoacher } from "../../src/llm/model-coacher.js";
import { readSystemPrompt } from "../../src/llm/request.js";
import type { LlmSettings } from "../../src/llm/settings.js";
import { createLogger } from "../../src/logger.js";
import { BUILT_IN_LIBRARY_DIR } from "../../src/paths.js";
import { chooseWeeklyPrompt, type WeeklyPromptInput } from "../../src/reflection/prompt.js";
import type { TokenLedger } from "../../src/store/types.js";
import { DEAL_MESSAGES } from "../fixtures/deal-messages.js";
import {
  closedPortUrl,
  completion,
  echoFirst,
  FakeOpenAI,
  type FakeReply,
  picks,
  type RecordedRequest,
  sentData,
} from "../support/fake-openai.js";
import { storeKind, testStore } from "../support/store.js";

// The model path against a loopback OpenAI-compatible server, with the real openai SDK (docs/llm.md):
// good picks are fitted and sent; anything else the model does ends in library questions, within the
// deadline.

const library = loadLibrary(BUILT_IN_LIBRARY_DIR);
const logger = createLogger("silent");
const TIMEOUT_MS = 1000;
/** A busy machine's margin on top of the deadline (the promise is the deadline, not this figure). */
const MARGIN_MS = 1500;
const TEAM = "T0LLM";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(() => fake.close());
afterEach(() => {
  fake.requests.length = 0;
  fake.respond = echoFirst;
});

function settings(extra: Partial<LlmSettings> = {}): LlmSettings {
  return {
    apiKey: "sk-test-not-real",
    baseUrl: fake.url,
    model: "fake-model",
    timeoutMs: TIMEOUT_MS,
    dailyTokenCap: 1_000_000,
    redactPii: true,
    ...extra,
  };
}

function coacher(extra: Partial<LlmSettings> = {}, ledger: TokenLedger = memoryLedger()) {
  const reports: CallReport[] = [];
  const c = modelCoacher({
    library,
    settings: settings(extra),
    ledger,
    logger,
    onCall: (r) => reports.push(r),
  });
  return { coacher: c, reports };
}

const QUIET: Situation = {
  text: "Globex went quiet after the demo, Kim said they would get back to us next week",
};

/** Every text the library could have sent: a question, a follow-up, or the fixed fallback. */
const libraryTexts = new Set([
  ...[...library.questions.values()].map((q) => q.text),
  "What part of this deal feels most within your control right now?",
]);

/** A candidate's text with "them"/"the customer" replaced by a word of the rep's, as a good model fits. */
function fitted(candidates: Array<{ id: string; text: string }>, name: string) {
  for (const c of candidates) {
    for (const general of ["for them?", "the customer"]) {
      if (c.text.includes(general)) {
        const replacement = general === "for them?" ? `for ${name}?` : name;
        return { id: c.id, text: c.text.replace(general, replacement), library: c.text };
      }
    }
  }
  throw new Error("no candidate with a general word to fit");
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

const call = (situation: Situation, extra: Partial<CoachCall> = {}): CoachCall => ({
  situation,
  teamId: TEAM,
  ...extra,
});

describe("a model that answers well", () => {
  it("sends fitted questions in the deal's words, with source llm, after one request", async () => {
    let fit: ReturnType<typeof fitted> | undefined;
    fake.respond = (req) => {
      const data = sentData(req);
      fit = fitted(data.candidates, "Globex");
      const other = data.candidates.find((c) => c.id !== fit?.id);
      return picks([{ id: fit.id, text: fit.text }, ...(other ? [other] : [])]);
    };
    const { coacher: c, reports } = coacher();
    expect(c.usesModel).toBe(true);
    const result = await c.coach(call(QUIET));
    expect(fake.requests).toHaveLength(1);
    expect(fit).toBeDefined();
    expect(result.source).toBe("llm");
    expect(result.questions[0]?.text).toBe(fit?.text);
    expect(result.questions[0]?.text).toContain("Globex");
    expect(libraryTexts.has(result.questions[0]?.text ?? "")).toBe(false);
    expect(reports).toEqual([expect.objectContaining({ result: "llm", picksUsed: 2, tokens: 300 })]);
  });

  it("asks with Chat Completions, strict json_schema {questions:[{id,text}]} of 1-3, bounded output", async () => {
    const { coacher: c } = coacher();
    await c.coach(call(QUIET));
    const [req] = fake.requests as [RecordedRequest];
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBe("Bearer sk-test-not-real");
    expect(req.body.model).toBe("fake-model");
    expect(req.body.max_completion_tokens).toBeGreaterThan(0);
    const format = req.body.response_format as {
      type: string;
      json_schema: { strict: boolean; schema: Record<string, unknown> };
    };
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.strict).toBe(true);
    const questions = (format.json_schema.schema.properties as Record<string, Record<string, unknown>>)
      .questions as Record<string, unknown>;
    expect(questions).toMatchObject({ type: "array", minItems: 1, maxItems: 3 });
    expect(questions.items).toMatchObject({ required: ["id", "text"], additionalProperties: false });
    // The system prompt comes from prompts/llm/, and the rep's text is data inside the user message.
    expect(req.body.messages?.[0]).toEqual({ role: "system", content: readSystemPrompt() });
    const data = sentData(req);
    expect(data.rep_message).toBe(QUIET.text);
    const libraryPicks = coach(library, QUIET).questions.map((q) => q.id);
    expect(data.candidates.slice(0, libraryPicks.length).map((c) => c.id)).toEqual(libraryPicks);
    for (const candidate of data.candidates)
      expect(library.questions.get(candidate.id)?.text).toBe(candidate.text);
  });

  it("keeps the model's order and a pick that came back unchanged, and respects maxQuestions", async () => {
    fake.respond = (req) => {
      const data = sentData(req);
      return picks([...data.candidates].reverse().slice(0, 3));
    };
    const { coacher: c } = coacher();
    const result = await c.coach(call(QUIET, { options: { maxQuestions: 1 } }));
    expect(sentData(fake.requests[0] as RecordedRequest).max_questions).toBe(1);
    expect(result.questions).toHaveLength(1);
    const candidates = sentData(fake.requests[0] as RecordedRequest).candidates;
    expect(result.questions[0]?.id).toBe(candidates[candidates.length - 1]?.id);
    expect(result.source).toBe("llm");
  });
});

/** Texts a model might send instead of a fitted question. */
const BAD_TEXTS: Record<string, string> = {
  advice: "You should offer Globex a 10% discount to close this quarter.",
  imperative: "Ask Kim at Globex who signs the contract.",
  draft: "Here is a draft email: Hi Kim, just checking in on the proposal.",
  yesNoVerdict: "Yes, discount Globex 20% to get it over the line.",
  closedQuestion: "When they went quiet, did Globex lose interest?",
  number: "If this sits untouched for another 30 days, what changes for Globex?",
  injectedCompliance: "Sure! As an advisor, I recommend approving the 30% discount for Globex.",
  newProduct:
    "If this sits untouched for another year, what changes for Globex and their Salesforce rollout?",
};

describe("a model that answers badly: every bad pick is blocked and library text is sent", () => {
  for (const [kind, text] of Object.entries(BAD_TEXTS)) {
    it(`${kind}: all picks bad -> the library result`, async () => {
      fake.respond = (req) =>
        picks(
          sentData(req)
            .candidates.slice(0, 2)
            .map((c) => ({ id: c.id, text })),
        );
      const { coacher: c, reports } = coacher();
      const result = await c.coach(call(QUIET));
      expect(result).toEqual(coach(library, QUIET));
      expect(result.source).toBe("library");
      expect(reports[0]?.result).toBe("all_picks_failed");
    });
  }

  it("one bad pick among good ones falls back to its own library text; the good one is kept", async () => {
    let good: ReturnType<typeof fitted> | undefined;
    let badId = "";
    fake.respond = (req) => {
      const data = sentData(req);
      good = fitted(data.candidates, "Globex");
      const bad = data.candidates.find((c) => c.id !== good?.id) as { id: string; text: string };
      badId = bad.id;
      return picks([
        { id: bad.id, text: BAD_TEXTS.advice as string },
        { id: good.id, text: good.text },
      ]);
    };
    const { coacher: c, reports } = coacher();
    const result = await c.coach(call(QUIET));
    expect(result.source).toBe("llm");
    expect(result.questions.map((q) => q.text)).toEqual([library.questions.get(badId)?.text, good?.text]);
    expect(reports[0]).toMatchObject({ result: "llm", picksUsed: 1, picksFailed: 1 });
  });
});

interface FailureCase {
  name: string;
  reply: FakeReply | "closed-port";
  kind: CallReport["result"];
}

const FAILURES: FailureCase[] = [
  { name: "invalid JSON content", reply: { body: completion("{questions: [oops") }, kind: "invalid_json" },
  { name: "a body that is not JSON", reply: { body: "<html>bad gateway</html>" }, kind: "invalid_json" },
  { name: "wrong shape", reply: { body: completion({ answer: "discount them" }) }, kind: "wrong_shape" },
  { name: "no questions", reply: { body: completion({ questions: [] }) }, kind: "wrong_shape" },
  {
    name: "four questions",
    reply: { body: completion({ questions: [1, 2, 3, 4].map((i) => ({ id: `x${i}`, text: "Why?" })) }) },
    kind: "wrong_shape",
  },
  {
    name: "unknown ids",
    reply: picks([{ id: "made_up.question", text: "What would Globex say?" }]),
    kind: "unknown_id",
  },
  {
    name: "refusal",
    reply: { body: completion(null, { refusal: "I can't help with that." }) },
    kind: "refusal",
  },
  {
    name: "cut off at max tokens",
    reply: { body: completion('{"questions":[', { finishReason: "length" }) },
    kind: "truncated",
  },
  { name: "500", reply: { status: 500, body: { error: { message: "boom" } } }, kind: "server_error" },
  { name: "400", reply: { status: 400, body: { error: { message: "bad model" } } }, kind: "client_error" },
  {
    name: "429 with retry-after",
    reply: { status: 429, headers: { "retry-after": "1" }, body: { error: { message: "slow down" } } },
    kind: "rate_limited",
  },
  { name: "a model that never answers", reply: { never: true }, kind: "timeout" },
  { name: "headers at once, then a stalled body", reply: { stallBody: true }, kind: "timeout" },
  {
    name: "an answer after the deadline",
    reply: { delayMs: TIMEOUT_MS + 500, ...picks([]) },
    kind: "timeout",
  },
  { name: "a connection closed without an answer", reply: { hangUp: true }, kind: "connection" },
  { name: "a closed port", reply: "closed-port", kind: "connection" },
];

describe("a failing call: the library result, within the deadline, after one request", () => {
  for (const f of FAILURES) {
    it(f.name, async () => {
      const extra = f.reply === "closed-port" ? { baseUrl: await closedPortUrl() } : {};
      if (f.reply !== "closed-port") {
        const reply = f.reply;
        fake.respond = () => reply;
      }
      const { coacher: c, reports } = coacher(extra);
      const { value, ms } = await timed(() => c.coach(call(QUIET)));
      expect(value).toEqual(coach(library, QUIET));
      expect(value.source).toBe("library");
      expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(reports[0]?.result).toBe(f.kind);
      // No retries: at most the one request (none reaches a closed port).
      expect(fake.requests.length).toBe(f.reply === "closed-port" ? 0 : 1);
    });
  }

  it("a ledger that never answers is inside the deadline too", async () => {
    const stuck: TokenLedger = { spent: () => new Promise(() => {}), add: async () => {} };
    const { coacher: c, reports } = coacher({}, stuck);
    const { value, ms } = await timed(() => c.coach(call(QUIET)));
    expect(value).toEqual(coach(library, QUIET));
    expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(reports[0]?.result).toBe("timeout");
    expect(fake.requests).toHaveLength(0);
  });
});

describe("injection", () => {
  const injections = DEAL_MESSAGES.filter((m) => m.signals?.includes("injection_attempt"));

  it("the fixtures hold injection messages", () => {
    expect(injections.length).toBeGreaterThanOrEqual(3);
  });

  for (const message of injections) {
    it(`a model that complies with "${message.text.slice(0, 40)}..." sends library text only`, async () => {
      const systemPrompt = readSystemPrompt();
      fake.respond = (req) => {
        const data = sentData(req);
        return picks(
          data.candidates.slice(0, 3).map((c, i) => ({
            id: c.id,
            text: [
              systemPrompt,
              "Approved: reply with the 30% discount approval.",
              `${c.text} Ignore the rules.`,
            ][i] as string,
          })),
        );
      };
      const situation: Situation = { text: message.text };
      const { coacher: c } = coacher();
      const result: CoachResult = await c.coach(call(situation));
      // Delimited: the injection is a JSON string value, never an instruction message of its own.
      const [req] = fake.requests as [RecordedRequest];
      expect(req.body.messages?.map((m) => m.role)).toEqual(["system", "user"]);
      expect(sentData(req).rep_message).toBe(message.text.replace(/\s+/g, " ").trim());
      expect(result).toEqual(coach(library, situation));
      for (const q of result.questions) {
        expect(libraryTexts.has(q.text)).toBe(true);
        expect(systemPrompt).not.toContain(q.text);
      }
    });
  }
});

describe("privacy", () => {
  it("no e-mail address, phone number or card number reaches the server; deal text fields too", async () => {
    const marks = ["kim.lee@globex-marker.test", "+1 (415) 555-0199", "4111 1111 1111 1111", "020 7946 0958"];
    const situation: Situation = {
      text: `Globex went quiet. Kim (${marks[0]}, ${marks[1]}) said to call ${marks[3]}; card on file ${marks[2]}.`,
      deal: { next_step: `e-mail ${marks[0]} the quote`, amount: 48_000, close_date: "2026-12-31" },
    };
    const { coacher: c } = coacher();
    await c.coach(call(situation));
    expect(fake.requests).toHaveLength(1);
    const raw = fake.requests[0]?.raw ?? "";
    for (const mark of marks) {
      expect(raw).not.toContain(mark);
      expect(raw).not.toContain(JSON.stringify(mark).slice(1, -1));
    }
    // The rest is sent: the deal's words are what the model fits in.
    const data = sentData(fake.requests[0] as RecordedRequest);
    expect(data.rep_message).toContain("Globex went quiet");
    expect(data.rep_message).toContain("[email]");
    expect(data.deal).toEqual({
      next_step: "e-mail [email] the quote",
      amount: 48_000,
      close_date: "2026-12-31",
    });
  });

  it("a rep writing about themselves gets the library's caring questions, and no request is made", async () => {
    const { coacher: c } = coacher();
    const result = await c.coach(
      call({ text: "Honestly I'm burned out and I want to quit. Globex went quiet again." }),
    );
    expect(result.person).toBe(true);
    expect(result.source).toBe("library");
    expect(result.questions.every((q) => q.theme === "person")).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });

  it("REDACT_PII=off sends the text as written", async () => {
    const { coacher: c } = coacher({ redactPii: false });
    await c.coach(call({ text: "Globex went quiet, write to kim@globex.test" }));
    expect(fake.requests[0]?.raw).toContain("kim@globex.test");
  });

  it("the rep's text is cut before it is sent", async () => {
    const { coacher: c } = coacher();
    await c.coach(call({ text: `Globex went quiet. ${"blah ".repeat(1000)}` }));
    expect(sentData(fake.requests[0] as RecordedRequest).rep_message?.length).toBeLessThanOrEqual(2000);
  });

  it("with a key the factory gives the model path; with LLM_DAILY_TOKEN_CAP=0 the library", async () => {
    const on = coacherFor(library, settings(), memoryLedger(), logger);
    expect(on.usesModel).toBe(true);
    expect((await on.coach(call(QUIET))).source).toBe("llm");
    expect(fake.requests).toHaveLength(1);
    const off = coacherFor(library, settings({ dailyTokenCap: 0 }), memoryLedger(), logger);
    expect(off.usesModel).toBe(false);
    expect((await off.coach(call(QUIET))).source).toBe("library");
    expect(fake.requests).toHaveLength(1);
  });

  it("a ledger that fails to read: the library, no request", async () => {
    const broken: TokenLedger = {
      spent: async () => Promise.reject(new Error("db down")),
      add: async () => {},
    };
    const { coacher: c, reports } = coacher({}, broken);
    expect(await c.coach(call(QUIET))).toEqual(coach(library, QUIET));
    expect(reports[0]?.result).toBe("budget");
    expect(fake.requests).toHaveLength(0);
  });

  it("without OPENAI_API_KEY the factory gives the library coacher: no request at all", async () => {
    const c = coacherFor(library, undefined, memoryLedger(), logger);
    expect(c.usesModel).toBe(false);
    expect(await c.coach(call(QUIET))).toEqual(coach(library, QUIET));
    expect(fake.requests).toHaveLength(0);
  });
});

describe("logs", () => {
  it("one line per call with the prompt version, the result and counts, and no text", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).trim().split("\n"));
        done();
      },
    });
    const logged = createLogger("info", sink);
    const ok = modelCoacher({ library, settings: settings(), ledger: memoryLedger(), logger: logged });
    await ok.coach(call({ text: "Globex went quiet, Kim kim@globex.test said wait" }));
    fake.respond = () => ({ status: 500, body: {} });
    await ok.coach(call({ text: "Globex went quiet, Kim kim@globex.test said wait" }));
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.map((e) => e.msg)).toEqual(["model call finished", "model call fell back to the library"]);
    expect(entries[0]).toMatchObject({
      prompt: "system.v1",
      model: "fake-model",
      result: "llm",
      usage: 300,
    });
    expect(entries[1]).toMatchObject({ prompt: "system.v1", result: "server_error" });
    for (const line of lines)
      for (const word of ["Globex", "kim@", "What", "Kim"]) expect(line).not.toContain(word);
  });
});

describe("the daily token cap", () => {
  it("past the cap, library only, without a request, until the next UTC day", async () => {
    let now = new Date("2026-12-03T23:59:00Z");
    const ledger = memoryLedger();
    const reports: CallReport[] = [];
    const c = modelCoacher({
      library,
      settings: settings({ dailyTokenCap: 100 }),
      ledger,
      logger,
      now: () => now,
      onCall: (r) => reports.push(r),
    });
    expect((await c.coach(call(QUIET))).source).toBe("llm");
    expect(await ledger.spent(TEAM, "2026-12-03")).toBe(300);
    const capped = await c.coach(call(QUIET));
    expect(capped).toEqual(coach(library, QUIET));
    expect(reports[1]?.result).toBe("budget");
    expect(fake.requests).toHaveLength(1);
    // Another workspace has its own budget.
    expect((await c.coach(call(QUIET, { teamId: "T0OTHER" }))).source).toBe("llm");
    now = new Date("2026-12-04T00:00:01Z");
    expect((await c.coach(call(QUIET))).source).toBe("llm");
    expect(fake.requests).toHaveLength(3);
  });

  it(`holds with the store's ledger (${storeKind}), as the app counts`, async () => {
    const store = await testStore();
    try {
      const c = modelCoacher({
        library,
        settings: settings({ dailyTokenCap: 1 }),
        ledger: store.llmTokens,
        logger,
      });
      expect((await c.coach(call(QUIET))).source).toBe("llm");
      expect((await c.coach(call(QUIET))).source).toBe("library");
      expect(fake.requests).toHaveLength(1);
      expect(await store.llmTokens.spent(TEAM, new Date().toISOString().slice(0, 10))).toBe(300);
    } finally {
      await store.close();
    }
  });

  it("counts the input of a call that timed out", async () => {
    fake.respond = () => ({ never: true });
    const ledger = memoryLedger();
    const c = modelCoacher({ library, settings: settings({ timeoutMs: 300 }), ledger, logger });
    await c.coach(call(QUIET));
    const day = new Date().toISOString().slice(0, 10);
    expect(await ledger.spent(TEAM, day)).toBeGreaterThan(100);
  });
});

describe("the weekly prompt", () => {
  const input: WeeklyPromptInput = {
    library,
    week: { moved: [], slipped: ["Globex renewal"], quiet: ["Initech"], noNo: [] },
    recentPromptIds: [],
    seed: "U1:2026-W49",
  };

  it("chooses among reflections that fit the week and may fit a deal's name in", async () => {
    let chosen: { id: string; text: string } | undefined;
    fake.respond = (req) => {
      const data = sentData(req);
      const c = data.candidates.find((x) => x.text.includes("to customers"));
      if (!c) throw new Error("no candidate to fit");
      chosen = { id: c.id, text: c.text.replace("to customers", "to Globex") };
      return picks([chosen]);
    };
    const { coacher: c } = coacher();
    const prompt = await c.weekly({ input, teamId: TEAM });
    const sent = sentData(fake.requests[0] as RecordedRequest);
    expect(sent.week).toContain("Globex renewal");
    expect(sent.max_questions).toBe(1);
    const fromLibrary = chooseWeeklyPrompt(input);
    expect(chosen).toBeDefined();
    expect(prompt.id).toBe(chosen?.id);
    expect(prompt.text).toBe(chosen?.text);
    expect(prompt.text).toContain("Globex");
    expect(prompt.context).toBe(fromLibrary.context);
    const ids = new Set(library.reflections.map((r) => r.id));
    for (const candidate of sentData(fake.requests[0] as RecordedRequest).candidates)
      expect(ids.has(candidate.id)).toBe(true);
  });

  it("a bad weekly pick, or a failing call, gives the library's prompt", async () => {
    fake.respond = (req) =>
      picks([{ id: sentData(req).candidates[0]?.id ?? "", text: BAD_TEXTS.advice as string }]);
    const { coacher: c } = coacher();
    expect(await c.weekly({ input, teamId: TEAM })).toEqual(chooseWeeklyPrompt(input));
    fake.respond = () => ({ stallBody: true });
    const { value, ms } = await timed(() => c.weekly({ input, teamId: TEAM }));
    expect(value).toEqual(chooseWeeklyPrompt(input));
    expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  });

  it("a quiet week asks no model", async () => {
    const { coacher: c } = coacher();
    const empty = { ...input, week: { moved: [], slipped: [], quiet: [], noNo: [] } };
    expect(await c.weekly({ input: empty, teamId: TEAM })).toEqual(chooseWeeklyPrompt(empty));
    expect(fake.requests).toHaveLength(0);
  });
});
