import { describe, expect, it } from "vitest";
import { coach } from "../../src/coaching/coach.js";
import { explainReading } from "../../src/explain.js";
import { library } from "../support/library.js";

// `ask --explain`: the reading in words, for people who edit the library (README "The CLI").

function explain(text: string, stage?: "negotiation") {
  const situation = { text, stage };
  return explainReading(library, situation, {}, coach(library, situation));
}

describe("ask --explain", () => {
  it("prints the premises found with the words that establish them", () => {
    const out = explain("the client ghosted me after I sent the quote; the launch date is march 3");
    expect(out).toMatch(/premises found:\n/);
    expect(out).toMatch(/ {4}no_response +the text says "ghosted"/);
    expect(out).toMatch(/ {4}proposal_or_quote +the text says "quote"/);
    expect(out).toMatch(/ {4}close_date +the text says "launch date"/);
    // Implied ones are named too, without words of their own.
    expect(explain("the customer cancelled the order yesterday")).toMatch(
      / {4}proposal_or_quote +from the deal fields, the stage or another premise/,
    );
    expect(explain("how is everyone today")).toMatch(/premises found: none/);
    // A stated stage establishes what reaching it takes.
    expect(explain("quick update on acme", "negotiation")).toMatch(
      / {4}paper_process +from the deal fields, the stage or another premise/,
    );
  });

  it("prints the confidence and, for a weak reading, why each broad question was chosen", () => {
    const text =
      "Met a bakery owner at the farmers market on Saturday. We talked for a while about her shop, her two locations and how busy the mornings get. She took my card and will think about her website over the winter. Nice person, lots of ideas, and a good laugh. Hard to say if she will become a client.";
    const out = explain(text);
    expect(out).toMatch(/confidence: weak \(0\.00\): no signal in the text points to a theme; a long text/);
    const questions = out.split("\nQuestions\n")[1] ?? "";
    expect(questions).toMatch(
      /chosen because: the reading is weak, so a broad open question about the customer/,
    );
    expect(questions).toMatch(
      /chosen because: the reading is weak, so a broad question on the rep's own view/,
    );
  });

  it("says where a long text says each signal, and why the rep's own question leads", () => {
    const text = [
      "Client wants a deposit refunded, how do I handle it?",
      "",
      "We shot their product photos in spring and took a deposit up front as usual. A competitor in",
      "town offered them a cheaper package afterwards, they mentioned it once on the phone. Now they",
      "want the deposit back because the launch moved. How do I handle this without losing them?",
    ].join("\n");
    const out = explain(text);
    expect(out).toMatch(
      /commitment_terms +from the text: "deposit" \(in the title or the rep's own question\)/,
    );
    expect(out).toMatch(/competitor +from the text: "competitor" \(once, in passing, in the story\)/);
    expect(out).toMatch(/confidence: strong \(1\.00\): a signal the text is about points to a theme/);
  });
});
