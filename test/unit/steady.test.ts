import { describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import type { Coacher } from "../../src/llm/coacher.js";
import { coachSteadily, weeklySteadily } from "../../src/llm/steady.js";
import { MARK, testCoacher } from "../support/coachers.js";
import { library } from "../support/library.js";

// The surfaces' hold on the coacher's promise: what it answers passes through untouched; a rejection, a
// synchronous throw or no answer within the patience gives the library's result, and says which.

const call = { situation: { text: "Globex went quiet after the pricing call" }, teamId: "T1" };
const weeklyInput = {
  library,
  week: { moved: [], slipped: [], quiet: [], noNo: [] },
  recentPromptIds: [],
  seed: "U1:2026-W48",
};

describe("coachSteadily", () => {
  it("passes a coacher's answer through as it is", async () => {
    const got = await coachSteadily(testCoacher({ delayMs: 20 }), library, call, 1000);
    expect(got.trouble).toBeUndefined();
    expect(got.value.source).toBe("llm");
    expect(got.value.questions.every((q) => q.text.includes(MARK))).toBe(true);
  });

  it("a rejection, or a throw before any promise, gives the library's guarded questions", async () => {
    const throwing: Coacher = {
      usesModel: true,
      coach: () => {
        throw new Error("sync");
      },
      weekly: () => {
        throw new Error("sync");
      },
    };
    for (const coacher of [testCoacher({ fails: "reject" }), throwing]) {
      const got = await coachSteadily(coacher, library, call, 1000);
      expect(got.trouble).toBe("rejected");
      expect(got.value.source).toBe("library");
      for (const q of got.value.questions) expect(checkReply(q.text).ok).toBe(true);
    }
    expect((await weeklySteadily(throwing, { input: weeklyInput, teamId: "T1" }, 1000)).trouble).toBe(
      "rejected",
    );
  });

  it("no answer within the patience: the library, at the patience and not later", async () => {
    const started = Date.now();
    const got = await coachSteadily(testCoacher({ fails: "hang" }), library, call, 200);
    const took = Date.now() - started;
    expect(got.trouble).toBe("slow");
    expect(got.value.questions.length).toBeGreaterThan(0);
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1000);
    const weekly = await weeklySteadily(
      testCoacher({ fails: "hang" }),
      { input: weeklyInput, teamId: "T1" },
      200,
    );
    expect(weekly.trouble).toBe("slow");
    expect(weekly.value.text).not.toContain(MARK);
  });
});
