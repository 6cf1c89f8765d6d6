import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coach } from "../../src/coaching/coach.js";
import type { DealFields, Situation } from "../../src/coaching/deal.js";
import { type Library, loadLibrary, type Question, readLibrary } from "../../src/coaching/library.js";
import { premiseCheck, premiseEvidence, readPremises } from "../../src/coaching/premise-reader.js";
import { PREMISE_IDS, type Premise, presupposedPremises } from "../../src/coaching/premises.js";
import { selectQuestions } from "../../src/coaching/select.js";
import type { Stage } from "../../src/coaching/taxonomy.js";
import { BUILT_IN_LIBRARY_DIR } from "../../src/paths.js";
import { type FitCase, fixtureCases, realPostCases, scoreFit } from "../support/fit.js";
import { library } from "../support/library.js";
import { loadLabels, loadPosts, POSTS_FILE } from "../support/real-seller-posts.js";

function premisesOf(text: string, fields?: DealFields, statedStage?: Stage): Premise[] {
  return [...readPremises({ lower: text.toLowerCase(), fields, statedStage })].sort();
}

describe("the premise reader", () => {
  it.each<[string, Premise]>([
    ["they need the site live by March 3rd for the opening", "close_date"],
    ["client wants it done by end of the month", "close_date"],
    ["decision by friday, contract is with their lawyer", "close_date"],
    ["deadline is 9/30", "close_date"],
    ["we demoed the dashboard to their ops team", "demo"],
    ["sent them a quote for the rebrand", "proposal_or_quote"],
    ["they asked me for a quote", "proposal_or_quote"],
    ["I charge $85/hr and told them so", "price_named"],
    ["they accepted my bid last week", "signed_or_live"],
    ["the client still has an unpaid invoice", "signed_or_live"],
    ["my retainer with them comes up next month", "renewal"],
    ["a long-standing client wants a new logo", "existing_client"],
    ["client asked for a discount", "discount_or_price_request"],
    ["he tried to lowball me", "discount_or_price_request"],
    ["they got a cheaper quote from another agency", "competitor"],
    ["the owner wants to see it first", "named_stakeholder"],
    ["our champion there is pushing for us", "champion"],
    ["my manager wants it in the forecast", "forecast"],
    ["they said it is over their budget", "budget"],
    ["the client was worried about the timeline", "objection"],
    ["they ghosted me after the call", "no_response"],
    ["they went with someone else", "lost"],
    ["our contact left the company", "stakeholder_change"],
    ["it is stuck in procurement", "paper_process"],
    ["the project was put on hold", "delay"],
    ["we had an outage during their launch", "incident"],
  ])("reads %j as %s", (text, premise) => {
    expect(premisesOf(text)).toContain(premise);
  });

  it.each<[string, Premise]>([
    ["we haven't done a demo yet", "demo"],
    ["nothing signed yet, they are still thinking", "signed_or_live"],
    ["I'll do a 50/25/25 payment split", "close_date"],
    ["we meet again next week to talk it over", "close_date"],
    ["I'm worried I priced it wrong", "objection"],
    ["their customers have lots of competition in SEO", "competitor"],
    ["we help them rank above their competitors", "competitor"],
    ["first call with a new lead, seemed keen", "signed_or_live"],
  ])("does not read %j as %s", (text, premise) => {
    expect(premisesOf(text)).not.toContain(premise);
  });

  it("adds what a premise implies: a won deal is a client, a renewal is of something signed", () => {
    expect(premisesOf("we are renewing their subscription")).toEqual(
      expect.arrayContaining(["renewal", "signed_or_live", "existing_client"]),
    );
  });

  it("reads the structured deal: each field establishes what it stands for", () => {
    expect(premisesOf("", { close_date: "2026-12-20" })).toEqual(["close_date"]);
    expect(premisesOf("", { close_date_moves: 2 })).toEqual(["close_date", "delay"]);
    expect(premisesOf("", { competitor: "Acme" })).toEqual(["competitor"]);
    expect(premisesOf("", { competitor: "  " })).toEqual([]);
    expect(premisesOf("", { discount_percent: 15 })).toEqual(["discount_or_price_request"]);
    expect(premisesOf("", { discount_percent: 0 })).toEqual([]);
    expect(premisesOf("", { amount: 42000 })).toEqual(["price_named"]);
    expect(premisesOf("", { status: "won" })).toEqual(["existing_client", "signed_or_live"]);
    expect(premisesOf("", { status: "lost" })).toEqual(["lost", "proposal_or_quote"]);
    expect(premisesOf("", { renewal_in_days: 60 })).toEqual(["existing_client", "renewal", "signed_or_live"]);
    expect(premisesOf("", { forecast_category: "commit" })).toEqual(["forecast"]);
    expect(premisesOf("", { forecast_category: "omitted" })).toEqual([]);
    expect(premisesOf("", { paper_process: "MSA with legal" })).toEqual(["paper_process"]);
    expect(premisesOf("", { paper_process: "" })).toEqual([]);
    expect(premisesOf("", { status: "open", days_in_stage: 40 })).toEqual([]);
  });

  it("reads a stage the rep or the CRM stated, and nothing from an empty situation", () => {
    expect(premisesOf("", undefined, "negotiation")).toEqual(["paper_process", "proposal_or_quote"]);
    expect(premisesOf("", undefined, "solution")).toEqual(["demo"]);
    expect(premisesOf("", undefined, "discovery")).toEqual([]);
    expect(premisesOf("")).toEqual([]);
  });

  it("answers on demand exactly as the full reading does (fixtures, real posts, fields, stages)", () => {
    const inputs: Array<Parameters<typeof readPremises>[0]> = fixtureCases().map((c) => ({
      lower: c.situation.text.toLowerCase(),
      fields: c.situation.deal,
      statedStage: c.situation.stage,
    }));
    for (const c of realCases() ?? []) inputs.push({ lower: c.situation.text.toLowerCase() });
    inputs.push({ lower: "", fields: { status: "won" } }, { lower: "", statedStage: "renewal" });
    inputs.push({ lower: "they lost it to the incumbent" });
    for (const input of inputs) {
      const full = readPremises(input);
      const lazy = premiseCheck(input);
      for (const p of PREMISE_IDS)
        expect(lazy.has(p), `${p} in ${input.lower.slice(0, 40)}`).toBe(full.has(p));
    }
  });

  it("names the words that established each premise", () => {
    expect(premiseEvidence("they ghosted me after i sent the quote")).toEqual({
      no_response: "ghosted",
      proposal_or_quote: "quote",
    });
  });

  it("stays fast on long adversarial text (linear scan)", () => {
    const long = `${"by the end of the ".repeat(2000)}${"not signed ".repeat(2000)}`;
    const start = performance.now();
    readPremises({ lower: long });
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

/** Asserts the selector's promise: no question is asked whose declared premises the situation lacks. */
function unestablishedAsked(lib: Library, situation: Situation): string[] {
  const sel = selectQuestions(lib, situation);
  expect(sel.picks.length, situation.text.slice(0, 60)).toBeGreaterThan(0);
  return sel.picks
    .filter((p) => p.question.presupposes.some((premise) => !sel.premises.has(premise)))
    .map((p) => `${p.question.id} needs ${p.question.presupposes.join(",")}`);
}

function realCases(): FitCase[] | null {
  const loaded = loadPosts();
  if (loaded.posts === null) return null;
  return realPostCases(loaded.posts, loadLabels());
}

describe("questions asked only where their premises hold", () => {
  it("every built-in question declares at least what its wording presupposes", () => {
    const undeclared: string[] = [];
    for (const theme of library.themes.values())
      for (const q of theme.questions)
        for (const p of presupposedPremises(q.text)) if (!q.presupposes.includes(p)) undeclared.push(q.id);
    expect(undeclared).toEqual([]);
    const declaring = [...library.themes.values()].flatMap((t) =>
      t.questions.filter((q) => q.presupposes.length),
    );
    expect(declaring.length).toBeGreaterThan(80);
    // The selector's fall-through relies on it: every theme can ask something with no premise at all.
    for (const theme of library.themes.values()) {
      const open = theme.questions.filter((q) => q.presupposes.length === 0 && q.cues.length === 0);
      expect(open.length, theme.id).toBeGreaterThan(0);
    }
  });

  it("never asks a question with an unestablished premise, over the 78 fixture messages", () => {
    const bad = fixtureCases().flatMap((c) => unestablishedAsked(library, c.situation));
    expect(bad).toEqual([]);
    // And against the hand labels: no fixture message gets a question presupposing what it does not say.
    expect(scoreFit(fixtureCases(), (s) => coach(library, s)).violations).toEqual([]);
  });

  it("never asks a question with an unestablished premise, over the real seller posts", (ctx) => {
    const cases = realCases();
    if (cases === null) {
      console.warn(`real seller posts absent (${POSTS_FILE}); skipping`);
      ctx.skip();
      return;
    }
    expect(cases.flatMap((c) => unestablishedAsked(library, c.situation))).toEqual([]);
    // Against the hand labels the reader can still be wrong; report what remains, do not assert it.
    const fit = scoreFit(cases, (s) => coach(library, s));
    console.info(
      `real posts: ${fit.violations.length} label violations of ${fit.questions} questions`,
      fit.violations.map((v) => `${v.caseId} ${v.questionId} (${v.premises.join(",")})`),
    );
  });

  it("never asks a close-date question of a rep who gave no date, and asks one when the deal has it", () => {
    const urgencyFirst = { focusThemes: ["urgency"] as const };
    const noDate = selectQuestions(
      library,
      { text: "they keep saying there is no rush on their side" },
      urgencyFirst,
    );
    expect(noDate.premises.has("close_date")).toBe(false);
    expect(noDate.picks.length).toBeGreaterThan(0);
    for (const p of noDate.picks) expect(p.question.presupposes).not.toContain("close_date");

    const dated = coach(
      library,
      {
        text: "they keep saying there is no rush on their side",
        deal: { close_date: "2026-12-20", close_date_moves: 3 },
      },
      { focusThemes: ["urgency"] },
    );
    const ids = dated.questions.map((q) => q.id);
    const dateQuestions = [...(library.themes.get("urgency")?.questions ?? [])]
      .filter((q) => q.presupposes.includes("close_date"))
      .map((q) => q.id);
    // Every urgency question asked here is fair; across wordings at least one is a close-date question.
    const anyDated = ["no rush", "no hurry at all", "not urgent for them", "they are relaxed about it"].some(
      (t) =>
        coach(
          library,
          { text: t, deal: { close_date: "2026-12-20", close_date_moves: 3 } },
          { focusThemes: ["urgency"] },
        ).questions.some((q) => dateQuestions.includes(q.id)),
    );
    expect(ids.length).toBeGreaterThan(0);
    expect(anyDated).toBe(true);
  });

  it("falls to the next theme when a theme has no eligible question, never an empty reply", () => {
    // A library whose urgency questions all presuppose a close date.
    const urgency = library.themes.get("urgency");
    if (!urgency) throw new Error("urgency theme missing");
    const onlyDated = urgency.questions.filter((q) => q.presupposes.includes("close_date"));
    expect(onlyDated.length).toBeGreaterThan(0);
    const themes = new Map(library.themes);
    themes.set("urgency", { ...urgency, questions: onlyDated });
    const narrowed: Library = { ...library, themes };
    for (const focus of [["urgency"], ["urgency", "goals"]] as const) {
      const sel = selectQuestions(narrowed, { text: "no rush on their side" }, { focusThemes: focus });
      expect(sel.picks.length).toBeGreaterThan(0);
      expect(sel.picks.every((p) => p.question.theme !== "urgency")).toBe(true);
    }
    const ranked = selectQuestions(narrowed, { text: "the deal has stalled for weeks" });
    expect(ranked.ranked[0]?.theme).toBe("urgency");
    expect(ranked.picks.length).toBeGreaterThan(0);
    expect(ranked.picks.some((p) => p.question.theme === "urgency")).toBe(false);
    // With the premise established, the narrowed theme asks again.
    const dated = selectQuestions(narrowed, {
      text: "the deal has stalled for weeks",
      deal: { close_date: "2026-12-20" },
    });
    expect(dated.picks[0]?.question.theme).toBe("urgency");
  });

  it("is deterministic with premises in play", () => {
    const s: Situation = {
      text: "they asked for a discount before signing by end of month",
      deal: { amount: 9000 },
    };
    expect(coach(library, s)).toEqual(coach(library, s));
  });
});

function orgLibrary(body: string, theme = "urgency"): string {
  const dir = mkdtempSync(join(tmpdir(), "deal-coach-premises-"));
  mkdirSync(join(dir, "themes"));
  writeFileSync(join(dir, "themes", `${theme}.yml`), body);
  return dir;
}

describe("presupposes in the library files", () => {
  it("library check rejects a question whose wording presupposes what it does not declare", () => {
    const dir = orgLibrary(`id: urgency
questions:
  - id: urgency.our-date
    text: Who on their side picked this close date?
    stages: [proposal]
  - id: urgency.our-demo
    text: What did the demo change in how they see the timing?
    stages: [solution]
    presupposes: [close_date]
`);
    const { problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    const date = problems.find((p) => p.id === "urgency.our-date");
    expect(date?.file).toContain("urgency.yml");
    expect(date?.reason).toMatch(/wording presupposes close_date .* add presupposes: \[close_date\]/);
    const demo = problems.find((p) => p.id === "urgency.our-demo");
    expect(demo?.reason).toMatch(/presupposes demo/);
    expect(problems).toHaveLength(2);
  });

  it("checks follow-ups against their question's declaration", () => {
    const dir = orgLibrary(`id: urgency
questions:
  - id: urgency.what-drives
    text: What is driving the timing on their side?
    stages: [proposal]
    follow_ups:
      - id: urgency.what-drives.f1
        text: How did they react to the renewal terms?
`);
    const { problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    expect(problems).toEqual([
      expect.objectContaining({
        id: "urgency.what-drives.f1",
        reason: expect.stringMatching(/presupposes renewal/),
      }),
    ]);
  });

  it("rejects an unknown premise id and accepts one implied by a declared premise", () => {
    const dir = orgLibrary(`id: urgency
questions:
  - id: urgency.typo
    text: What is driving the timing on their side?
    stages: [proposal]
    presupposes: [closedate]
  - id: urgency.since-bought
    text: Since they first bought, what has changed in how fast they move?
    stages: [renewal]
    presupposes: [renewal]
`);
    const { problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    expect(problems).toEqual([
      expect.objectContaining({
        id: "urgency.typo",
        reason: expect.stringMatching(/unknown premise "closedate"/),
      }),
    ]);
  });

  it("honours an organisation's own declaration when selecting", () => {
    // The wording presupposes nothing the word lists know; the organisation says it needs a competitor.
    const dir = orgLibrary(
      `id: competition
questions:
  - id: competition.our-edge
    text: What would the customer say sets this offer apart from the others?
    stages: [qualification, solution, proposal, negotiation, closing]
    presupposes: [competitor]
`,
      "competition",
    );
    const org = loadLibrary(BUILT_IN_LIBRARY_DIR, dir);
    const q = org.questions.get("competition.our-edge") as Question;
    expect(q.presupposes).toEqual(["competitor"]);
    const asked = (s: Situation) =>
      Array.from({ length: 40 }, (_, i) => `U${i}`).some((user) =>
        selectQuestions(org, s, { focusThemes: ["competition"], user }).picks.some(
          (p) => p.question.id === "competition.our-edge",
        ),
      );
    expect(asked({ text: "they are comparing options" })).toBe(false);
    expect(asked({ text: "they are comparing options", deal: { competitor: "Acme" } })).toBe(true);
  });
});
