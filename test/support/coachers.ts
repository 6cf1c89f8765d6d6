import type { CoachResult } from "../../src/coaching/coach.js";
import { type CoachCall, type Coacher, libraryCoacher, type WeeklyCall } from "../../src/llm/coacher.js";
import type { WeeklyPrompt } from "../../src/reflection/prompt.js";
import { library } from "./library.js";

// Coachers for testing the surfaces around the coacher: one that says it uses a model and answers after
// a delay, with questions marked so a test can tell them from the library's; one that rejects; one that
// never answers. Each records its calls and when it answered.

export const MARK = "Zorblax";

export interface TestCoacher extends Coacher {
  calls: CoachCall[];
  weeklyCalls: WeeklyCall[];
  /** Wall-clock ms at which each coach() call resolved (or rejected). */
  answeredAt: number[];
}

export interface TestCoacherOptions {
  usesModel?: boolean;
  /** ms before answering; a function is asked on each call (say slow once, then fast). */
  delayMs?: number | (() => number);
  fails?: "reject" | "hang";
  mark?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A library question, fitted the way a model would: the deal's own word put in (here, the mark). */
export const markedText = (mark: string, i: number) =>
  `What would ${mark} need to see from you before the next step${i > 0 ? ` (${i + 1})` : ""}?`;

export function testCoacher(opts: TestCoacherOptions = {}): TestCoacher {
  const plain = libraryCoacher(library);
  const mark = opts.mark ?? MARK;
  const delay = () => (typeof opts.delayMs === "function" ? opts.delayMs() : (opts.delayMs ?? 0));
  const calls: CoachCall[] = [];
  const weeklyCalls: WeeklyCall[] = [];
  const answeredAt: number[] = [];
  const fail = async (): Promise<never> => {
    if (opts.fails === "hang") await new Promise(() => undefined);
    throw new Error("test coacher broke its promise");
  };
  return {
    usesModel: opts.usesModel ?? true,
    calls,
    weeklyCalls,
    answeredAt,
    async coach(call): Promise<CoachResult> {
      calls.push(call);
      await sleep(delay());
      try {
        if (opts.fails) await fail();
        const result = await plain.coach(call);
        return {
          ...result,
          source: "llm",
          questions: result.questions.map((q, i) => ({ ...q, text: markedText(mark, i) })),
        };
      } finally {
        answeredAt.push(Date.now());
      }
    },
    async weekly(call): Promise<WeeklyPrompt> {
      weeklyCalls.push(call);
      await sleep(delay());
      if (opts.fails) await fail();
      const prompt = await plain.weekly(call);
      return { ...prompt, text: `What did ${mark} teach you about your deals this week?` };
    },
  };
}
