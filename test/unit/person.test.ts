import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { chooseCaring, MAX_CARING_QUESTIONS } from "../../src/coaching/caring.js";
import { coach, PERSON_FALLBACK_QUESTION, PERSON_THEME, resultJson } from "../../src/coaching/coach.js";
import { checkReply } from "../../src/coaching/guard.js";
import { readLibrary } from "../../src/coaching/library.js";
import { PERSON_KINDS, type PersonKind, readPerson, readPersonGated } from "../../src/coaching/person.js";
import { presupposedPremises } from "../../src/coaching/premises.js";
import { isTheme } from "../../src/coaching/taxonomy.js";
import { BUILT_IN_LIBRARY_DIR } from "../../src/paths.js";
import { DEAL_MESSAGES } from "../fixtures/deal-messages.js";
import { library } from "../support/library.js";
import { loadLabels, loadPosts } from "../support/real-seller-posts.js";

// The person before the deal (docs/person.md): the reading, the caring questions, and the library file.

const ABOUT_THE_PERSON: Array<[string, PersonKind]> = [
  ["I'm burned out", "burnout"],
  ["honestly i'm so burnt-out after this quarter", "burnout"],
  ["Exhausted. Haven't slept properly in weeks.", "burnout"],
  ["I've been dreading work every morning", "burnout"],
  ["feeling completely drained lately", "burnout"],
  ["I'm at my wits end with everything", "burnout"],
  ["I want to quit", "leaving"],
  ["thinking about quitting sales altogether", "leaving"],
  ["I'm done with sales.", "leaving"],
  ["I quit.", "leaving"],
  ["Honestly I can't see myself doing this much longer", "leaving"],
  ["I'm going to hand in my notice", "leaving"],
  ["there's no point anymore", "despair"],
  ["What's the point?", "despair"],
  ["I can't do this anymore", "despair"],
  ["I feel like a failure", "despair"],
  ["why do I even bother", "despair"],
  ["I hate my job", "despair"],
  ["my dad passed away last week", "crisis"],
  ["My wife's mom died on Sunday and I'm all over the place", "crisis"],
  ["My son is in the hospital", "crisis"],
  ["I was diagnosed with something serious", "crisis"],
  ["we had a family emergency", "crisis"],
  ["I got laid off yesterday", "crisis"],
  ["going through a rough time with my divorce", "crisis"],
];

const ABOUT_A_DEAL: string[] = [
  "this deal is killing me",
  "the client wants to quit the pilot",
  "I'm tired of their excuses",
  "I'm sick of their excuses",
  "we've exhausted our options with procurement",
  "their CFO passed away so the signature moved",
  "my client's dad passed away, the kickoff is postponed",
  "the prospect is burned out on vendors",
  "their team is burned out after the migration",
  "I'm not burned out, just busy with quarter end",
  "I don't want to quit this account, how do I re-engage them?",
  "what's the point of the demo if legal has not seen the paper?",
  "there's no point in sending another email, right?",
  "I quit calling them after the third voicemail",
  "my laptop died in the middle of the demo",
  "the deal died in procurement",
  "the deal is falling apart",
  "they drained the budget on the other vendor",
  "overwhelmed with inbound leads this week, how do I prioritise?",
  "we sell to hospitals and funeral homes",
  "I sell scheduling software to the hospital in town",
  "they're going through a rough time with layoffs",
  "the champion was let go last week",
  "Initech went dark after the demo",
];

// One example per phrase of the rules, for the check that the quick stem gate drops none of them.
const EVERY_PHRASE = [
  "I'm burning out",
  "my burnout",
  "I'm close to burn out",
  "I'm running on empty",
  "at the end of my rope",
  "at my wits' end",
  "at my wit's end",
  "I'm exhausted",
  "I'm drained",
  "I'm overwhelmed",
  "I can't sleep",
  "I haven't been slept",
  "I'm not sleeping well",
  "tired of selling",
  "I'm tired all the time",
  "dreading mondays",
  "I dread going in",
  "so worn out.",
  "just tired.",
  "I get panic attacks",
  "I'm depressed",
  "my depression",
  "my anxiety",
  "I'm anxious all the time",
  "I've been crying",
  "I'm falling apart",
  "I'm breaking down",
  "I had a mental breakdown",
  "my mental health",
  "I feel hopeless",
  "what is the point of trying",
  "whats the point anymore",
  "no point in trying",
  "I cannot take it any longer",
  "I can't keep going any more",
  "I can not cope anymore",
  "I give up on sales",
  "I'm giving up.",
  "I'm a total fraud",
  "feeling like a loser",
  "feeling numb",
  "feel so defeated",
  "why am I doing this",
  "I'm hating this job",
  "I'm losing my motivation",
  "I lost the will",
  "I lost my passion",
  "I am losing interest in everything",
  "I'm ready to quit my job",
  "I'm tempted to quit and",
  "wanna quit",
  "thinking of leaving sales",
  "planning to leave this industry",
  "done with it all",
  "so over it",
  "handed in my notice",
  "quitting my job",
  "getting out of sales",
  "a career change",
  "changing careers",
  "looking for another job",
  "update my resume",
  "I don't see myself staying",
  "my grandma died",
  "my dad is dying",
  "my uncle's funeral",
  "my wife is in the ICU",
  "my son went into the ER",
  "I was hospitalised",
  "my mom is in hospice",
  "I start chemo",
  "I have cancer",
  "my cancer treatment",
  "my dad had a stroke",
  "my brother had a heart attack",
  "I'm recovering from surgery",
  "we had a miscarriage",
  "my bereavement leave",
  "I'm grieving",
  "my grief",
  "I got diagnosed",
  "we have a family crisis",
  "my personal crisis",
  "I'm going through a hard patch",
  "I'm in a dark place",
  "my divorce",
  "I'm getting divorced",
  "I lost my job",
  "I got fired",
  "I'm being let go",
  "I'm on a PIP",
  "my performance improvement plan",
  "my mom is seriously ill",
  "my kid is sick",
  "we had a loss in the family",
];

describe("readPerson", () => {
  it("reads every phrase of its rules, and the stem gate before them changes no reading", () => {
    const unread = EVERY_PHRASE.filter((t) => readPersonGated(t, false) === null);
    expect(unread).toEqual([]);
    const corpus = [
      ...EVERY_PHRASE,
      ...ABOUT_THE_PERSON.map(([t]) => t),
      ...ABOUT_A_DEAL,
      ...DEAL_MESSAGES.map((m) => m.text),
      ...(loadPosts().posts ?? []).map((p) => p.text),
    ];
    const changed = corpus.filter(
      (t) => JSON.stringify(readPersonGated(t, true)) !== JSON.stringify(readPersonGated(t, false)),
    );
    expect(changed).toEqual([]);
  });

  it.each(ABOUT_THE_PERSON)("reads %j as about the person (%s)", (text, kind) => {
    expect(readPerson(text)?.kinds).toContain(kind);
  });

  it.each(ABOUT_A_DEAL)("reads %j as about a deal, not the person", (text) => {
    expect(readPerson(text)).toBeNull();
  });

  it("finds the person in a long deal story, and lists the most serious reading first", () => {
    const story = `${"They asked for a quote, I sent it, and they went quiet. ".repeat(40)}Honestly I'm burned out and my mom is in the hospital.`;
    expect(readPerson(story)?.kinds).toEqual(["crisis", "burnout"]);
    expect(PERSON_KINDS[0]).toBe("crisis");
  });

  it("reads none of the 78 fixture deal messages as about the person", () => {
    expect(DEAL_MESSAGES.filter((m) => readPerson(m.text) !== null).map((m) => m.text)).toEqual([]);
  });

  it("stays linear on 100 KB of pathological input", () => {
    const inputs = [
      "i ".repeat(50_000),
      "my ".repeat(34_000),
      "burned out ".repeat(9_000),
      "not burned out ".repeat(7_000),
      "the client burned out ".repeat(4_600),
      "what's the point of the ".repeat(4_200),
      "i want to quit the ".repeat(5_300),
      "a".repeat(100_000),
      "can't ".repeat(16_000),
      `${"x".repeat(99_990)} burned out`,
      ". ".repeat(50_000),
    ];
    // The fastest of three runs, so a busy machine does not fail it: a quadratic reading of 100 KB
    // takes seconds, a linear one tens of milliseconds.
    for (const input of inputs) {
      let best = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 3; run++) {
        const start = performance.now();
        readPerson(input);
        best = Math.min(best, performance.now() - start);
      }
      expect(best, input.slice(0, 30)).toBeLessThan(500);
    }
  });
});

const real = loadPosts();

describe.skipIf(real.posts === null)("readPerson on the real seller posts in ../shared", () => {
  it("reads the posts labelled person, and no other post", () => {
    const text = new Map((real.posts ?? []).map((p) => [p.id, p.text]));
    const labels = loadLabels();
    const read = labels.filter((l) => readPerson(text.get(l.id) ?? "") !== null).map((l) => l.id);
    expect(read.sort()).toEqual(
      labels
        .filter((l) => l.person)
        .map((l) => l.id)
        .sort(),
    );
  });
});

describe("coach() before the deal", () => {
  it("answers burnout with one or two caring questions, no deal theme, no stage", () => {
    const result = coach(library, {
      text: "Initech pushed the close date again and I'm burned out, what's the point",
      stage: "negotiation",
      deal: { stage: "negotiation", close_date_moves: 3 },
    });
    expect(result.person).toBe(true);
    expect(result.questions.length).toBeGreaterThanOrEqual(1);
    expect(result.questions.length).toBeLessThanOrEqual(MAX_CARING_QUESTIONS);
    for (const q of result.questions) {
      expect(q.theme).toBe(PERSON_THEME);
      expect(isTheme(q.theme)).toBe(false);
      expect(library.person.some((c) => c.id === q.id)).toBe(true);
    }
    expect(result.themes).toEqual([]);
    expect(result.signals).toEqual([]);
    expect(result.stage).toBeNull();
    const json = resultJson(result);
    expect(json.person).toBe(true);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(["questions", "themes", "signals", "stage", "source", "person"]),
    );
  });

  it("marks an ordinary deal reply person: false and keeps its deal questions", () => {
    const result = coach(library, { text: "they loved the demo and nobody pushed back on price" });
    expect(result.person).toBe(false);
    expect(resultJson(result).person).toBe(false);
    expect(result.questions.every((q) => q.theme !== PERSON_THEME)).toBe(true);
  });

  it("asks a bereaved rep the questions written for a crisis, not the ones about a lighter week", () => {
    const result = coach(library, { text: "my dad passed away last week, the Acme renewal is due" });
    const crisis = new Set(library.person.filter((q) => q.kinds.includes("crisis")).map((q) => q.id));
    for (const q of result.questions) expect(crisis.has(q.id), q.id).toBe(true);
    expect(result.questions.map((q) => q.id)).not.toContain("person.week-lighter");
  });

  it("is deterministic, varies with the words, and puts recently asked questions last", () => {
    const text = "I'm exhausted and dreading mondays";
    const a = coach(library, { text });
    expect(coach(library, { text })).toEqual(a);
    const seen = new Set<string>();
    for (const t of [
      "I'm burned out",
      "so burnt out",
      "feeling burned out",
      "I'm exhausted",
      "dreading work",
    ])
      for (const q of coach(library, { text: t }).questions) seen.add(q.id);
    expect(seen.size).toBeGreaterThan(2);
    const asked = a.questions.map((q) => q.id);
    const next = coach(library, { text }, { history: asked });
    for (const id of asked) expect(next.questions.map((q) => q.id)).not.toContain(id);
  });

  it("asks at most maxQuestions, and never more than two", () => {
    expect(coach(library, { text: "I want to quit" }, { maxQuestions: 1 }).questions).toHaveLength(1);
    expect(coach(library, { text: "I want to quit" }, { maxQuestions: 3 }).questions).toHaveLength(2);
  });

  it("reads no person when told not to (a deal nudge): deal questions as before", () => {
    const text = "Note from the CRM: rep says I'm burned out; moved to negotiation";
    const off = coach(library, { text }, { readPerson: false });
    expect(off.person).toBe(false);
    expect(off.questions.every((q) => isTheme(q.theme))).toBe(true);
  });

  it("falls back to a caring question, not the deal fallback, when no caring question passes the guard", () => {
    const bad = { ...library, person: [{ id: "person.bad", text: "Take a day off.", kinds: PERSON_KINDS }] };
    expect(coach(bad, { text: "I'm burned out" }).questions).toEqual([PERSON_FALLBACK_QUESTION]);
    expect(checkReply(PERSON_FALLBACK_QUESTION.text).ok).toBe(true);
  });
});

describe("the caring questions (prompts/person.yml)", () => {
  it("has at least six, each passing the guard and presupposing nothing about a deal", () => {
    expect(library.person.length).toBeGreaterThanOrEqual(6);
    for (const q of library.person) {
      expect(checkReply(q.text), q.id).toEqual({ ok: true, reasons: [] });
      expect(presupposedPremises(q.text), q.id).toEqual([]);
      expect(q.kinds.length, q.id).toBeGreaterThan(0);
    }
  });

  it("has questions for every reading", () => {
    for (const kind of PERSON_KINDS) {
      const reading = { kinds: [kind] };
      expect(chooseCaring(library, reading, "x").length, kind).toBe(MAX_CARING_QUESTIONS);
      expect(library.person.filter((q) => q.kinds.includes(kind)).length, kind).toBeGreaterThanOrEqual(3);
    }
  });

  it("are not deal questions: no Go deeper, feedback or reflection can find them by id", () => {
    for (const q of library.person) expect(library.questions.has(q.id), q.id).toBe(false);
  });
});

function orgLibrary(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "deal-coach-person-"));
  mkdirSync(join(dir, "themes"));
  writeFileSync(join(dir, "person.yml"), body);
  return dir;
}

describe("an organisation's caring questions (COACH_LIBRARY_DIR/person.yml)", () => {
  it("replace by id, add, and switch off", () => {
    const dir = orgLibrary(`questions:
  - id: person.apart-from-work
    text: How has this week been for you, apart from the numbers?
  - id: person.our-own
    text: What would help you feel more like yourself this week?
    for: [burnout]
  - id: person.in-your-corner
    disabled: true
`);
    const { library: merged, problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    expect(problems).toEqual([]);
    const byId = new Map(merged.person.map((q) => [q.id, q]));
    expect(byId.get("person.apart-from-work")?.text).toBe(
      "How has this week been for you, apart from the numbers?",
    );
    expect(byId.get("person.our-own")?.kinds).toEqual(["burnout"]);
    expect(byId.has("person.in-your-corner")).toBe(false);
  });

  it("are checked: the guard, deal premises, readings, ids, and that some remain", () => {
    const dir = orgLibrary(`questions:
  - id: person.advice
    text: Have you considered talking to a professional?
  - id: person.tactics
    text: What would make the close date feel safer for you?
  - id: person.odd
    text: How are you doing?
    for: [sad]
  - id: other.wrong
    text: What would help you most?
`);
    const { problems } = readLibrary(BUILT_IN_LIBRARY_DIR, dir);
    const of = (id: string) => problems.filter((p) => p.id === id).map((p) => p.reason);
    expect(of("person.advice").join(" ")).toMatch(/guard rejects/);
    expect(of("person.tactics").join(" ")).toMatch(/presupposes close_date/);
    expect(of("person.odd").join(" ")).toMatch(/unknown reading "sad"/);
    expect(of("other.wrong").join(" ")).toMatch(/must start with "person\."/);

    const ids = library.person.map((q) => `  - id: ${q.id}\n    disabled: true`).join("\n");
    const none = readLibrary(BUILT_IN_LIBRARY_DIR, orgLibrary(`questions:\n${ids}\n`)).problems;
    expect(none.map((p) => p.reason).join(" ")).toMatch(/no caring questions/);
  });
});
