import { z } from "zod";
import type { DealUpdate } from "../types.js";
import { present, type Stated, statedFields } from "./changes.js";
import { hmacSha256, outsideWindow, REPLAY_WINDOW_MS, safeEqual } from "./crypto.js";
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
import { hubspotProperty } from "./hubspot-properties.js";
import type { StageMap } from "./team-stage-map.js";
import { epochMsToUtc } from "./values.js";

export { enrichHubSpot, type HubSpotApiOptions, hubspotOwnerEmail } from "./hubspot-api.js";

// POST /webhooks/hubspot: the Webhooks API of a HubSpot app, batched arrays of deal.creation and
// deal.propertyChange events, signed with signature v3. Events carry only the deal id and the one changed
// property; enrichHubSpot reads the rest of the deal from the API when an access token is configured.

export const HUBSPOT_SIGNATURE_HEADER = "X-HubSpot-Signature-v3";
export const HUBSPOT_TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp";
export const MAX_HUBSPOT_EVENTS = 100;

export interface HubSpotVerifyOptions {
  /** The app's client secret (HUBSPOT_CLIENT_SECRET). */
  clientSecret: string | undefined;
  /**
   * The exact target URL configured in HubSpot (HUBSPOT_WEBHOOK_URL), which v3 signs. Without it the URL
   * is rebuilt from the Host header and the path as received, trying https then http: HubSpot calls HTTPS
   * URLs, but behind a TLS-terminating proxy the request arrives as plain http. Set it when a proxy
   * rewrites the host or the path.
   */
  publicUrl?: string;
}

/** The X-HubSpot-Signature-v3 value: base64 HMAC-SHA256 of method + URI + body + timestamp. */
export function signHubSpot(
  clientSecret: string,
  request: { method: string; uri: string; rawBody: Buffer | string; timestamp: string | number },
): string {
  const { method, uri, rawBody, timestamp } = request;
  return hmacSha256(
    clientSecret,
    method.toUpperCase(),
    decodeHubSpotUri(uri),
    rawBody,
    String(timestamp),
  ).toString("base64");
}

export function verifyHubSpot(req: WebhookRequest, options: HubSpotVerifyOptions, now: Date): VerifyResult {
  if (!options.clientSecret) {
    return unauthorized("HubSpot webhooks are not configured (HUBSPOT_CLIENT_SECRET is not set)");
  }
  const signature = header(req.headers, HUBSPOT_SIGNATURE_HEADER);
  const timestamp = header(req.headers, HUBSPOT_TIMESTAMP_HEADER);
  if (!signature) {
    return unauthorized(`missing ${HUBSPOT_SIGNATURE_HEADER} header (v1 and v2 signatures are not accepted)`);
  }
  if (!timestamp) return unauthorized(`missing ${HUBSPOT_TIMESTAMP_HEADER} header`);
  if (!/^\d{1,16}$/.test(timestamp))
    return unauthorized(`${HUBSPOT_TIMESTAMP_HEADER} must be epoch milliseconds`);
  // HubSpot asks to reject requests older than 5 minutes; a timestamp as far in the future is refused too.
  const skew = outsideWindow(Number(timestamp), now, REPLAY_WINDOW_MS);
  if (skew !== undefined) {
    return unauthorized(
      `stale timestamp: ${HUBSPOT_TIMESTAMP_HEADER} is ${Math.abs(skew)} s from server time (allowed: 300 s)`,
    );
  }
  const uris = signedUris(req, options.publicUrl);
  if (uris.length === 0) {
    return unauthorized("cannot rebuild the URL HubSpot signed (no Host header); set HUBSPOT_WEBHOOK_URL");
  }
  const method = req.method.toUpperCase();
  const matches = uris.map((uri) =>
    safeEqual(
      signature,
      signHubSpot(options.clientSecret as string, { method, uri, rawBody: req.rawBody, timestamp }),
    ),
  );
  if (!matches.includes(true)) {
    return unauthorized(
      `${HUBSPOT_SIGNATURE_HEADER} does not match; check HUBSPOT_CLIENT_SECRET, and set HUBSPOT_WEBHOOK_URL to the exact target URL if a proxy rewrites the host, scheme or path`,
    );
  }
  return verified;
}

function signedUris(req: WebhookRequest, publicUrl: string | undefined): string[] {
  if (publicUrl) return [publicUrl];
  const host = header(req.headers, "host");
  return host ? [`https://${host}${req.url}`, `http://${host}${req.url}`] : [];
}

// HubSpot decodes these escapes in the URI before signing (its v3 validation guide lists them).
const DECODED: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};

function decodeHubSpotUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

export interface HubSpotParseOptions {
  stageMap?: StageMap;
  /** Our HubSpot app id (HUBSPOT_APP_ID): a change made by this app comes back marked as an echo. */
  appId?: string | number;
}

const DEAL_EVENTS = new Set(["deal.creation", "deal.propertyChange"]);
const AnyEvent = z.object({ subscriptionType: z.string() });
const DealEvent = z.object({
  eventId: crmId,
  subscriptionType: z.string(),
  occurredAt: z.number().int("expected epoch milliseconds").min(0).max(8.64e15),
  objectId: crmId,
  propertyName: z.string().optional(),
  propertyValue: z.string().nullish(),
  changeSource: z.string().nullish(),
  sourceId: z.string().nullish(),
});
type DealEvent = z.infer<typeof DealEvent>;

/** A batch of events -> one update per deal event; other subscription types are skipped, not errors. */
export function parseHubSpot(rawBody: Buffer, options: HubSpotParseOptions = {}): ParseResult {
  const json = parseJsonBody(rawBody);
  if (!json.ok) return json;
  const body = json.value;
  if (!Array.isArray(body)) return badRequest("body: expected an array of HubSpot events");
  if (body.length > MAX_HUBSPOT_EVENTS) {
    return badRequest(`body: expected at most ${MAX_HUBSPOT_EVENTS} events per delivery, got ${body.length}`);
  }
  const events: [number, DealEvent][] = [];
  for (const [i, item] of body.entries()) {
    const any = AnyEvent.safeParse(item, { error: issueMessage });
    if (!any.success)
      return badRequest(formatIssues(any.error.issues.map((x) => ({ ...x, path: [i, ...x.path] }))));
    if (!DEAL_EVENTS.has(any.data.subscriptionType)) continue;
    const event = DealEvent.safeParse(item, { error: issueMessage });
    if (!event.success) {
      return badRequest(formatIssues(event.error.issues.map((x) => ({ ...x, path: [i, ...x.path] }))));
    }
    events.push([i, event.data]);
  }
  return catchBadRequest(() => ({ ok: true, updates: events.map(([i, e]) => toUpdate(e, i, options)) }));
}

function toUpdate(event: DealEvent, index: number, options: HubSpotParseOptions): DealUpdate {
  let stated: Stated = {};
  if (event.subscriptionType === "deal.propertyChange") {
    if (!event.propertyName)
      throw new BadField(`[${index}].propertyName`, "required for deal.propertyChange");
    const property = hubspotProperty(event.propertyName, event.propertyValue, options.stageMap ?? {});
    if (!property.ok) throw new BadField(`[${index}].propertyValue`, property.problem);
    stated = property.stated;
  }
  const owner = stated.owner;
  return {
    source: "hubspot",
    eventId: String(event.eventId),
    occurredAt: epochMsToUtc(event.occurredAt) as string,
    deal: { id: String(event.objectId), ...present(stated) },
    // A creation event states no field: the store recognises a new deal as the first update for its id.
    changedFields: statedFields(stated),
    ...(owner && { ownerRef: { crm: "hubspot" as const, id: owner } }),
    ...(isEcho(event, options.appId) && { echo: true }),
  };
}

/** HubSpot marks changes made through an app as INTEGRATION, with the app's id as the source id. */
function isEcho(event: DealEvent, appId: string | number | undefined): boolean {
  if (appId === undefined || event.changeSource !== "INTEGRATION" || !event.sourceId) return false;
  const app = String(appId);
  return event.sourceId === app || event.sourceId.endsWith(`:${app}`);
}
