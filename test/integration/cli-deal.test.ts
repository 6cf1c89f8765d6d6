import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coach, resultJson } from "../../src/coaching/coach.js";
import type { DealFields } from "../../src/coaching/deal.js";
import { jsonLines, runCli } from "../support/cli.js";
import { library } from "../support/library.js";

/** The installed bin (built from this source by the suite's global setup), without tsx's compile time. */
const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
  runCli(args, { ...options, dist: true });

// `deal-coach ask` with a deal: the `deal` of a --jsonl line and --deal FILE take the deal webhook's
// fields, validated by the webhook's own schema, and reach the coach as structured fields.

const TEXT = "quick update on Globex after today's call";
const ids = (r: Record<string, unknown> | undefined) =>
  ((r?.questions ?? []) as { id: string }[]).map((q) => q.id);
/** What the coach gives in process for these fields: what the CLI must print. */
const expected = (text: string, deal?: DealFields, user?: string) =>
  JSON.parse(JSON.stringify(resultJson(coach(library, { text, deal }, { user, history: [] }))));

function dealFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "deal-coach-deal-"));
  const path = join(dir, "deal.json");
  writeFileSync(path, content);
  return path;
}

describe("deal-coach ask --jsonl with deals", () => {
  it("coaches each line with its deal, in order; a bad deal gets an error line and exit 1", async () => {
    const good = {
      stage: "Negotiation/Review",
      amount: 48000,
      close_date: "2027-01-15",
      competitor: "Initech",
      contact_count: 1,
      discount_percent: 20,
      // Not a deal field the coach reads: ignored, as the webhook ignores unknown fields.
      id: "D-1",
    };
    const input = [
      JSON.stringify({ text: TEXT, deal: good }),
      JSON.stringify({ text: TEXT }),
      JSON.stringify({ text: TEXT, deal: { amount: -3 } }),
      JSON.stringify({ text: TEXT, deal: { stage: "week three" } }),
      JSON.stringify({ text: TEXT, deal: "negotiation" }),
      JSON.stringify({ text: TEXT, deal: { close_date: "15/01/2027" } }),
      JSON.stringify({
        text: TEXT,
        deal: { stage: "proposal", close_date: "2027-02-01" },
        previous: { close_date: "2027-01-01" },
      }),
      JSON.stringify({ text: TEXT, previous: { close_date: "2027-01-01" } }),
      JSON.stringify({ text: TEXT, deal: { stage: "Verbal yes" } }),
    ].join("\n");
    const run = await cli(["ask", "--jsonl"], {
      stdin: input,
      env: { DEAL_STAGE_MAP: "Verbal yes=closing" },
    });
    expect(run.code).toBe(1);
    const out = jsonLines(run.stdout);
    expect(out).toHaveLength(9);
    expect(out[0]).toEqual(
      expected(TEXT, {
        stage: "negotiation",
        amount: 48000,
        close_date: "2027-01-15",
        competitor: "Initech",
        contact_count: 1,
        discount_percent: 20,
      }),
    );
    expect(out[0]?.signals).toEqual(expect.arrayContaining(["discount", "single_threaded", "competitor"]));
    expect(out[1]).toEqual(expected(TEXT));
    expect(ids(out[0])).not.toEqual(ids(out[1]));
    expect(out[2]).toEqual({ error: "deal.amount: must be 0 or more" });
    expect(String(out[3]?.error)).toMatch(/^deal\.stage: unknown stage "week three"/);
    expect(String(out[4]?.error)).toMatch(/^deal: expected an object/);
    expect(String(out[5]?.error)).toMatch(/^deal\.close_date: expected YYYY-MM-DD/);
    expect(out[6]).toEqual(
      expected(TEXT, {
        stage: "proposal",
        close_date: "2027-02-01",
        previous_close_date: "2027-01-01",
        close_date_moves: 1,
      }),
    );
    expect(String(out[7]?.error)).toMatch(/^previous: given without a deal/);
    // The team's own stage labels map as they do for the webhook.
    expect(out[8]?.stage).toBe("closing");
  });
});

describe("deal-coach ask --deal FILE", () => {
  it("reads one deal (or a webhook-style {deal, previous}) and coaches with it", async () => {
    const deal = { stage: "proposal", discount_percent: 25, contact_count: 1, status: "open" };
    const run = await cli(["ask", "--json", "--deal", dealFile(JSON.stringify(deal)), TEXT]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toEqual(
      expected(TEXT, { stage: "proposal", discount_percent: 25, contact_count: 1, status: "open" }),
    );
    expect(result.signals).toEqual(expect.arrayContaining(["discount", "single_threaded"]));
    expect(result.stage).toBe("proposal");

    const wrapped = await cli([
      "ask",
      "--json",
      "--deal",
      dealFile(
        JSON.stringify({ deal: { amount: 20000, close_date: "2027-01-10" }, previous: { amount: 30000 } }),
      ),
      TEXT,
    ]);
    expect(JSON.parse(wrapped.stdout)).toEqual(
      expected(TEXT, { amount: 20000, close_date: "2027-01-10", previous_amount: 30000 }),
    );

    // Plain text output reads the deal too.
    const plain = await cli(["ask", "--deal", dealFile(JSON.stringify(deal)), TEXT]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/signals: .*discount/);
  });

  it("fails with one line on stderr for a bad deal, bad JSON or a missing file; --deal with --jsonl is a usage error", async () => {
    const bad = await cli(["ask", "--deal", dealFile('{"contact_count": 1.5}'), TEXT]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--deal .*: deal\.contact_count: expected a whole number/);

    const notJson = await cli(["ask", "--deal", dealFile("{stage: proposal"), TEXT]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/not valid JSON/);

    const missing = await cli(["ask", "--deal", join(tmpdir(), "no-such-deal-file.json"), TEXT]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT/);

    const both = await cli(["ask", "--jsonl", "--deal", dealFile("{}")], { stdin: "" });
    expect(both.code).toBe(2);
    expect(both.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("deal-coach ask --explain", () => {
  it("prints the reply, then the reading: stage and its source, signals with evidence, themes, and why each question", async () => {
    const deal = { stage: "negotiation", discount_percent: 20, competitor: "Initech" };
    const run = await cli([
      "ask",
      "--explain",
      "--user",
      "U9",
      "--deal",
      dealFile(JSON.stringify(deal)),
      TEXT,
    ]);
    expect(run.code).toBe(0);
    const result = expected(
      TEXT,
      { stage: "negotiation", discount_percent: 20, competitor: "Initech" },
      "U9",
    );
    const [reply, reading] = run.stdout.split("\nReading\n");
    expect(reading).toBeDefined();
    // The explained reply is the reply coach() gives, question by question.
    const questions = result.questions as Array<{ id: string; text: string; signals: string[] }>;
    expect(reply?.split("\n").filter((l) => l.startsWith("- "))).toEqual(questions.map((q) => `- ${q.text}`));
    expect(reading).toMatch(/stage: negotiation \(from the deal fields\)/);
    expect(reading).toMatch(/discount +from the deal fields: "discount_percent=20"/);
    expect(reading).toMatch(/competitor +from the deal fields/);
    expect(reading).toMatch(/deal fields: .*competitor="Initech"/);
    expect(reading).toMatch(/Themes, best first[^\n]*\n {2}customer_success +\d+: discount/);
    expect(reading).toMatch(/confidence: strong \(\d\.\d\d\): a stage or deal fields were given/);
    expect(reading).toMatch(/premises found:\n(?: {4}\S+ +[^\n]+\n)*? {4}competitor +from the deal fields/);
    questions.forEach((q, i) => {
      const block = reading?.split(`  ${i + 1}. ${q.text}\n`)[1]?.split(/\n {2}\d\. /)[0] ?? "";
      expect(block).toContain(`id ${q.id}`);
      expect(block).toMatch(/chosen because: /);
      for (const s of q.signals) expect(block).toContain(`signal ${s}`);
      expect(block).toMatch(/takes for granted: /);
    });
  });

  it("names the cue a question was written for, and reads a text-only situation", async () => {
    const text = "the client ghosted me after I sent the quote";
    const run = await cli(["ask", "--explain", text]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/deal fields: none/);
    const cued = run.stdout.match(/written for this remark: the text says "([^"]+)"/);
    expect(cued).not.toBeNull();
    expect(text).toContain(cued?.[1]);
    expect(run.stdout).toMatch(/from the text: "/);
    expect(run.stdout).toMatch(/ {4}no_response +the text says "ghosted"/);
    expect(run.stdout).toMatch(/ {4}proposal_or_quote +the text says "quote"/);
    expect(run.stdout).toMatch(/confidence: strong/);
  });

  it("is a usage error with --json or --jsonl", async () => {
    expect((await cli(["ask", "--explain", "--json", TEXT])).code).toBe(2);
    expect((await cli(["ask", "--explain", "--jsonl"], { stdin: "" })).code).toBe(2);
  });
});
