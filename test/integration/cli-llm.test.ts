import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, runCli } from "../support/cli.js";
import { echoFirst, FakeOpenAI, picks, sentData } from "../support/fake-openai.js";

// `deal-coach ask` and `eval` with a model (README "Optional: a model"), the built bin against a
// loopback OpenAI-compatible server: the model whenever OPENAI_API_KEY is set, --no-llm for one run,
// --llm failing in one line without a key, and eval's report of what the model did.

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(() => fake.close());
afterEach(() => {
  fake.requests.length = 0;
  fake.respond = echoFirst;
});

const QUIET = "Globex went quiet after the demo, Kim said they would get back to us next week";
const withKey = () => ({ OPENAI_API_KEY: "sk-test-cli", OPENAI_BASE_URL: fake.url, LLM_TIMEOUT_MS: "1000" });
const noKey = () => ({ OPENAI_API_KEY: "", OPENAI_BASE_URL: fake.url });

/** A model that fits "the customer" -> "Globex" in the first candidate that has it. */
function fitGlobex() {
  fake.respond = (req) => {
    const candidate = sentData(req).candidates.find((c) => c.text.includes("the customer"));
    if (!candidate) return echoFirst(req);
    return picks([{ id: candidate.id, text: candidate.text.replace("the customer", "Globex") }]);
  };
}

describe("deal-coach ask with a model", () => {
  it("uses the model whenever OPENAI_API_KEY is set: fitted questions, source llm", async () => {
    fitGlobex();
    const run = await runCli(["ask", "--json", QUIET], { dist: true, env: withKey() });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.source).toBe("llm");
    expect(result.questions[0].text).toContain("Globex");
    expect(fake.requests).toHaveLength(1);
  });

  it("--no-llm: the library alone, no request", async () => {
    const run = await runCli(["ask", "--json", "--no-llm", QUIET], { dist: true, env: withKey() });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).source).toBe("library");
    expect(fake.requests).toHaveLength(0);
  });

  it("without a key: the library, and no request even with OPENAI_BASE_URL set", async () => {
    const run = await runCli(["ask", "--json", QUIET], { dist: true, env: noKey() });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).source).toBe("library");
    expect(fake.requests).toHaveLength(0);
  });

  it("--llm without a key fails with one clear line", async () => {
    const run = await runCli(["ask", "--llm", QUIET], { dist: true, env: noKey() });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("--llm needs OPENAI_API_KEY");
    expect(fake.requests).toHaveLength(0);
  });

  it("a bad LLM_TIMEOUT_MS is a configuration error", async () => {
    const run = await runCli(["ask", QUIET], { dist: true, env: { ...withKey(), LLM_TIMEOUT_MS: "soon" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("LLM_TIMEOUT_MS");
  });

  it("--jsonl: one request per line, every line through the model", async () => {
    const stdin = `${JSON.stringify({ text: QUIET })}\n${JSON.stringify({ text: "Initech's CFO wants to wait until Q3" })}\n`;
    const run = await runCli(["ask", "--jsonl"], { dist: true, env: withKey(), stdin });
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout) as Array<{ source: string }>;
    expect(lines.map((l) => l.source)).toEqual(["llm", "llm"]);
    expect(fake.requests).toHaveLength(2);
  });

  it("a server that stalls after its headers: library questions within the bound", async () => {
    fake.respond = () => ({ stallBody: true });
    const started = Date.now();
    const run = await runCli(["ask", "--json", QUIET], { dist: true, env: withKey() });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).source).toBe("library");
    // Process start-up included; the model's share is at most LLM_TIMEOUT_MS (1000).
    expect(Date.now() - started).toBeLessThan(1000 + 3000);
  });
});

describe("deal-coach eval", () => {
  const dir = mkdtempSync(join(tmpdir(), "deal-coach-eval-"));
  const file = join(dir, "cases.jsonl");
  writeFileSync(
    file,
    [
      { text: QUIET, themes: ["next_step", "urgency"] },
      { text: "they asked for 20% off to sign this month", themes: ["customer_success"] },
      { text: "Initech loved the demo, nobody pushed back", themes: ["absence_of_no"], stage: "negotiation" },
    ]
      .map((l) => JSON.stringify(l))
      .join("\n"),
  );

  it("--llm --json: relevance, violations, sources, fallbacks, tokens and latency", async () => {
    let n = 0;
    fake.respond = (req) => (++n === 2 ? { status: 500, body: {} } : echoFirst(req));
    const run = await runCli(["eval", file, "--llm", "--json"], { dist: true, env: withKey() });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.cases).toBe(3);
    expect(report.relevance).toBeGreaterThan(0);
    expect(report.relevance).toBeLessThanOrEqual(1);
    expect(report.sources).toEqual({ llm: 2, library: 1 });
    expect(report.fallbacks).toEqual({ server_error: 1 });
    expect(report.tokens).toEqual({ total: 600, perCall: 200 });
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
    expect(report.violations).toEqual([]);
    expect(fake.requests).toHaveLength(3);
  });

  it("prints the report as text, one figure a line", async () => {
    fake.respond = (req) => {
      const c = sentData(req).candidates.find((x) => x.text.includes("the customer"));
      return c ? picks([{ id: c.id, text: c.text.replace("the customer", "Globex") }]) : echoFirst(req);
    };
    const run = await runCli(["eval", file, "--llm"], { dist: true, env: withKey() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^relevance: \d\.\d{3}/m);
    expect(run.stdout).toMatch(/^premise violations: \d+ of \d+ questions/m);
    expect(run.stdout).toMatch(/^tokens: \d+ \(\d+ per call\)$/m);
    expect(run.stdout).toMatch(/^latency: p50 \d+ ms, p99 \d+ ms/m);
  });

  it("without --llm: the library alone, even with a key; a bad line is reported and exits 1", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      `${JSON.stringify({ text: QUIET, themes: ["next_step"] })}\n{"text": "x", "themes": ["nope"]}\n`,
    );
    const run = await runCli(["eval", bad, "--json"], { dist: true, env: withKey() });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.sources).toEqual({ llm: 0, library: 1 });
    expect(report.badLines).toEqual([{ line: 2, error: 'themes: unknown theme "nope"' }]);
    expect(fake.requests).toHaveLength(0);
  });

  it("--llm without a key fails in one line", async () => {
    const run = await runCli(["eval", file, "--llm"], { dist: true, env: noKey() });
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});
