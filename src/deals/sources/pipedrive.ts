import { z } from "zod";
import { mapStageLabel } from "../../coaching/stage-map.js";
import type { DealUpdate } from "../types.js";
import { changedFields, present, type Stated } from "./changes.js";
import { safeEqual } from "./crypto.js";
import {
  BadField,
  badRequest,
  catchBadRequest,
  crmId,
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
import type { StageMap } from "./team-stage-map.js";
import { epochMsToUtc, isCalendarDate, isDateTime, toUtc } from "./values.js";

export {
  type PipedriveApiOptions,
  pipedriveOwnerEmail,
  withPipedriveOwner,
} from "./pipedrive-api.js";

// POST /webhooks/pipedrive: Pipedrive webhooks v2 (meta / data / previous). Pipedrive does not sign
// webhooks; it sends the HTTP Basic credentials set when the webhook was created.

export interface PipedriveCredentials {
  /** PIPEDRIVE_WEBHOOK_USER */
  user: string | undefined;
  /** PIPEDRIVE_WEBHOOK_PASSWORD */
  password: string | undefined;
}

export function verifyPipedrive(
  req: WebhookRequest,
  credentials: PipedriveCredentials,
  _now: Date,
): VerifyResult {
  if (!credentials.user || !credentials.password) {
    return unauthorized(
      "Pipedrive webhooks are not configured (PIPEDRIVE_WEBHOOK_USER / _PASSWORD are not set)",
    );
  }
  const authorization = header(req.headers, "authorization");
  const match = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  if (!match?.[1]) return unauthorized("missing Authorization: Basic credentials");
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return unauthorized("malformed Basic credentials");
  // Both parts are always compared, so the answer's timing does not tell which one was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), credentials.user);
  const passwordOk = safeEqual(decoded.slice(colon + 1), credentials.password);
  return userOk && passwordOk ? verified : unauthorized("bad credentials");
}

export interface PipedriveParseOptions {
  stageMap?: StageMap;
  /**
   * The Pipedrive user whose API token Deal Coach writes with (PIPEDRIVE_API_USER_ID): a change made
   * through the API by that user comes back marked as an echo.
   */
  apiUserId?: string | number;
}

const Meta = z.object({
  action: z.string(),
  entity: z.string(),
  id: crmId.nullish(),
  entity_id: crmId.nullish(),
  timestamp: z.union([z.number(), z.string()], { error: "expected unix seconds or an RFC 3339 time" }),
  change_source: z.string().nullish(),
  user_id: crmId.nullish(),
});
const Deal = z.object({
  id: crmId.nullish(),
  title: z.string().nullish(),
  value: z.number().min(0, "must be 0 or more").nullish(),
  currency: z.string().nullish(),
  status: z.string().nullish(),
  stage_id: crmId.nullish(),
  owner_id: crmId.nullish(),
  expected_close_date: z.string().refine(isCalendarDate, "expected YYYY-MM-DD").nullish(),
  lost_reason: z.string().nullish(),
});
type Deal = z.infer<typeof Deal>;
const Envelope = z.object({ meta: Meta, data: Deal.nullish(), previous: Deal.nullish() });
type Envelope = z.infer<typeof Envelope>;

/** One delivery -> one update for a created or changed deal; any other entity or a deletion -> none. */
export function parsePipedrive(rawBody: Buffer, options: PipedriveParseOptions = {}): ParseResult {
  const json = parseJsonBody(rawBody);
  if (!json.ok) return json;
  const body = json.value as { meta?: { v?: unknown; entity?: unknown } } | null;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return badRequest("body: expected a Pipedrive webhook object with meta, data and previous");
  }
  if (body.meta && body.meta.entity === undefined && body.meta.v === 1) {
    return badRequest("meta: this is a webhooks v1 payload; create the Pipedrive webhook with version 2.0");
  }
  const meta = Meta.safeParse(body.meta, { error: issueMessage });
  if (!meta.success)
    return badRequest(formatIssues(meta.error.issues.map((x) => ({ ...x, path: ["meta", ...x.path] }))));
  if (meta.data.entity !== "deal" || meta.data.action === "delete") return { ok: true, updates: [] };
  const envelope = Envelope.safeParse(body, { error: issueMessage });
  if (!envelope.success) return badRequest(formatIssues(envelope.error.issues));
  return catchBadRequest(() => ({ ok: true, updates: [toUpdate(envelope.data, options)] }));
}

function toUpdate({ meta, data, previous }: Envelope, options: PipedriveParseOptions): DealUpdate {
  if (!data) throw new BadField("data", `required for a deal ${meta.action}`);
  const dealId = data.id ?? meta.entity_id;
  if (dealId === undefined || dealId === null) throw new BadField("data.id", "required");
  const stageMap = options.stageMap ?? {};
  const current = stated(data, stageMap);
  const before = previous ? stated(previous, stageMap) : undefined;
  const occurredAt = occurredAtOf(meta.timestamp);
  const echo =
    meta.change_source === "api" &&
    options.apiUserId !== undefined &&
    String(meta.user_id) === String(options.apiUserId);
  return {
    source: "pipedrive",
    eventId: eventIdOf(meta, String(dealId)),
    occurredAt,
    deal: { id: String(dealId), ...present(current) },
    ...(before && { previous: present(before) }),
    ...(data.status === "lost" && data.lost_reason && { note: data.lost_reason }),
    changedFields: changedFields(current, before),
    ...(current.owner && { ownerRef: { crm: "pipedrive" as const, id: current.owner } }),
    ...(echo && { echo: true }),
  };
}

/**
 * v2 documents meta.id as the id of the event itself (a UUID, the same on every retry attempt): the ideal
 * dedupe key. When it merely repeats the deal id, as in some written examples, it is not unique per
 * event, so the event time is added.
 */
function eventIdOf(meta: Envelope["meta"], dealId: string): string {
  const eventId = meta.id === undefined || meta.id === null ? undefined : String(meta.id);
  const entityId = meta.entity_id === undefined || meta.entity_id === null ? dealId : String(meta.entity_id);
  return eventId && eventId !== entityId ? eventId : `${entityId}:${meta.timestamp}`;
}

/** v2's guide shows an RFC 3339 string and calls it a 10-character (unix seconds) timestamp: take both. */
function occurredAtOf(timestamp: number | string): string {
  const t = typeof timestamp === "string" ? timestamp.trim() : timestamp;
  const numeric = typeof t === "number" ? t : /^\d{1,16}$/.test(t) ? Number(t) : undefined;
  const at =
    numeric !== undefined
      ? epochMsToUtc(numeric < 1e11 ? numeric * 1000 : numeric)
      : isDateTime(t as string)
        ? toUtc(t as string)
        : undefined;
  if (!at) throw new BadField("meta.timestamp", "expected unix seconds or an RFC 3339 time");
  return at;
}

function stated(deal: Deal, stageMap: StageMap): Stated {
  const out: Stated = {
    name: deal.title,
    amount: deal.value,
    currency: deal.currency,
    closeDate: deal.expected_close_date,
  };
  if (deal.status !== undefined) {
    // "deleted" (or anything new) is not a deal status Deal Coach coaches on.
    const s = deal.status;
    out.status = s === "open" || s === "won" || s === "lost" ? s : null;
  }
  if (deal.stage_id !== undefined) {
    // Pipedrive sends the stage's numeric id; it maps to a coach stage only through DEAL_STAGE_MAP.
    const label = deal.stage_id === null ? null : String(deal.stage_id);
    out.stageLabel = label;
    out.stage = label === null ? null : (mapStageLabel(label, stageMap) ?? null);
  }
  if (deal.owner_id !== undefined) out.owner = deal.owner_id === null ? null : String(deal.owner_id);
  return out;
}
