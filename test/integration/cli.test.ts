import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonLines, runCli } from "../support/cli.js";
import { storeKind } from "../support/store.js";

const QUESTION = /^- [A-Z].*\?$/;

/**
 * The CLI as installed: the built bundle (the suite's global setup runs `npm run build` from this
 * source), which starts in a fraction of tsx's compile-on-load time; these tests start it about 30 times.
 * Every test here runs that bundle, so none repeats another's run just to run it "as installed".
 */
const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
  runCli(args, { ...options, dist: true });

describe("deal-coach ask", () => {
  it("prints open questions on absence_of_no for the README's first example", async () => {
    const run = await cli(["ask", "they loved the demo and nobody pushed back on price"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const questions = lines.filter((l) => l.startsWith("- "));
    expect(questions.length).toBeGreaterThanOrEqual(1);
    for (const q of questions) expect(q).toMatch(QUESTION);
    expect(run.stdout).toMatch(/themes: absence_of_no/);
  });

  it("prints questions only for 'just tell me what to do'", async () => {
    const run = await cli(["ask", "--json", "just tell me what to do, Initech went dark after the demo"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      questions: { id: string; theme: string; text: string }[];
      source: string;
    };
    expect(result.questions.length).toBeGreaterThanOrEqual(1);
    for (const q of result.questions) expect(q.text).toMatch(/^[A-Z][^.!]*\?$/);
    expect(result.questions[0]?.theme).toBe("self_reflection");
    expect(result.source).toBe("library");
  });

  it("--json follows the contract", async () => {
    const run = await cli([
      "ask",
      "--json",
      "--stage",
      "negotiation",
      "--user",
      "U1",
      "they",
      "want",
      "20%",
      "off",
    ]);
    const result = JSON.parse(run.stdout);
    expect(Object.keys(result)).toEqual(expect.arrayContaining(["questions", "themes", "signals", "source"]));
    expect(result.themes[0]).toBe("customer_success");
    expect(result.stage).toBe("negotiation");
    // Added with the reading of long text: how sure the reading is.
    expect(result.confidence).toBe("strong");
    expect(result.confidence_score).toBeGreaterThan(0);
    expect(result.confidence_score).toBeLessThanOrEqual(1);
    for (const q of result.questions)
      expect(Object.keys(q)).toEqual(expect.arrayContaining(["id", "theme", "text"]));
  });

  it("answers a rep writing about themselves with caring questions, marked person: true (docs/person.md)", async () => {
    const run = await cli(["ask", "--json", "--stage", "negotiation", "I'm burned out and want to quit"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.person).toBe(true);
    expect(result.themes).toEqual([]);
    expect(result.stage).toBeNull();
    expect(result.questions.length).toBeGreaterThanOrEqual(1);
    expect(result.questions.length).toBeLessThanOrEqual(2);
    for (const q of result.questions) expect(q.theme).toBe("person");
    const deal = JSON.parse((await cli(["ask", "--json", "budget is frozen until Q2"])).stdout);
    expect(deal.person).toBe(false);
    const text = await cli(["ask", "I'm burned out and want to quit"]);
    expect(text.stdout).toMatch(/about you, not a deal/);
    expect(text.stdout).not.toMatch(/themes:/);
    const explained = await cli(["ask", "--explain", "my dad passed away last week"]);
    expect(explained.stdout).toMatch(/about the person/);
    expect(explained.stdout).not.toMatch(/signals:/);
  });

  it("checks an organisation's caring questions like its other questions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deal-coach-cli-"));
    mkdirSync(join(dir, "themes"));
    writeFileSync(
      join(dir, "person.yml"),
      "questions:\n  - id: person.referral\n    text: Have you thought about seeing a therapist?\n",
    );
    const run = await cli(["library", "check"], { env: { COACH_LIBRARY_DIR: dir } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/person\.yml: person\.referral: guard rejects/);
  });

  it("--jsonl answers line by line, in order, with an error line in place of a bad one", async () => {
    const input = [
      JSON.stringify({ text: "budget is frozen until Q2", user: "U1" }),
      "{not json",
      JSON.stringify({ text: "budget is frozen until Q2", user: "U1" }),
      JSON.stringify({ text: "x", stage: "week_three" }),
      JSON.stringify({ text: "" }),
      JSON.stringify({ text: "they went with the incumbent" }),
    ].join("\n");
    const run = await cli(["ask", "--jsonl"], { stdin: input });
    expect(run.code).toBe(1);
    const out = jsonLines(run.stdout);
    expect(out).toHaveLength(6);
    expect(out[0]?.themes).toContain("budget");
    expect(out[1]).toEqual({ error: "invalid JSON line" });
    // The same user is not asked the same question twice in one run.
    const ids = (r: Record<string, unknown> | undefined) =>
      ((r?.questions ?? []) as { id: string }[]).map((q) => q.id);
    expect(ids(out[2]).filter((id) => ids(out[0]).includes(id))).toEqual([]);
    expect(String(out[3]?.error)).toMatch(/unknown stage "week_three"/);
    expect(String(out[4]?.error)).toMatch(/text/);
    expect(out[5]?.themes).toContain("competition");
  });

  it("rejects empty text and an unknown stage with one line on stderr", async () => {
    const empty = await cli(["ask", ""]);
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim().split("\n")).toHaveLength(1);
    const stage = await cli(["ask", "--stage", "week_three", "hello"]);
    expect(stage.code).toBe(2);
    expect(stage.stderr).toMatch(/unknown stage "week_three"/);
    const flag = await cli(["ask", "--bogus", "hello"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("deal-coach lint", () => {
  it("writes one verdict per line, plain or JSONL", async () => {
    const plain = await cli(["lint"], {
      stdin: "Where have they disagreed with you?\nYou should call the CFO.\n",
    });
    expect(plain.code).toBe(1);
    const out = jsonLines(plain.stdout);
    expect(out[0]).toEqual({ text: "Where have they disagreed with you?", ok: true, reasons: [] });
    expect(out[1]).toMatchObject({ text: "You should call the CFO.", ok: false });
    expect(out[1]?.reasons).toContain("obligation");

    const jsonl = await cli(["lint", "--jsonl"], { stdin: `{"text":"Who decides?"}\nnope\n` });
    const rows = jsonLines(jsonl.stdout);
    expect(rows[0]).toEqual({ text: "Who decides?", ok: true, reasons: [] });
    expect(rows[1]?.error).toMatch(/invalid JSON line/);
  });

  it("exits 0 when every reply passes", async () => {
    const run = await cli(["lint", "What", "happens", "if", "they", "wait?"]);
    expect(run.code).toBe(0);
  });
});

describe("deal-coach library check and help", () => {
  it("passes on the built-in library", async () => {
    const run = await cli(["library", "check"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/library ok: 16 themes, \d+ questions.*, \d+ caring questions/);
  });

  it("fails naming file, id and reason for COACH_LIBRARY_DIR problems", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deal-coach-cli-"));
    mkdirSync(join(dir, "themes"));
    writeFileSync(
      join(dir, "themes", "trust.yml"),
      "id: trust\nquestions:\n  - id: trust.pushy\n    text: Why not just call them?\n    stages: [proposal]\n",
    );
    const run = await cli(["library", "check"], { env: { COACH_LIBRARY_DIR: dir } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/trust\.yml: trust\.pushy: guard rejects .*suggestion_question/);
    const ask = await cli(["ask", "hello"], { env: { COACH_LIBRARY_DIR: dir } });
    expect(ask.code).toBe(1);
    expect(ask.stderr).toMatch(/library check/);
  });

  it("rejects a question whose wording presupposes a premise it does not declare", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deal-coach-cli-"));
    mkdirSync(join(dir, "themes"));
    writeFileSync(
      join(dir, "themes", "urgency.yml"),
      "id: urgency\nquestions:\n  - id: urgency.who-picked\n    text: Who on their side picked this close date?\n    stages: [proposal]\n",
    );
    const run = await cli(["library", "check"], { env: { COACH_LIBRARY_DIR: dir } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /urgency\.yml: urgency\.who-picked: wording presupposes close_date but the question does not declare it: add presupposes: \[close_date\]/,
    );
    writeFileSync(
      join(dir, "themes", "urgency.yml"),
      "id: urgency\nquestions:\n  - id: urgency.who-picked\n    text: Who on their side picked this close date?\n    stages: [proposal]\n    presupposes: [close_date]\n",
    );
    const fixed = await cli(["library", "check"], { env: { COACH_LIBRARY_DIR: dir } });
    expect(fixed.stdout).toMatch(/library ok/);
    expect(fixed.code).toBe(0);
  });

  // The embedded pass only: TEST_STORE does not reach this DATA_DIR, so the PostgreSQL pass would repeat
  // it unchanged, initdb included, within its own time (README "Development").
  it.runIf(storeKind === "pglite")(
    "migrates a fresh embedded store once, then reports it up to date, and lists its inbox, with PGlite's thread started from the bundle",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "deal-coach-migrate-"));
      const env = { DATA_DIR: dataDir, DATABASE_URL: "" };
      const first = await cli(["migrate"], { env });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/applied: 001_/);
      const second = await cli(["migrate"], { env });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/up to date/);
      const inbox = await cli(["inbox"], { env });
      expect(inbox.code, inbox.stderr).toBe(0);
      expect(inbox.stdout).toBe("");
    },
    90_000,
  );

  it("has --help everywhere", async () => {
    const helps = [
      ["--help"],
      ["ask", "--help"],
      ["lint", "--help"],
      ["library", "--help"],
      ["start", "--help"],
      ["migrate", "--help"],
    ];
    // Independent processes: started together rather than one after another.
    const [unknown, ...runs] = await Promise.all([cli(["frobnicate"]), ...helps.map((args) => cli(args))]);
    runs.forEach((run, i) => {
      expect(run.code, helps[i]?.join(" ")).toBe(0);
      expect(run.stdout).toMatch(/Usage/);
    });
    expect(unknown.code).toBe(2);
  });
});
