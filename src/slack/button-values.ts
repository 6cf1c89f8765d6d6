import { z } from "zod";
import { clip, LIMITS } from "./blocks/limits.js";

// What a button (or a modal's private_metadata) carries back to us, in one place (docs/block-kit.md): a
// zod schema with named fields for each kind, encode for the builders and decode for the listeners. Slack
// echoes the value untouched, so anything may come back: a value from an older version of the message
// (one-letter keys, still accepted so buttons already in Slack keep working), or a forged payload. decode
// never throws; it answers undefined and the listener says kindly that the button is out of date.
//
// Slack rejects a whole message whose button value is over 2000 characters (private_metadata: 3000), and
// clipping JSON would leave it unreadable, so encode fits the value instead: the one free-text field
// (the situation) is shortened until the JSON fits, and a value that can't fit is not encoded at all.

interface Codec<T> {
  /** The value as JSON within the limit; undefined when it cannot fit (the caller leaves the button out). */
  encode(value: T): string | undefined;
  /** The value a click brought back, in the current or the older shape; undefined when it is neither. */
  decode(raw: string | undefined): T | undefined;
}

function codec<T>(
  current: z.ZodType<T>,
  older: z.ZodType<T> | undefined,
  limit: number = LIMITS.buttonValue,
): Codec<T> {
  return {
    encode(value) {
      const checked = current.safeParse(value);
      if (!checked.success) return undefined;
      const json = JSON.stringify(checked.data);
      return json.length <= limit ? json : undefined;
    },
    decode(raw) {
      // Slack never sends more than it accepted; anything longer is not ours.
      if (!raw || raw.length > limit) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return undefined;
      }
      const now = current.safeParse(parsed);
      if (now.success) return now.data;
      const then = older?.safeParse(parsed);
      return then?.success ? then.data : undefined;
    },
  };
}

const ids = z.array(z.string().min(1).max(255)).max(25);

/** "Another angle": the situation to coach on again, its stage, and the themes already shown. */
export interface AngleValue {
  situation: string;
  stage: string | null;
  shownThemes: string[];
}
const angleSchema: z.ZodType<AngleValue> = z.object({
  situation: z.string(),
  stage: z.string().max(64).nullable(),
  shownThemes: z.array(z.string().max(64)).max(50),
});
const angleCodec = codec(
  angleSchema,
  z
    .object({ s: z.string(), g: z.string().nullable().optional(), x: z.array(z.string()).optional() })
    .transform((v) => ({ situation: v.s, stage: v.g ?? null, shownThemes: v.x ?? [] })),
);

/** Situation text kept in the button at most: room for the rest, and plenty to coach on again. */
export const MAX_SITUATION_IN_BUTTON = 1200;

export const angleValue = {
  /** Always fits: the situation is shortened (from MAX_SITUATION_IN_BUTTON down) until the JSON does. */
  encode(value: AngleValue): string | undefined {
    let keep = Math.min(value.situation.length, MAX_SITUATION_IN_BUTTON);
    for (;;) {
      const situation = clip(value.situation, keep);
      const json = angleCodec.encode({ ...value, situation });
      if (json !== undefined || keep === 0) return json;
      // A quote or a control character takes 2 to 6 characters in JSON: drop at least the overflow.
      const over = JSON.stringify({ ...value, situation }).length - LIMITS.buttonValue;
      if (over <= 0) return undefined; // refused for another reason (a stage or theme list not ours)
      keep = Math.max(0, keep - Math.max(1, over));
    }
  },
  decode: angleCodec.decode,
};

/** "Reflect": the questions the reflection is about. */
export interface ReflectValue {
  questions: string[];
}
export const reflectValue = codec<ReflectValue>(
  z.object({ questions: ids }),
  z.object({ q: ids }).transform((v) => ({ questions: v.q })),
);
/** The Reflect modal's private_metadata: the same questions. */
export const reflectMetadata = codec<ReflectValue>(
  z.object({ questions: ids }),
  z.object({ q: ids }).transform((v) => ({ questions: v.q })),
  LIMITS.privateMetadata,
);

/** A weekly prompt's buttons: the prompt and the ISO week it was sent for. */
export interface WeeklyValue {
  prompt: string;
  week: string;
}
export const weeklyValue = codec<WeeklyValue>(
  z.object({ prompt: z.string().max(255), week: z.string().max(16) }),
  z.object({ p: z.string(), w: z.string() }).transform((v) => ({ prompt: v.p, week: v.w })),
);

/** The weekly answer modal's private_metadata: prompt and week (when known) and the question asked. */
export interface WeeklyAnswerMetadata {
  prompt: string | null;
  week: string | null;
  question: string;
}
export const weeklyAnswerMetadata = codec<WeeklyAnswerMetadata>(
  z.object({
    prompt: z.string().max(255).nullable(),
    week: z.string().max(16).nullable(),
    question: z.string().max(500),
  }),
  z
    .object({
      p: z.string().nullable(),
      w: z.string().nullable(),
      q: z.string().optional(),
    })
    .transform((v) => ({ prompt: v.p ?? null, week: v.w ?? null, question: v.q ?? "" })),
  LIMITS.privateMetadata,
);

/** The situation modal's private_metadata: where /coach was typed, to answer there. */
export interface SituationMetadata {
  responseUrl: string;
  channel: string;
}
export const situationMetadata = codec<SituationMetadata>(
  z.object({ responseUrl: z.string().max(1000), channel: z.string().max(64) }),
  z
    .object({ r: z.string(), c: z.string().optional() })
    .transform((v) => ({ responseUrl: v.r, channel: v.c ?? "" })),
  LIMITS.privateMetadata,
);

/** The settings modal's private_metadata: the response_url of the /coach settings that opened it. */
export interface SettingsMetadata {
  responseUrl: string;
}
export const settingsMetadata = codec<SettingsMetadata>(
  z.object({ responseUrl: z.string().max(1000) }),
  z.object({ r: z.string() }).transform((v) => ({ responseUrl: v.r })),
  LIMITS.privateMetadata,
);

/** Approve / Decline on a link request: the e-mail and the rep who asked for it. */
export interface LinkRequestValue {
  email: string;
  userId: string;
}
const email = z.string().min(1).max(320);
const userId = z.string().min(1).max(64);
export const linkRequestValue = codec<LinkRequestValue>(
  z.object({ email, userId }),
  z.object({ e: email, u: userId }).transform((v) => ({ email: v.e, userId: v.u })),
);

/** Where a deal's updates come from, as nudges name it. */
export const DEAL_SOURCES = ["deals", "hubspot", "pipedrive", "slack"] as const;

/** Snooze / Mute under a nudge: the deal, by its source and its id there. */
export interface NudgeDealValue {
  source: (typeof DEAL_SOURCES)[number];
  dealId: string;
}
const source = z.enum(DEAL_SOURCES);
const dealId = z.string().min(1).max(1000);
export const nudgeDealValue = codec<NudgeDealValue>(
  z.object({ source, dealId }),
  z.object({ s: source, d: dealId }).transform((v) => ({ source: v.s, dealId: v.d })),
);
