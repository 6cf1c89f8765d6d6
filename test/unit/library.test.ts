import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import { readLibrary } from "../../src/coaching/library.js";
import { THEMES } from "../../src/coaching/taxonomy.js";
import { BUILT_IN_LIBRARY_DIR } from "../../src/paths.js";
import { library } from "../support/library.js";

describe("the built-in library", () => {
  it("has every theme with at least 12 questions, at least 200 in all", () => {
    expect([...library.themes.keys()].sort()).toEqual([...THEMES].sort());
    let total = 0;
    for (const theme of library.themes.values()) {
      expect(theme.questions.length, theme.id).toBeGreaterThanOrEqual(12);
      total += theme.questions.length;
    }
    expect(total).toBeGreaterThanOrEqual(200);
  });

  it("has at least 40 reflections covering each focus", () => {
    expect(library.reflections.length).toBeGreaterThanOrEqual(40);
    for (const focus of ["week", "patterns", "accountability", "customer_success"]) {
      expect(library.reflections.filter((r) => r.focus === focus).length, focus).toBeGreaterThanOrEqual(8);
    }
  });

  it("passes the guard for every question, follow-up and reflection", () => {
    const rejected: string[] = [];
    for (const entry of library.questions.values()) if (!checkReply(entry.text).ok) rejected.push(entry.id);
    for (const r of library.reflections) if (!checkReply(r.text).ok) rejected.push(r.id);
    expect(rejected).toEqual([]);
  });

  it("reports no problems", () => {
    expect(readLibrary(BUILT_IN_LIBRARY_DIR).problems).toEqual([]);
  });
});

function orgLibrary(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "deal-coach-lib-"));
  mkdirSync(join(dir, "themes"));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

describe("an organisation's library (COACH_LIBRARY_DIR)", () => {
  it("merges over the built-in one: same id replaces, new id adds, disabled removes", () => {
    const first = library.themes.get("budget")?.questions[0];
    const second = library.themes.get("budget")?.questions[1];
    const dir = orgLibrary({
      "themes/budget.yml": `id: budget
questions:
  - id: ${first?.id}
    text: Who at their company has found money for a project like this before?
    stages: [qualification]
  - id: budget.our-own
    text: What else is competing for the same money this year?
    stages: [qualification, proposal]
  - id: ${second?.id}
    disabled: true
`,
    });
    const { library: merged, problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    expect(problems).toEqual([]);
    const budget = merged.themes.get("budget")?.questions ?? [];
    expect(budget.find((q) => q.id === first?.id)?.text).toBe(
      "Who at their company has found money for a project like this before?",
    );
    expect(budget.some((q) => q.id === "budget.our-own")).toBe(true);
    expect(budget.some((q) => q.id === second?.id)).toBe(false);
  });

  it("lists every problem with file, id and reason", () => {
    const dir = orgLibrary({
      "themes/budget.yml": `id: budget
questions:
  - id: budget.dupe
    text: Where does the money come from?
    stages: [qualification]
  - id: budget.dupe
    text: Who controls the money?
    stages: [qualification]
  - id: budget.bad-stage
    text: Who controls the money here?
    stages: [week_three]
  - id: budget.advice
    text: You should ask the CFO for budget.
    stages: [qualification]
  - id: budget.typo
    text: Who else decides?
    stage: [qualification]
`,
      "themes/pricing_games.yml": `id: pricing_games
title: x
description: y
stages: [proposal]
questions: []
`,
    });
    const { problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    const find = (id: string, reason: RegExp) => problems.find((p) => p.id === id && reason.test(p.reason));
    expect(find("budget.dupe", /duplicate id/)?.file).toContain("budget.yml");
    expect(find("budget.bad-stage", /unknown stage "week_three"/)).toBeDefined();
    expect(find("budget.advice", /guard rejects .*obligation/)).toBeDefined();
    expect(find("budget.typo", /stage/)).toBeDefined();
    expect(find("pricing_games", /unknown theme/)).toBeDefined();
  });

  it("takes broad: true, and rejects a broad question that presupposes something or has cues", () => {
    const dir = orgLibrary({
      "themes/goals.yml": `id: goals
questions:
  - id: goals.org-broad
    text: What is this client hoping to change this year?
    stages: [discovery]
    broad: true
  - id: goals.org-broad-premise
    text: What did the client hope the proposal would change?
    stages: [discovery]
    broad: true
    presupposes: [proposal_or_quote]
  - id: goals.org-broad-cued
    text: What is the client hoping for with the redesign?
    stages: [discovery]
    broad: true
    cues: [redesign]
`,
    });
    const { library: merged, problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    expect(merged.questions.get("goals.org-broad")).toMatchObject({ broad: true });
    expect(merged.questions.get("goals.year-from-now")).toMatchObject({ broad: true });
    expect(merged.questions.get("goals.pricing-up-front")).toMatchObject({ broad: false });
    const broadProblems = problems.filter((p) => /a broad question/.test(p.reason)).map((p) => p.id);
    expect(broadProblems.sort()).toEqual(["goals.org-broad-cued", "goals.org-broad-premise"]);
  });

  it("reports a directory that does not exist", () => {
    const { problems } = readLibrary(BUILT_IN_LIBRARY_DIR, "/no/such/dir");
    expect(problems).toEqual([{ file: "/no/such/dir", id: "(dir)", reason: "COACH_LIBRARY_DIR not found" }]);
  });
});
