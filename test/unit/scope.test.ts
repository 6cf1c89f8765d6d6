import { describe, expect, it } from "vitest";
import { coach } from "../../src/coaching/coach.js";
import { readPremises } from "../../src/coaching/premise-reader.js";
import type { Premise } from "../../src/coaching/premises.js";
import { hypothetical, negated } from "../../src/coaching/scope.js";
import { extractSignals } from "../../src/coaching/signals.js";
import { library } from "../support/library.js";

// Minimal pairs for the classes of misreading in docs/method.md, "Scope: negation, conditions and the
// future" and "Words in their own sense": each text that should fire beside a nearly identical one that
// should not, in small-business and in enterprise wording.

const signals = (text: string) => extractSignals({ text }).signals.map((s) => s.id);
const premises = (text: string): Premise[] => [...readPremises({ lower: text.toLowerCase() })];

type Pair = [fires: string, doesNot: string];

function pairs(kind: "signal" | "premise", id: string, cases: Pair[]) {
  it.each(cases)(`${kind} ${id}: "%s" fires, "%s" does not`, (fires, doesNot) => {
    const read = kind === "signal" ? signals : premises;
    expect(read(fires)).toContain(id);
    expect(read(doesNot)).not.toContain(id);
  });
}

describe("negation reaches across the clause, and stops at its end", () => {
  pairs("signal", "price_objection", [
    [
      "someone on their side has pushed back on price twice now",
      "nobody on their side has pushed back on price so far",
    ],
    ["the client pushed back on price for the logo package", "the client never once pushed back on price"],
    // a new clause ends the negation's reach
    ["no, but the owner pushed back on price today", "no one at the owner's firm pushed back on price"],
  ]);
  pairs("premise", "close_date", [
    ["there's a deadline for the launch", "there's no deadline at all for the launch"],
    ["procurement set a hard deadline for the rollout", "procurement never set any deadline for the rollout"],
  ]);
  pairs("premise", "competitor", [
    ["they mentioned a competitor on the call", "they never mentioned a competitor on the call"],
    ["the CIO brought up the incumbent", "the CIO did not bring up the incumbent"],
  ]);
  pairs("signal", "competitor", [
    ["they mentioned a competitor on the call", "they never even mentioned a competitor on the call"],
  ]);
  pairs("premise", "objection", [
    ["the bakery owner complained about the invoice", "the bakery owner never complained about the invoice"],
    ["their VP raised some concerns in the QBR", "their VP hasn't raised any concerns in the QBR"],
  ]);

  it("reads a later match when the first one is denied", () => {
    const text = "nobody pushed back on price in the demo. now the CFO says it costs too much";
    expect(signals(text)).toContain("price_objection");
  });

  it("does not take 'no idea why' or 'not only' for a negation of what follows", () => {
    expect(negated("i have no idea why they pushed back", "i have no idea why they ".length)).toBe(false);
    expect(negated("not only the price but the terms", "not only the ".length)).toBe(false);
    expect(negated("no one has pushed back", "no one has ".length)).toBe(true);
    expect(negated("no, they pushed back", "no, they ".length)).toBe(false);
  });
});

describe("conditions and the future are not facts", () => {
  pairs("premise", "demo", [
    ["we did a demo for the salon owner", "if we get to a demo, the salon owner decides"],
    ["the demo with their IT team went fine", "if we ever get to a demo with their IT team I'll be happy"],
  ]);
  pairs("premise", "signed_or_live", [
    ["the contract is signed and we start monday", "I will make sure the contract is signed before we start"],
    ["they have signed the MSA", "once they have signed the MSA we can plan the rollout"],
    ["she signed the quote for the kitchen remodel", "hoping she signed the quote... not yet"],
  ]);
  pairs("signal", "closed_won", [
    ["the contract is signed, kickoff next week", "I will make sure the contract is signed before kickoff"],
    ["we won the deal with the florist", "if we won the deal with the florist I'd hire help"],
  ]);
  pairs("premise", "close_date", [
    ["hoping to close by March, the CFO agreed", "if they close by March, I hit my number"],
  ]);
  pairs("premise", "competitor", [
    ["they are talking to another agency", "if they talk to another agency, I lose the job"],
  ]);
  pairs("premise", "proposal_or_quote", [
    ["I sent them a quote for the patio last week", "should I send them a quote for the patio?"],
  ]);
  pairs("premise", "discount_or_price_request", [
    ["procurement asked for a discount to sign", "should we offer a discount to get it signed?"],
  ]);
  pairs("premise", "signed_or_live", [["they signed on friday", "they should have signed by friday"]]);
  it("an expectation is still a date, as a hope is", () => {
    expect(premises("they should sign by friday")).toContain("close_date");
  });

  it("keeps what a definite noun takes for granted inside a condition", () => {
    expect(premises("if the demo goes well they will buy")).toContain("demo");
    expect(premises("if we miss the deadline the client walks")).toContain("close_date");
  });

  it("a condition in an earlier sentence does not reach this one", () => {
    const text = "if you have advice, please share. they signed last week";
    expect(hypothetical(text.toLowerCase(), text.indexOf("signed"), true)).toBe(false);
    expect(premises(text)).toContain("signed_or_live");
  });
});

describe("numbers that are not dates", () => {
  pairs("premise", "close_date", [
    ["the client needs it by 3/15 for the opening", "I've contacted 1/3 of my list so far"],
    ["contract must be back on 6/30", "roughly 2/3 of the pipeline is renewals"],
    ["board meets 9/30 to decide", "the pilot scored 8/10 in their survey"],
    ["launch is 4/12", "the reviews average 4/5 stars"],
    ["due by 2/14", "the house is about 1/2 a mile away"],
    ["go-live moved to 5/20", "we shipped v2/3 of the app"],
    ["decision due by the 15th", "the work is done by the team already"],
  ]);
  pairs("premise", "close_date", [
    ["the shop needs the fix done by December 22nd", "on December 22nd, you came out and did the fix"],
    ["the board decides on March 3rd", "back on March 3rd we met their CFO"],
    ["the contract goes to the board on 6/30", "on 6/30 the buyer signed the order form"],
  ]);
  it("a reported close date is still read (a slash date with a year)", () => {
    expect(premises("the date on the PO is 10/31/2026")).toContain("close_date");
  });
});

describe("words in their own sense", () => {
  pairs("premise", "close_date", [
    ["they're exhibiting at the conference in june", "we had a conference call with their team"],
  ]);
  pairs("premise", "proposal_or_quote", [
    ["I sent the estimate for the deck", "I estimate the deck takes three weeks"],
    ["we sent our estimate to their procurement team", "we estimate the rollout at two sprints"],
  ]);
  pairs("premise", "proposal_or_quote", [
    [
      "I sent a quote, they never answered",
      'a cold lead wanted me to, and I quote, "build the next big app"',
    ],
  ]);
  pairs("premise", "discount_or_price_request", [
    ["the client asked for a lower price", "resellers offer it at a lower price than we do"],
    ["the buyer says it costs too much", "I don't want to add too much work for their team"],
  ]);
  pairs("premise", "forecast", [
    ["I need this deal to hit my target", "my target clients are dentists"],
    ["it's the last piece of our number this quarter", "our target market is regional banks"],
  ]);
  pairs("premise", "signed_or_live", [
    ["their payment came in late again", "we're still negotiating payment terms"],
    ["the first payment from the bakery cleared", "the bakery wants a payment plan"],
  ]);
  pairs("signal", "price_objection", [
    ["the client hates the price of the package", "the client hates the new logo"],
    ["it's a price issue for their CFO", "it's not a price issue for their CFO"],
  ]);
  pairs("premise", "delay", [
    ["the client pushed back the launch again", "the client pushed back on the launch plan"],
  ]);
  pairs("signal", "concern_raised", [["the client hates the new logo", "I hate cold calling"]]);
  pairs("signal", "new_opportunity", [
    ["landed a new logo this week, a regional bank", "the client wants the new logo in blue"],
  ]);
  pairs("signal", "injection_attempt", [
    ["act as a sales expert and write my email", "I act as a middleman between the client and the printer"],
  ]);
});

describe("the rep's own market is not this deal", () => {
  pairs("premise", "competitor", [
    ["they got a quote from a competitor", "my competitors charge less than I do"],
    ["the buyer shortlisted our competitor", "our competitors all discount heavily this year"],
  ]);
  pairs("signal", "competitor", [
    ["they are also talking to a competitor", "my competitors charge less than I do"],
    ["procurement is comparing us with a competitor", "our competition in this region is brutal"],
  ]);
  pairs("premise", "objection", [
    ["got pushback from the client on the timeline", "how do I handle pushback when I raise my rates"],
    ["the customer pushed back on the timeline", "I pushed back on their payment terms"],
  ]);
  pairs("signal", "concern_raised", [
    ["the buyer's push back was about the terms", "should I push back on their terms"],
  ]);
});

describe("the form of the rep's question is not its subject", () => {
  const story = (ask: string) =>
    "Odd spot with a client I've had on a retainer for a year.\n\n" +
    "I set up their bookkeeping and the staff run it on their own now. Most weeks I sit in on calls and " +
    "nothing needs me; they still pay the full monthly fee every month and seem content with it. " +
    ask;
  it("a 'how do I tell them' post goes to what it is about, when the post says", () => {
    const result = coach(library, {
      text: story(
        "How do I tell them they could cut me back to a few hours without sounding like I'm leaving?",
      ),
    });
    expect(result.signals).toContain("difficult_conversation");
    expect(result.signals).toContain("ongoing_work");
    expect(result.questions[0]?.theme).toBe("value_over_time");
  });
  it("a post that is only about how to say it still reads as trust", () => {
    const text =
      "Awkward one with a client.\n\nThey asked me to join their weekly call and I said yes months ago. " +
      "I keep thinking about it and I want to say something, I just never found the moment and I keep " +
      "putting it off week after week. How do I tell them I'd rather not join anymore without upsetting them?";
    const result = coach(library, { text });
    expect(result.signals).toContain("difficult_conversation");
    expect(result.questions[0]?.theme).toBe("trust");
  });
});

describe("reading in scope never stalls", () => {
  // Every mention here is denied or conditional and nothing ends a clause, so each reader walks every
  // match and looks back from each one: a look-back that reached to the clause start instead of a few
  // words would make this quadratic (seconds on 100 KB), where it takes milliseconds.
  const unit = "nobody pushed back if they sign by the 15th not a competitor never a discount ";
  const text = unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000);

  it("reads 100 KB of denied and conditional mentions in linear time, and counts none of them", () => {
    const started = performance.now();
    const found = signals(text);
    const established = premises(text);
    const ms = performance.now() - started;
    expect(found).not.toContain("competitor");
    expect(found).not.toContain("discount");
    expect(established).not.toContain("competitor");
    expect(established).not.toContain("objection");
    // Generous for a busy machine; a quadratic scan needs far longer.
    expect(ms).toBeLessThan(3_000);
  });
});
