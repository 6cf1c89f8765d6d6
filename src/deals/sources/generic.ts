import { mapStageLabel } from "../../coaching/stage-map.js";
import type { DealUpdate } from "../types.js";
import { changedFields, present, type Stated } from "./changes.js";
import { hmacSha256, outsideWindow, REPLAY_WINDOW_MS, safeEqual } from "./crypto.js";
import {
  BadField,
  badRequest,
  catchBadRequest,
  formatIssues,
  header,
  issueMessage,
  type ParseResult,
  parseJsonBody,
  unauthorized,
  type VerifyResult,
  verified,
  type WebhookRequest,
} from "./errors.js";
import {
  FORECAST_CATEGORIES,
  MAX_UPDATES,
  type RawFields,
  type RawUpdate,
  UpdateSchema,
} from "./generic-schema.js";
import { KNOWN_STAGES, type StageMap } from "./team-stage-map.js";
import { dayToUtc, isCalendarDate, toUtc } from "./values.js";

// POST /webhooks/deals: Deal Coach's own deal-update format, for Salesforce Flow HTTP callouts, Zapier and
// scripts. Signed like Slack signs its requests: HMAC-SHA256 over `timestamp + "." + raw body`.

export const DEALS_TIMESTAMP_HEADER = "X-Deal-Coach-Timestamp";
export const DEALS_SIGNATURE_HEADER = "X-Deal-Coach-Signature";

/** The X-Deal-Coach-Signature value for a body: `v1=<hex HMAC-SHA256>`. */
export function signDeals(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
  return `v1=${hmacSha256(secret, `${timestamp}.`, rawBody).toString("hex")}`;
}

export function verifyDeals(
  req: WebhookRequest,
  { secret }: { secret: string | undefined },
  now: Date,
): VerifyResult {
  if (!secret) return unauthorized("deal webhooks are not configured (DEAL_WEBHOOK_SECRET is not set)");
  const timestamp = header(req.headers, DEALS_TIMESTAMP_HEADER);
  const signature = header(req.headers, DEALS_SIGNATURE_HEADER);
  if (!timestamp) return unauthorized(`missing ${DEALS_TIMESTAMP_HEADER} header`);
  if (!signature) return unauthorized(`missing ${DEALS_SIGNATURE_HEADER} header`);
  if (!/^\d{1,12}$/.test(timestamp)) return unauthorized(`${DEALS_TIMESTAMP_HEADER} must be unix seconds`);
  const skew = outsideWindow(Number(timestamp) * 1000, now, REPLAY_WINDOW_MS);
  if (skew !== undefined) {
    return unauthorized(
      `stale timestamp: ${DEALS_TIMESTAMP_HEADER} is ${Math.abs(skew)} s from server time (allowed: 300 s)`,
    );
  }
  if (!/^v1=[0-9a-f]{64}$/i.test(signature)) {
    return unauthorized(`${DEALS_SIGNATURE_HEADER} must be v1=<hex HMAC-SHA256>`);
  }
  if (!safeEqual(signature.toLowerCase(), signDeals(secret, timestamp, req.rawBody))) {
    return unauthorized(
      `${DEALS_SIGNATURE_HEADER} does not match (HMAC-SHA256 of timestamp + "." + raw body, keyed with DEAL_WEBHOOK_SECRET)`,
    );
  }
  return verified;
}

/** One update or an array of 1 to 100, validated, normalised, stages mapped. */
export function parseDeals(rawBody: Buffer, options: { stageMap?: StageMap } = {}): ParseResult {
  const json = parseJsonBody(rawBody);
  if (!json.ok) return json;
  const body = json.value;
  const batch = Array.isArray(body);
  if (batch && (body.length === 0 || body.length > MAX_UPDATES)) {
    return badRequest(`body: expected 1 to ${MAX_UPDATES} updates per delivery, got ${body.length}`);
  }
  if (!batch && (body === null || typeof body !== "object")) {
    return badRequest(`body: expected an update object or an array of at most ${MAX_UPDATES}`);
  }
  const items: unknown[] = batch ? body : [body];
  const parsed: RawUpdate[] = [];
  for (const [i, item] of items.entries()) {
    const result = UpdateSchema.safeParse(item, { error: issueMessage });
    if (!result.success) {
      const prefix = batch ? [i] : [];
      return badRequest(
        formatIssues(result.error.issues.map((x) => ({ ...x, path: [...prefix, ...x.path] }))),
      );
    }
    parsed.push(result.data);
  }
  return catchBadRequest(() => ({
    ok: true,
    updates: parsed.map((raw, i) => toUpdate(raw, batch ? `[${i}].` : "", options.stageMap ?? {})),
  }));
}

function toUpdate(raw: RawUpdate, at: string, stageMap: StageMap): DealUpdate {
  const current = stated(raw.deal, stageMap);
  if (current.stage === null) {
    throw new BadField(
      `${at}deal.stage`,
      `unknown stage ${JSON.stringify(raw.deal.stage)}; use a stage id (${KNOWN_STAGES}) or map the label in DEAL_STAGE_MAP`,
    );
  }
  // An old label nobody mapped is no reason to refuse today's update: it stays as previous.stageLabel only.
  const previous = raw.previous ? stated(raw.previous, stageMap) : undefined;
  return {
    source: "deals",
    eventId: raw.event_id,
    occurredAt: toUtc(raw.occurred_at),
    deal: { id: raw.deal.id, ...present(current) },
    ...(previous && { previous: present(previous) }),
    ...(raw.note && { note: raw.note }),
    changedFields: changedFields(current, previous),
  };
}

/** Body fields in DealSnapshot terms; null stays null ("empty"), absent stays absent ("not said"). */
export function stated(raw: RawFields, stageMap: StageMap): Stated {
  const out: Stated = {
    name: raw.name,
    amount: raw.amount,
    currency: raw.currency,
    closeDate: raw.close_date,
    // Lower-cased so that the owner mapping (Slack lookup, /coach link) matches however the CRM cased it.
    ownerEmail: raw.owner_email ? raw.owner_email.toLowerCase() : raw.owner_email,
    nextStep: raw.next_step,
    discountPercent: raw.discount_percent,
    competitor: raw.competitor,
    contactCount: raw.contact_count,
    status: raw.status,
  };
  if (raw.stage !== undefined) {
    out.stageLabel = raw.stage;
    out.stage = raw.stage === null ? null : (mapStageLabel(raw.stage, stageMap) ?? null);
  }
  if (raw.last_activity_at !== undefined) {
    const at = raw.last_activity_at;
    out.lastActivityAt = at === null ? null : isCalendarDate(at) ? dayToUtc(at) : toUtc(at);
  }
  if (raw.forecast_category !== undefined) {
    const category = raw.forecast_category;
    out.forecastCategory = category === null ? null : FORECAST_CATEGORIES[category];
  }
  return out;
}
