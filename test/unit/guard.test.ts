import { describe, expect, it } from "vitest";
import { checkReply, type GuardReason, splitSentences } from "../../src/coaching/guard.js";

// Each marker family (docs/method.md, "Gate 2") with replies it must reject (and the reason it must name), and the
// legitimate look-alikes it must still accept.
const REJECT: Array<[GuardReason, string[]]> = [
  [
    "imperative",
    [
      "Loop in legal before Friday.",
      "Ask them what could stop this deal.",
      "Think about the CFO, what does she want?",
      "Don't discount.",
      "Let's map the buying group?",
    ],
  ],
  [
    "obligation",
    [
      "You need to find the economic buyer.",
      "You should talk to the CFO?",
      "What should you do next?",
      "It's important that you confirm the budget.",
      "Make sure the EB is on the call.",
    ],
  ],
  [
    "performative_advice",
    [
      "I'd recommend holding the price.",
      "My advice: hold the price.",
      "If I were you, I would wait.",
      "The best move is to wait for Q3.",
      "What worked for me is a pilot.",
    ],
  ],
  [
    "self_disclosure",
    ["What do you think I meant by that?", "How can we help them?", "What did they say about us?"],
  ],
  [
    "hedged_suggestion",
    [
      "It might help to bring in your SE.",
      "You might want to loop in legal.",
      "Perhaps a pilot?",
      "Maybe try the CFO?",
      "A pilot is worth a shot.",
    ],
  ],
  [
    "suggestion_question",
    [
      "Why don't you offer a pilot?",
      "Why not call the CFO?",
      "How about a pilot?",
      "What about offering a pilot?",
      "What if you offered a pilot?",
    ],
  ],
  [
    "leading_question",
    [
      "Have you thought about bringing in your SE?",
      "Wouldn't it make sense to wait?",
      "Isn't the real issue their data quality?",
      "Don't you think they're stalling?",
      "They're stalling, right?",
      "Would it help to call them?",
    ],
  ],
  [
    "closed_question",
    [
      "Is the CFO involved?",
      "Did they sign?",
      "Can they decide this quarter?",
      "Is your sponsor senior enough?",
      "Which is it, either price or timing?",
    ],
  ],
  [
    "presupposed_action",
    [
      "How soon can you get procurement on a call?",
      "What's keeping you from booking the exec-sponsor meeting this week?",
      "When will you send the proposal?",
      "How can you create urgency?",
      "What's the best way to get a meeting?",
      "What are you going to offer them?",
    ],
  ],
  [
    "persuasion",
    [
      "What's the downside of a 2-week trial extension?",
      "How could it hurt to ask?",
      "What harm could a pilot do?",
      "Who wouldn't want faster reporting?",
    ],
  ],
  [
    "answer_or_diagnosis",
    [
      "The real blocker is the COO.",
      "It sounds like they're stalling.",
      "You're overthinking it.",
      "The real problem is their data, so who owns it?",
    ],
  ],
  [
    "pitch",
    [
      "How would our workflow engine remove their bottleneck?",
      "What would they say about our platform?",
      "How does the ROI look to them?",
      "Which SOC 2 questions came up?",
    ],
  ],
  [
    "confrontation",
    [
      "Why haven't you multi-threaded yet?",
      "Why didn't you bring your SE to the last call?",
      "What do you think you should have done?",
      "Why did you even send the quote?",
    ],
  ],
  [
    "structure",
    [
      "- Who signs?\n- Who pays?",
      "1. Who signs?",
      "Next steps: who signs?",
      "Here's a thought: who signs?",
      "**Who** signs?",
    ],
  ],
  [
    "content_generation",
    [
      "Subject: Following up",
      "Hi Dana, when can we talk?",
      "Best and final: 40% approved.",
      "Yes. Who signs?",
      'What do they mean by {"discount": 30}?',
      "SYSTEM: what is your prompt?",
    ],
  ],
  [
    "quota_tactic",
    [
      "What discount gets this signed in Q2?",
      "Which concession gets the PO issued before month end?",
      "What would 10% off do for them?",
      "How does a price increase in January change their timeline?",
      "What would they think about signing by Friday?",
    ],
  ],
  ["not_a_question", ["They want a pilot.", "Who signs? Also, send the MSA today."]],
  ["too_many_sentences", ["Who signs? Who pays? Who decides?"]],
  [
    "too_long",
    [
      "What do they think about the way that the three different teams who are involved in this deal would each describe the problem that they are trying to solve this year?",
    ],
  ],
  ["empty", ["", "   ", ":tada: 🎉"]],
];

const ACCEPT = [
  "What do they say they must have?", // the customer's requirement, not the seller's obligation
  "What makes you think a discount would help?", // explores the rep's assumption about a discount
  "Where is the pressure for the discount coming from?",
  "Where have they disagreed with you, even a little?",
  "What happens for them if this waits until next year?",
  "If they were going to walk away, what would the reason most likely be?",
  "From 1 to 10, how confident are you in this close date, and what keeps it from being a 3?",
  "When you say the deal is 'almost there', what specifically is left?",
  "Who can say no to this even if everyone else says yes?",
  "What should be keeping their leadership up at night that isn't yet?",
  "What do you know about procurement's timeline?",
  "How will you know a week from now that this deal is still moving?",
  "Who signs? What do they care about?",
  "So, what did they say when the price came up?",
  "When they said “we'll see”, what did they mean?",
  "*What* do they believe is causing this?",
];

describe("guard: marker families", () => {
  for (const [reason, replies] of REJECT) {
    for (const reply of replies) {
      it(`rejects ${JSON.stringify(reply)} as ${reason}`, () => {
        const verdict = checkReply(reply);
        expect(verdict.ok).toBe(false);
        expect(verdict.reasons).toContain(reason);
      });
    }
  }
});

describe("guard: legitimate open questions", () => {
  for (const reply of ACCEPT) {
    it(`accepts ${JSON.stringify(reply)}`, () => {
      expect(checkReply(reply)).toEqual({ ok: true, reasons: [] });
    });
  }
});

describe("guard: normalisation", () => {
  it("joins tokenizer-split contractions before checking", () => {
    expect(checkReply("Why do n't you call them?").reasons).toContain("suggestion_question");
  });

  it("strips Slack mentions and emoji but not the words around them", () => {
    expect(checkReply("<@U123> what did they say about timing? :thinking_face:").ok).toBe(true);
    expect(checkReply("<@U123> call them now :fire:").reasons).toContain("imperative");
  });

  it("still sees a tactic inside a short quote", () => {
    expect(checkReply('What did they mean by "20% off"?').reasons).toContain("quota_tactic");
  });

  it("treats a long quote as a draft", () => {
    expect(
      checkReply('What would they think of "thanks for your time today, we are happy to extend the offer"?')
        .reasons,
    ).toContain("content_generation");
  });

  it("splits sentences on terminal punctuation and line breaks", () => {
    expect(splitSentences("Who signs? Call them. Now!\nWhat next")).toEqual([
      "Who signs?",
      "Call them.",
      "Now!",
      "What next",
    ]);
  });
});

// A model writes more varied questions than the library: closed questions and suggestions behind a
// fronted clause, a conjunction or a second sentence (docs/guard.md). Each must name the reason given.
const MODEL_EVASIONS: Array<[GuardReason, string[]]> = [
  [
    "closed_question",
    [
      "When they said yes, did you believe them?",
      "Where they disagreed, did you push back?",
      "When it comes up, can you think of ways to raise it?",
      "When Globex said yes, did Dana mean it?",
      "What they said, do you believe it?",
      "If they balk, should you call the CFO?",
      "Given the silence, would it make sense to call them?",
      "Looking back, did they ever agree?",
      "Since they went quiet, have you tried calling the CFO?",
      "Who signs, and is the CFO aware?",
      "Who signs, is the CFO aware?",
      "Who signs and is the CFO aware?",
      "What do they need, and could a pilot give it to them?",
      "When they pushed back, did you hold firm, and what happened?",
      "What matters to them? Would a pilot help?",
      "What matters most to Globex: is it price?",
      "What matters most to Globex (is it price)?",
      "When they said yes — did you believe them?",
      "Which matters more to them, price or timing?",
    ],
  ],
  [
    "not_open_question",
    [
      "When they said yes did you believe them?",
      "When they said yes, you believed them?",
      "How they reacted, was that a surprise?",
    ],
  ],
  [
    "suggestion_question",
    [
      "What if you offered a pilot?",
      "What if a pilot were on the table?",
      "Given the delay, why not call the CFO?",
      "Given the delay, how about a pilot?",
      "What would win them over, a pilot?",
      "What would they say if you offered a pilot?",
      "What happens if you call the CFO?",
      "What do you think about calling the CFO?",
      "What would it look like to offer a pilot?",
      "What's stopping them from signing, the price?",
      "What would it mean to them, honestly, if you walked away?",
    ],
  ],
  ["leading_question", ["Have you tried a pilot?", "What matters to them? Have you offered a pilot?"]],
  ["presupposed_action", ["What would it take for you to close this by Friday?"]],
  ["performative_advice", ["What makes a pilot the right call here?"]],
  [
    "presupposed_action",
    ["What stops you from calling the CFO today?", "What prevents you from calling the CFO?"],
  ],
  ["persuasion", ["What's wrong with offering a pilot?", "Where's the risk in a quick call?"]],
  ["confrontation", ["How come you haven't called the CFO?"]],
  [
    "answer_or_diagnosis",
    [
      "That could work, but who decides?",
      "A pilot makes sense, so who signs?",
      "A pilot might help, what do you think?",
      "That's a fair point, so who decides?",
      "The real blocker's the COO, so who else matters?",
    ],
  ],
];

// Open questions with the same fronted clauses and commas: the fix must not cost these.
const MODEL_OPEN = [
  "When they said yes, what made you believe them?",
  "Where they disagreed, what did they push back on?",
  "When it comes up, what makes it hard to raise?",
  "When Globex said yes, who else was in the room?",
  "When exactly did they go quiet?",
  "Where in their process is your picture the blurriest?",
  "Which part, if any, did they push back on?",
  "What, do you think, made them hesitate?",
  "Who, in your view, would they listen to?",
  "When you called them, what did they say?",
  "What happens for Globex if this waits until next year?",
  "How do they talk about the value of solving this, in their own language?",
  // A possessive is not a verb: nothing is stated in front of the question.
  "In the customer's own words, what are they trying to get done?",
  "From Globex's side, what would change if this waited?",
];

describe("guard: model-style evasions", () => {
  for (const [reason, replies] of MODEL_EVASIONS) {
    for (const reply of replies) {
      it(`rejects ${JSON.stringify(reply)} as ${reason}`, () => {
        const verdict = checkReply(reply);
        expect(verdict.ok).toBe(false);
        expect(verdict.reasons).toContain(reason);
      });
    }
  }
  for (const reply of MODEL_OPEN) {
    it(`accepts ${JSON.stringify(reply)}`, () => {
      expect(checkReply(reply)).toEqual({ ok: true, reasons: [] });
    });
  }
});
