import { describe, expect, it } from "vitest";
import { coach, resultJson } from "../../src/coaching/coach.js";
import { presupposedPremises } from "../../src/coaching/premises.js";
import { LONG_TEXT_CHARS, readText } from "../../src/coaching/reading.js";
import { OWNERSHIP_QUESTION_ID, selectQuestions } from "../../src/coaching/select.js";
import { extractSignals } from "../../src/coaching/signals.js";
import { library } from "../support/library.js";

// Reading text as a person would (docs/real-seller-posts.md "Reading long text"): the title and the
// rep's own question lead, quoted customer words are the customer's, small-business words route, and a
// weak reading asks broad open questions. The texts are ours, written for these tests.

const signalIds = (text: string) => extractSignals({ text }).signals.map((s) => s.id);
const firstTheme = (text: string) => coach(library, { text }).questions[0]?.theme;

// A long post: the point (a deposit for a booking far ahead) is in the title and the rep's question; a
// competitor is mentioned once, in passing, in the story.
const BOOKING_POST = [
  "Booking a wedding shoot fourteen months out: deposit or not?",
  "",
  "A couple reached out last week about their wedding next autumn. I shot a birthday party for the",
  "bride's family a while ago and they remembered me. Their planner mentioned that a competitor in town",
  "does weddings as well, which is fine, there is plenty of work around here in the summer.",
  "They are keen to lock everything in now and I like them a lot.",
  "",
  "How do you handle booking that far in advance? Do you take a deposit, and how much of the fee?",
].join("\n");

describe("the title and the rep's own question weigh most", () => {
  it("marks where a long text says each signal", () => {
    const signals = extractSignals({ text: BOOKING_POST }).signals;
    const place = Object.fromEntries(signals.map((s) => [s.id, s.place]));
    expect(place.commitment_terms).toBe("focus");
    expect(place.competitor).toBe("story");
  });

  it("lets the point of the post lead, not a word said once in the story", () => {
    const result = coach(library, { text: BOOKING_POST });
    expect(result.questions[0]?.theme).toBe("next_step");
    expect(result.questions.some((q) => q.theme === "competition")).toBe(false);
  });

  it("reads the title and the questions of a long text only", () => {
    const reading = readText(BOOKING_POST.toLowerCase());
    expect(reading.long).toBe(true);
    const focus = reading.focus.split("\n");
    expect(focus[0]).toBe("booking a wedding shoot fourteen months out: deposit or not?");
    expect(focus).toContain("how do you handle booking that far in advance?");
    expect(reading.focus).not.toContain("competitor");
    const short = readText("they want a deposit? really?");
    expect(short.long).toBe(false);
    expect(short.focus).toBe("");
    expect(BOOKING_POST.length).toBeGreaterThanOrEqual(LONG_TEXT_CHARS);
  });

  it("in a long post, 'any advice?' asks about its subject: no ownership question first", () => {
    const post = `${BOOKING_POST}\n\nAny advice welcome, what would you do?`;
    expect(signalIds(post)).toContain("answer_request");
    const result = coach(library, { text: post });
    expect(result.questions[0]?.theme).toBe("next_step");
    expect(result.questions.map((q) => q.id)).not.toContain(OWNERSHIP_QUESTION_ID);
    // The ownership still goes back to the rep (README "How it chooses"), in a broad question on their own view.
    const last = result.questions.at(-1);
    expect(last?.theme).toBe("self_reflection");
    expect(library.questions.get(last?.id ?? "")).toMatchObject({ broad: true });
  });
});

describe("quoted customer words are the customer's", () => {
  it("does not read the customer's frustration in a quote as the rep's", () => {
    const text =
      "forwarding what the client wrote:\n> ugh, we are so frustrated with the delays, this is ridiculous\nthey want a call tomorrow about the next phase";
    expect(signalIds(text)).not.toContain("frustration");
    expect(readText(text).customer).toContain("frustrated");
  });

  it("does not take a request quoted from the customer as the rep asking for answers", () => {
    const text = 'the owner said "just tell me what to do with the budget, you are the expert" and hung up';
    expect(signalIds(text)).not.toContain("answer_request");
    expect(coach(library, { text }).questions[0]?.theme).not.toBe("self_reflection");
  });

  it("still reads a price objection in the customer's words", () => {
    expect(signalIds("they said it's too expensive for a shop our size")).toContain("price_objection");
    expect(signalIds("client: honestly this is too expensive for us\nme: ok, thanks")).toContain(
      "price_objection",
    );
  });

  it("keeps the rep's words around a pasted e-mail as the rep's", () => {
    const text =
      "so annoying, just got this:\n\nHi Sam,\nwe are frustrated that the budget has been frozen until spring.\nThanks, Dana\n\nnow what";
    const reading = readText(text.toLowerCase());
    expect(reading.customer).toContain("budget has been frozen");
    expect(reading.rep).toContain("so annoying");
    expect(reading.rep).not.toContain("frustrated");
    const ids = signalIds(text);
    expect(ids).toContain("frustration"); // "so annoying" is the rep's
    expect(ids).toContain("budget_constraint"); // the customer's words still describe the deal
    expect(extractSignals({ text }).signals.find((s) => s.id === "frustration")?.evidence).toBe("annoying");
  });

  it("keeps the rep's own reply (me:) as the rep's", () => {
    const reading = readText("pl: we're not paying for that\nme: you called me, i came out");
    expect(reading.customer).toContain("not paying");
    expect(reading.rep).toContain("you called me");
  });
});

describe("small-business vocabulary routes", () => {
  // Each of these routed elsewhere (or nowhere) before the reading of small-business words.
  const cases: Array<[string, string]> = [
    ["the client wants me on a monthly retainer after the site launch", "value_over_time"],
    ["client went silent once I sent my quote for the logo", "concerns"],
    ["he keeps trying to haggle over my day rate", "concerns"],
    ["a friend of a friend wants a finder's fee for sending his clients my way", "stakeholders"],
    ["a restaurant owner made a lowball offer and wants the menu design for exposure", "impact"],
    ["client wants another change a month after payment, can I charge them", "trust"],
    ["how do I quote a kitchen remodel for a repeat client?", "goals"],
    ["resellers undercut my prices on amazon every week", "competition"],
    ["she says someone cheaper on a marketplace will do the edit for half", "competition"],
    ["the couple asked about a deposit to hold the date", "next_step"],
    ["thinking of turning this client down, their values clash with mine", "self_reflection"],
    ["the client was a no-show for our call again", "next_step"],
  ];
  for (const [text, theme] of cases) {
    it(`"${text}" -> ${theme}`, () => {
      expect(firstTheme(text)).toBe(theme);
    });
  }
});

// Long texts in which nothing says what the situation is about: a first chat, a vague catch-up.
const WEAK_TEXTS = [
  "Met a bakery owner at the farmers market on Saturday. We talked for a while about her shop, her two locations and how busy the mornings get. She took my card and will think about her website over the winter. Nice person, lots of ideas, hard to say if she will become a client.",
  "Had coffee with the manager of a small hotel by the lake. He showed me around, told me about the season and the families who come back every year. He likes the photos on my site. We will talk again when he is back from his trip. Not sure what to make of him as a customer yet.",
  "A dentist I know from the gym asked me about doing something for her practice. We chatted in the changing room for ten minutes, mostly about patients and the new building. She was friendly and curious. I have no idea what she actually has in mind for her practice as a client, to be honest with you.",
  "Spent an hour on the phone with the owner of a family vineyard. He told me the history of the place, his father, the old labels, the tourists in summer. He wants to do something with the brand but he did not say what. I am going to visit them next month anyway.",
  "An architect from my old university got in touch on a social network. We swapped a few long messages about her studio, her partners and the kind of buildings they like to design. She said she would be in the city soon. It was a pleasant exchange and I am curious where it leads.",
  "The guy who runs the bike shop on my street stopped me this morning. We talked about his shop, the kids' bikes, the repairs that keep him busy in spring. He mentioned he has been meaning to sort out his online presence for years. I said I would drop by some time, he could be a good client.",
  "A school principal came to my stand at the local fair and we talked about the school, the parents and the events they run every term. She was warm and asked a lot about my background. I gave her my card. I do not really know what the next move would be here.",
  "Caught up with a former colleague who now runs a small charity. She told me about their volunteers, the events and the people they help. She said the organisation is growing and things feel a bit chaotic. We agreed to speak again after the holidays, which felt fine.",
  "The owner of a yoga studio replied to my newsletter with a long note about her classes, her teachers and the new room she is opening. She said she enjoyed my articles. We have a video chat planned next week. I am still working out what she is looking for from me as a client.",
  "A farmer from the next village called about his farm shop and the tours they run for school groups. We talked about the animals, the seasons and his daughter, who handles most of the social media now. He sounded interested in working together, in some way or other.",
  "Met the founder of a tiny tea company at a trade fair. We talked about where she sources her leaves, her packaging and the cafés that stock her tea. She took a brochure and said my work looked lovely. It was a good chat, though I am unsure what she needs as a client.",
  "A photographer I admire asked to meet for lunch. We talked about her studio, the weddings she shoots and the assistants she trains. She mentioned she might want help with her own marketing at some point. It was a long lunch, and she could become a client.",
];

describe("a weak reading asks broad, varied questions", () => {
  it("reads each of these as weak, with a score under the strong mark", () => {
    for (const text of WEAK_TEXTS) {
      const result = coach(library, { text });
      expect(result.confidence, text).toBe("weak");
      expect(result.confidenceScore).toBeGreaterThanOrEqual(0);
      expect(result.confidenceScore).toBeLessThan(0.5);
    }
  });

  it("asks only broad questions that presuppose nothing, and varies the first one", () => {
    const first = new Set<string>();
    for (const text of WEAK_TEXTS) {
      const { questions } = coach(library, { text });
      first.add(questions[0]?.id ?? "");
      for (const q of questions) {
        const entry = library.questions.get(q.id);
        expect(entry, q.id).toMatchObject({ broad: true, presupposes: [] });
        expect(presupposedPremises(q.text), q.text).toEqual([]);
        expect(q.id).not.toBe(OWNERSHIP_QUESTION_ID);
      }
      // The customer's goals or problem first, then the rep's own view.
      expect(["goals", "problem_cause", "impact"]).toContain(questions[0]?.theme);
      expect(questions.at(-1)?.theme).toBe("self_reflection");
    }
    expect(first.size).toBeGreaterThanOrEqual(4);
  });

  it("asks about the rep first when the weak text is mostly how they feel", () => {
    const text =
      "Honestly I am so frustrated today. Spent the whole afternoon with a shop owner going round in circles about her plans, her family and the building. I came home tired and I do not know what I even took away from it, or what I should be doing differently at this point.";
    const result = coach(library, { text });
    expect(result.confidence).toBe("weak");
    expect(result.questions[0]?.theme).toBe("self_reflection");
  });

  it("a clear signal is a strong reading that asks a specific question", () => {
    const result = coach(library, { text: "they loved the demo and nobody pushed back on price" });
    expect(result.confidence).toBe("strong");
    expect(result.questions[0]?.theme).toBe("absence_of_no");
    const json = resultJson(result);
    expect(json.confidence).toBe("strong");
    expect(json.confidence_score).toBe(result.confidenceScore);
    expect(Object.keys(json)).toEqual([
      "questions",
      "themes",
      "signals",
      "stage",
      "source",
      "confidence",
      "confidence_score",
      "person",
    ]);
  });

  it("a stage or deal fields given make the reading strong", () => {
    const given = selectQuestions(library, { text: "quick update on acme", stage: "negotiation" });
    expect(given.confidence.level).toBe("strong");
    const bare = selectQuestions(library, { text: "quick update on acme" });
    expect(bare.confidence.level).toBe("weak");
  });
});
