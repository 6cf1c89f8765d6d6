import { z } from "zod";
import { CURRENCY_PATTERN, EMAIL_PATTERN, isCalendarDate, isDateTime } from "./values.js";

// The body of POST /webhooks/deals, Deal Coach's own format. schemas/deal-update.schema.json publishes the
// same rules as JSON Schema for senders; change both together (a unit test compares them on samples).
// Unknown fields are ignored (zod strips them), so senders can add fields without breaking anything.
// Optional fields also accept null, meaning "empty": a Salesforce Flow sends null for a blank field.

export const MAX_UPDATES = 100;

/** Our ids plus Salesforce's ForecastCategoryName labels, so a Flow can pass the field through as is. */
export const FORECAST_CATEGORIES = {
  pipeline: "pipeline",
  best_case: "best_case",
  commit: "commit",
  closed: "closed",
  omitted: "omitted",
  Pipeline: "pipeline",
  "Best Case": "best_case",
  Commit: "commit",
  Closed: "closed",
  Omitted: "omitted",
} as const;

const day = z.string().refine(isCalendarDate, "expected YYYY-MM-DD");
const dateTime = z
  .string()
  .refine(isDateTime, "expected an RFC 3339 date-time with a zone, like 2026-01-05T09:30:00Z");
const dayOrDateTime = z
  .string()
  .refine((v) => isCalendarDate(v) || isDateTime(v), "expected an RFC 3339 date-time or YYYY-MM-DD");
const nonEmpty = z.string().min(1, "must not be empty");

const fields = {
  name: nonEmpty,
  stage: nonEmpty,
  amount: z.number().min(0, "must be 0 or more"),
  currency: z.string().regex(new RegExp(CURRENCY_PATTERN), "expected a 3-letter ISO 4217 code like USD"),
  close_date: day,
  owner_email: z.string().regex(new RegExp(EMAIL_PATTERN), "expected an email address"),
  next_step: z.string(),
  last_activity_at: dayOrDateTime,
  forecast_category: z.enum(Object.keys(FORECAST_CATEGORIES) as [keyof typeof FORECAST_CATEGORIES]),
  discount_percent: z.number().min(0, "must be between 0 and 100").max(100, "must be between 0 and 100"),
  competitor: z.string(),
  contact_count: z.number().int("expected a whole number").min(0, "must be 0 or more"),
  status: z.enum(["open", "won", "lost"]),
};

/** `previous`: the same fields as they were, all optional. */
export const PreviousSchema = z.object({
  name: fields.name.nullish(),
  stage: fields.stage.nullish(),
  amount: fields.amount.nullish(),
  currency: fields.currency.nullish(),
  close_date: fields.close_date.nullish(),
  owner_email: fields.owner_email.nullish(),
  next_step: fields.next_step.nullish(),
  last_activity_at: fields.last_activity_at.nullish(),
  forecast_category: fields.forecast_category.nullish(),
  discount_percent: fields.discount_percent.nullish(),
  competitor: fields.competitor.nullish(),
  contact_count: fields.contact_count.nullish(),
  status: fields.status.nullish(),
});

export const DealSchema = PreviousSchema.extend({
  id: nonEmpty.max(255, "must be at most 255 characters"),
  name: fields.name,
  stage: fields.stage,
  owner_email: fields.owner_email,
});

export const UpdateSchema = z.object({
  event_id: nonEmpty.max(255, "must be at most 255 characters"),
  occurred_at: dateTime,
  deal: DealSchema,
  previous: PreviousSchema.nullish(),
  note: z.string().nullish(),
});

export type RawFields = z.infer<typeof PreviousSchema>;
export type RawUpdate = z.infer<typeof UpdateSchema>;
