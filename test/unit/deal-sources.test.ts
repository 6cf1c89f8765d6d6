import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CrmApiError } from "../../src/deals/sources/crm-fetch.js";
import type { ParseResult, WebhookRequest } from "../../src/deals/sources/errors.js";
import { parseDeals, signDeals, verifyDeals } from "../../src/deals/sources/generic.js";
import { DealSchema } from "../../src/deals/sources/generic-schema.js";
import {
  enrichHubSpot,
  hubspotOwnerEmail,
  parseHubSpot,
  signHubSpot,
  verifyHubSpot,
} from "../../src/deals/sources/hubspot.js";
import {
  parsePipedrive,
  pipedriveOwnerEmail,
  verifyPipedrive,
  withPipedriveOwner,
} from "../../src/deals/sources/pipedrive.js";
import { parseStageMap } from "../../src/deals/sources/team-stage-map.js";
import type { DealUpdate } from "../../src/deals/types.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import {
  type FakeHubSpot,
  type FakePipedrive,
  startFakeHubSpot,
  startFakePipedrive,
} from "../support/fake-crm.js";

// The three deal-update sources, each fed real-shaped payloads (the CRMs' documented examples), signed right and
// wrong, malformed and oversized; plus the CRM API reads against loopback fakes.

const NOW = new Date("2026-01-05T09:30:00Z");
const NOW_S = NOW.getTime() / 1000; // 1767605400, the examples' timestamp
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function request(rawBody: Buffer, headers: WebhookRequest["headers"], url = "/webhooks/x"): WebhookRequest {
  return { method: "POST", url, headers, rawBody };
}

function updates(result: ParseResult): DealUpdate[] {
  if (!result.ok) throw new Error(`expected ok, got 400: ${result.error}`);
  return result.updates;
}

function error(result: ParseResult): string {
  if (result.ok) throw new Error("expected a 400");
  expect(result.status).toBe(400);
  return result.error;
}

// ---------------------------------------------------------------------------------------------------------
// Generic deals

const SECRET = "deal-webhook-secret";

function dealUpdate(overrides: Record<string, unknown> = {}, deal: Record<string, unknown> = {}) {
  return {
    event_id: "sf-0061x00000AbCdE-17",
    occurred_at: "2026-01-05T10:29:00+01:00",
    deal: {
      id: "0061x00000AbCdE",
      name: "Acme - 200 seats",
      stage: "Negotiation/Review",
      amount: 48000,
      currency: "USD",
      close_date: "2026-02-27",
      owner_email: "Dana.Rep@Example.com",
      next_step: "Legal review with Priya",
      ...deal,
    },
    ...overrides,
  };
}

function signedDeals(body: Buffer, timestamp = NOW_S, secret = SECRET): WebhookRequest {
  return request(
    body,
    {
      "x-deal-coach-timestamp": String(timestamp),
      "x-deal-coach-signature": signDeals(secret, timestamp, body),
    },
    "/webhooks/deals",
  );
}

describe("generic deals: signature", () => {
  const body = json(dealUpdate());

  it("signs v1=<hex HMAC-SHA256 of timestamp.body> and accepts it", () => {
    const expected = createHmac("sha256", SECRET).update(`${NOW_S}.`).update(body).digest("hex");
    expect(signDeals(SECRET, NOW_S, body)).toBe(`v1=${expected}`);
    expect(verifyDeals(signedDeals(body), { secret: SECRET }, NOW)).toEqual({ ok: true });
  });

  it("reads headers case-insensitively and takes the first of repeated headers", () => {
    const signed = signedDeals(body);
    const headers = {
      "X-Deal-Coach-Timestamp": [String(NOW_S), "1"],
      "X-DEAL-COACH-SIGNATURE": signed.headers["x-deal-coach-signature"],
    };
    expect(verifyDeals({ ...signed, headers }, { secret: SECRET }, NOW).ok).toBe(true);
  });

  it("rejects a bad signature, a tampered body or another secret with 401", () => {
    const tampered = { ...signedDeals(body), rawBody: json(dealUpdate({ note: "x" })) };
    for (const req of [tampered, signedDeals(body, NOW_S, "other-secret")]) {
      const result = verifyDeals(req, { secret: SECRET }, NOW);
      expect(result).toMatchObject({
        ok: false,
        status: 401,
        error: expect.stringMatching(/does not match/),
      });
    }
    const malformed = signedDeals(body);
    malformed.headers["x-deal-coach-signature"] = "sha256=abc";
    expect(verifyDeals(malformed, { secret: SECRET }, NOW)).toMatchObject({
      status: 401,
      error: expect.stringMatching(/must be v1=/),
    });
  });

  it("allows 5 minutes of skew either way and rejects a stale or future timestamp", () => {
    for (const skew of [-299, 299]) {
      expect(verifyDeals(signedDeals(body, NOW_S + skew), { secret: SECRET }, NOW).ok).toBe(true);
    }
    for (const skew of [-301, 301, -86_400]) {
      expect(verifyDeals(signedDeals(body, NOW_S + skew), { secret: SECRET }, NOW)).toMatchObject({
        ok: false,
        status: 401,
        error: expect.stringMatching(/^stale timestamp/),
      });
    }
  });

  it("names the missing header, a non-numeric timestamp and an unset secret", () => {
    const noHeaders = request(body, {});
    expect(verifyDeals(noHeaders, { secret: SECRET }, NOW)).toMatchObject({
      status: 401,
      error: "missing X-Deal-Coach-Timestamp header",
    });
    const noSignature = request(body, { "x-deal-coach-timestamp": String(NOW_S) });
    expect(verifyDeals(noSignature, { secret: SECRET }, NOW)).toMatchObject({
      error: "missing X-Deal-Coach-Signature header",
    });
    const iso = signedDeals(body);
    iso.headers["x-deal-coach-timestamp"] = NOW.toISOString();
    expect(verifyDeals(iso, { secret: SECRET }, NOW)).toMatchObject({ error: /unix seconds/ });
    expect(verifyDeals(signedDeals(body), { secret: undefined }, NOW)).toMatchObject({
      status: 401,
      error: expect.stringMatching(/DEAL_WEBHOOK_SECRET/),
    });
  });
});

describe("generic deals: parsing", () => {
  it("maps one update to a DealUpdate: labels to stages, times to UTC, emails lower-cased", () => {
    expect(updates(parseDeals(json(dealUpdate({ note: "Legal pushed back on the DPA." }))))).toEqual([
      {
        source: "deals",
        eventId: "sf-0061x00000AbCdE-17",
        occurredAt: "2026-01-05T09:29:00.000Z",
        deal: {
          id: "0061x00000AbCdE",
          name: "Acme - 200 seats",
          stage: "negotiation",
          stageLabel: "Negotiation/Review",
          amount: 48000,
          currency: "USD",
          closeDate: "2026-02-27",
          ownerEmail: "dana.rep@example.com",
          nextStep: "Legal review with Priya",
        },
        note: "Legal pushed back on the DPA.",
        changedFields: [
          "name",
          "stage",
          "stageLabel",
          "amount",
          "currency",
          "closeDate",
          "ownerEmail",
          "nextStep",
        ],
      },
    ]);
  });

  it("maps every optional field, reading nulls as empty and Salesforce's forecast labels", () => {
    const body = dealUpdate(
      { note: null, previous: null },
      {
        last_activity_at: "2025-12-19",
        forecast_category: "Best Case",
        discount_percent: 15,
        competitor: "Globex",
        contact_count: 4,
        status: "open",
        currency: null,
        next_step: null,
      },
    );
    const [update] = updates(parseDeals(json(body)));
    expect(update?.deal).toEqual({
      id: "0061x00000AbCdE",
      name: "Acme - 200 seats",
      stage: "negotiation",
      stageLabel: "Negotiation/Review",
      amount: 48000,
      closeDate: "2026-02-27",
      ownerEmail: "dana.rep@example.com",
      lastActivityAt: "2025-12-19T00:00:00.000Z",
      forecastCategory: "best_case",
      discountPercent: 15,
      competitor: "Globex",
      contactCount: 4,
      status: "open",
    });
    expect(update?.note).toBeUndefined();
    expect(update?.previous).toBeUndefined();
  });

  it("lists only the fields that differ from previous as changed", () => {
    const body = dealUpdate({
      previous: { stage: "Proposal/Price Quote", close_date: "2026-01-30", amount: 48000, next_step: null },
    });
    const [update] = updates(parseDeals(json(body)));
    expect(update?.previous).toEqual({
      stage: "proposal",
      stageLabel: "Proposal/Price Quote",
      closeDate: "2026-01-30",
      amount: 48000,
    });
    // amount is the same; next_step went from empty to set; name etc. are not in previous, so not known to change.
    expect(update?.changedFields).toEqual(["stage", "stageLabel", "closeDate", "nextStep"]);
  });

  it("keeps an unmappable previous stage label instead of refusing the update", () => {
    const [update] = updates(parseDeals(json(dealUpdate({ previous: { stage: "Stage 9 (retired)" } }))));
    expect(update?.previous).toEqual({ stageLabel: "Stage 9 (retired)" });
    expect(update?.changedFields).toEqual(["stage", "stageLabel"]);
  });

  it("accepts GUIDE stage ids as they are", () => {
    const [update] = updates(parseDeals(json(dealUpdate({}, { stage: "closing" }))));
    expect(update?.deal.stage).toBe("closing");
  });

  it("rejects an unknown stage label with 400 naming it and listing the stage ids", () => {
    const message = error(parseDeals(json(dealUpdate({}, { stage: "Stage 7" }))));
    expect(message).toMatch(/^deal\.stage: unknown stage "Stage 7"/);
    expect(message).toMatch(/prospecting, discovery, .*closed_lost/);
    expect(message).toMatch(/DEAL_STAGE_MAP/);
  });

  it("applies DEAL_STAGE_MAP before the defaults", () => {
    const stageMap = parseStageMap("Stage 7=negotiation,Demo=discovery");
    const body = json([
      dealUpdate({}, { stage: "Stage 7" }),
      dealUpdate({ event_id: "e2" }, { stage: "Demo" }),
    ]);
    expect(updates(parseDeals(body, { stageMap })).map((u) => u.deal.stage)).toEqual([
      "negotiation",
      "discovery",
    ]);
    expect(updates(parseDeals(json(dealUpdate({}, { stage: "Demo" })))).map((u) => u.deal.stage)).toEqual([
      "solution",
    ]);
  });

  it("ignores unknown fields at every level", () => {
    const body = {
      ...dealUpdate({ previous: { stage: "Proposal", Probability: 60 } }),
      source_system: "sfdc",
    };
    (body.deal as Record<string, unknown>).Probability = 80;
    const [update] = updates(parseDeals(json(body)));
    expect(update?.deal).not.toHaveProperty("Probability");
    expect(JSON.stringify(update)).not.toMatch(/sfdc|Probability/);
  });

  it("rejects malformed JSON, an empty body and invalid UTF-8 with 400", () => {
    expect(error(parseDeals(Buffer.from('{"event_id": ')))).toMatch(/^body is not valid JSON/);
    expect(error(parseDeals(Buffer.from("")))).toMatch(/^body is empty/);
    expect(error(parseDeals(Buffer.from([0x7b, 0xff, 0x7d])))).toBe("body is not valid UTF-8");
    expect(error(parseDeals(json("just a string")))).toMatch(/^body: expected an update object/);
  });

  it("names the field of a schema violation", () => {
    expect(error(parseDeals(json(dealUpdate({}, { owner_email: "dana at example" }))))).toBe(
      "deal.owner_email: expected an email address",
    );
    expect(error(parseDeals(json(dealUpdate({}, { name: undefined }))))).toBe("deal.name: required");
    expect(error(parseDeals(json(dealUpdate({}, { amount: "48k" }))))).toMatch(
      /^deal\.amount: expected number, got the string "48k"/,
    );
    expect(error(parseDeals(json(dealUpdate({ occurred_at: "2026-01-05 09:30" }))))).toMatch(
      /^occurred_at: expected an RFC 3339 date-time/,
    );
    expect(error(parseDeals(json(dealUpdate({}, { status: "pending" }))))).toMatch(/^deal\.status: /);
    expect(error(parseDeals(json(dealUpdate({}, { discount_percent: 120 }))))).toMatch(
      /^deal\.discount_percent: must be between/,
    );
    expect(error(parseDeals(json(dealUpdate({ previous: { close_date: "30/01/2026" } }))))).toBe(
      "previous.close_date: expected YYYY-MM-DD",
    );
  });

  it("prefixes batch errors with the item's index", () => {
    const batch = [dealUpdate(), dealUpdate(), dealUpdate({}, { close_date: "2026-02-30" })];
    expect(error(parseDeals(json(batch)))).toBe("[2].deal.close_date: expected YYYY-MM-DD");
    const twoBad = [dealUpdate({ event_id: "" }, { contact_count: 2.5 })];
    expect(error(parseDeals(json(twoBad)))).toBe(
      "[0].event_id: must not be empty; [0].deal.contact_count: expected a whole number",
    );
  });

  it("accepts batches of 1 to 100 and refuses 0 or 101", () => {
    const batch = (n: number) => Array.from({ length: n }, (_, i) => dealUpdate({ event_id: `e${i}` }));
    expect(updates(parseDeals(json(batch(100)))).map((u) => u.eventId)).toHaveLength(100);
    expect(error(parseDeals(json(batch(101))))).toBe("body: expected 1 to 100 updates per delivery, got 101");
    expect(error(parseDeals(json([])))).toBe("body: expected 1 to 100 updates per delivery, got 0");
  });
});

describe("DEAL_STAGE_MAP", () => {
  it("reads JSON and Label=stage_id lists; unset or blank is empty", () => {
    expect(parseStageMap('{"Verbal Yes": "closing", "Stage 7": "Negotiation"}')).toEqual({
      "Verbal Yes": "closing",
      "Stage 7": "negotiation",
    });
    expect(parseStageMap(" Verbal Yes = closing , 4=negotiation,")).toEqual({
      "Verbal Yes": "closing",
      "4": "negotiation",
    });
    expect(parseStageMap(undefined)).toEqual({});
    expect(parseStageMap("  ")).toEqual({});
  });

  it("throws a clear Error for an unknown stage id or a malformed entry", () => {
    expect(() => parseStageMap("Verbal Yes=signed")).toThrow(
      /DEAL_STAGE_MAP: "Verbal Yes" maps to unknown stage "signed"; known stage ids: prospecting, .*closed_lost/,
    );
    expect(() => parseStageMap('{"a": "closing", "b": "nope"}')).toThrow(/"b" maps to unknown stage "nope"/);
    expect(() => parseStageMap("Verbal Yes")).toThrow(/"Verbal Yes" is not Label=stage_id/);
    expect(() => parseStageMap("{not json")).toThrow(/DEAL_STAGE_MAP: not valid JSON/);
    expect(() => parseStageMap('["closing"]')).toThrow(/expected a JSON object/);
    expect(() => parseStageMap('{"a": 3}')).toThrow(/"a" must map to a stage id string/);
    expect(() => parseStageMap("=closing")).toThrow(/empty label/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// schemas/deal-update.schema.json against the zod schema

type JsonSchema = Record<string, unknown>;
const schema = JSON.parse(
  readFileSync(`${PACKAGE_ROOT}/schemas/deal-update.schema.json`, "utf8"),
) as JsonSchema;

/**
 * A deliberately small JSON Schema 2020-12 validator: the keywords the published schema uses ($ref into
 * $defs, oneOf/anyOf, type, enum, required, properties, items, min/maxItems, min/maxLength, pattern,
 * minimum/maximum), with "date" and "date-time" formats asserted as a format-checking validator would.
 */
function validates(node: JsonSchema, value: unknown): boolean {
  const ref = node.$ref as string | undefined;
  if (
    ref &&
    !validates((schema.$defs as Record<string, JsonSchema>)[ref.replace("#/$defs/", "")] ?? {}, value)
  ) {
    return false;
  }
  const oneOf = node.oneOf as JsonSchema[] | undefined;
  if (oneOf && oneOf.filter((s) => validates(s, value)).length !== 1) return false;
  const anyOf = node.anyOf as JsonSchema[] | undefined;
  if (anyOf && !anyOf.some((s) => validates(s, value))) return false;
  const types = node.type === undefined ? undefined : ([] as unknown[]).concat(node.type);
  if (types && !types.some((t) => typeOf(value, t as string))) return false;
  if (node.enum && !(node.enum as unknown[]).includes(value)) return false;
  if (typeof value === "string") {
    if (typeof node.minLength === "number" && [...value].length < node.minLength) return false;
    if (typeof node.maxLength === "number" && [...value].length > node.maxLength) return false;
    if (typeof node.pattern === "string" && !new RegExp(node.pattern, "u").test(value)) return false;
    if (node.format === "date" && !realDay(value)) return false;
    if (node.format === "date-time" && (!realDay(value.slice(0, 10)) || Number.isNaN(Date.parse(value))))
      return false;
  }
  if (typeof value === "number") {
    if (typeof node.minimum === "number" && value < node.minimum) return false;
    if (typeof node.maximum === "number" && value > node.maximum) return false;
  }
  if (Array.isArray(value)) {
    if (typeof node.minItems === "number" && value.length < node.minItems) return false;
    if (typeof node.maxItems === "number" && value.length > node.maxItems) return false;
    if (node.items && !value.every((v) => validates(node.items as JsonSchema, v))) return false;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (node.required && !(node.required as string[]).every((k) => k in obj)) return false;
    const props = (node.properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, sub] of Object.entries(props)) if (key in obj && !validates(sub, obj[key])) return false;
  }
  return true;
}

function typeOf(value: unknown, type: string): boolean {
  if (type === "null") return value === null;
  if (type === "array") return Array.isArray(value);
  if (type === "object") return value !== null && typeof value === "object" && !Array.isArray(value);
  if (type === "integer") return Number.isInteger(value);
  return typeof value === type;
}

function realDay(s: string): boolean {
  const d = new Date(`${s.slice(0, 10)}T00:00:00Z`);
  return (
    /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s.slice(0, 10))
  );
}

describe("schemas/deal-update.schema.json", () => {
  const valid = dealUpdate();
  const samples: [string, unknown][] = [
    [
      "a minimal update",
      {
        event_id: "1",
        occurred_at: "2026-01-05T09:30:00Z",
        deal: { id: "d", name: "n", stage: "discovery", owner_email: "a@b.co" },
      },
    ],
    [
      "a full update",
      dealUpdate(
        { note: "n", previous: { stage: "Proposal", amount: 1, owner_email: null } },
        {
          status: "won",
          forecast_category: "commit",
          contact_count: 3,
          discount_percent: 0,
          competitor: "G",
          last_activity_at: "2026-01-04T17:00:00.5-05:00",
        },
      ),
    ],
    [
      "nulls for optional fields",
      dealUpdate(
        { note: null, previous: null },
        { amount: null, currency: null, close_date: null, status: null, forecast_category: null },
      ),
    ],
    ["unknown fields", { ...valid, extra: 1, deal: { ...valid.deal, Probability: 80 } }],
    ["a batch of 2", [valid, valid]],
    ["a batch of 100", Array.from({ length: 100 }, () => valid)],
    ["a batch of 101", Array.from({ length: 101 }, () => valid)],
    ["an empty batch", []],
    ["a string body", "update"],
    ["no event_id", { ...valid, event_id: undefined }],
    ["an empty event_id", { ...valid, event_id: "" }],
    ["a numeric event_id", { ...valid, event_id: 17 }],
    ["a 256-character deal id", dealUpdate({}, { id: "x".repeat(256) })],
    ["occurred_at without a zone", { ...valid, occurred_at: "2026-01-05T09:30:00" }],
    ["occurred_at on February 30th", { ...valid, occurred_at: "2026-02-30T09:30:00Z" }],
    ["no deal", { ...valid, deal: undefined }],
    ["no owner_email", dealUpdate({}, { owner_email: undefined })],
    ["a null owner_email", dealUpdate({}, { owner_email: null })],
    ["a bad email", dealUpdate({}, { owner_email: "dana@localhost" })],
    ["an empty name", dealUpdate({}, { name: "" })],
    ["a negative amount", dealUpdate({}, { amount: -1 })],
    ["a string amount", dealUpdate({}, { amount: "100" })],
    ["a lower-case currency", dealUpdate({}, { currency: "usd" })],
    ["close_date as a date-time", dealUpdate({}, { close_date: "2026-02-27T00:00:00Z" })],
    ["close_date on February 30th", dealUpdate({}, { close_date: "2026-02-30" })],
    ["last_activity_at as a date", dealUpdate({}, { last_activity_at: "2026-01-02" })],
    ["last_activity_at as text", dealUpdate({}, { last_activity_at: "yesterday" })],
    ["an unknown forecast category", dealUpdate({}, { forecast_category: "upside" })],
    ["a 101 % discount", dealUpdate({}, { discount_percent: 101 })],
    ["a fractional contact count", dealUpdate({}, { contact_count: 1.5 })],
    ["status pending", dealUpdate({}, { status: "pending" })],
    ["a previous with a bad date", dealUpdate({ previous: { close_date: "soon" } })],
    ["a previous that is a string", dealUpdate({ previous: "Proposal" })],
    ["a numeric note", dealUpdate({ note: 3 })],
  ];

  for (const [name, sample] of samples) {
    it(`agrees with the zod schema on ${name}`, () => {
      expect(validates(schema, sample)).toBe(parseDeals(json(sample)).ok);
    });
  }

  it("lists the same deal fields, with the same required ones", () => {
    const deal = (schema.$defs as Record<string, JsonSchema>).deal as JsonSchema;
    expect(Object.keys(deal.properties as object).sort()).toEqual(Object.keys(DealSchema.shape).sort());
    const required = Object.entries(DealSchema.shape)
      .filter(([, field]) => !field.safeParse(undefined).success)
      .map(([key]) => key);
    expect([...(deal.required as string[])].sort()).toEqual(required.sort());
    const previous = (schema.$defs as Record<string, JsonSchema>).previous as JsonSchema;
    expect(Object.keys(previous.properties as object).sort()).toEqual(
      Object.keys(DealSchema.shape)
        .filter((k) => k !== "id")
        .sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// HubSpot

const CLIENT_SECRET = "hubspot-client-secret";
const HUBSPOT_URL = "https://coach.example.com/webhooks/hubspot";
// The CRM's documented example delivery.
const HUBSPOT_EVENTS = [
  {
    eventId: 3001,
    subscriptionId: 77,
    portalId: 12345678,
    appId: 987654,
    occurredAt: 1767605399120,
    subscriptionType: "deal.propertyChange",
    attemptNumber: 0,
    objectId: 412,
    propertyName: "dealstage",
    propertyValue: "contractsent",
    changeSource: "CRM_UI",
    sourceId: "userId:555",
  },
  {
    eventId: 3002,
    subscriptionId: 78,
    portalId: 12345678,
    appId: 987654,
    occurredAt: 1767605399450,
    subscriptionType: "deal.propertyChange",
    attemptNumber: 0,
    objectId: 412,
    propertyName: "closedate",
    propertyValue: "1769904000000",
    changeSource: "CRM_UI",
    sourceId: "userId:555",
  },
];

function hubspotEvent(overrides: Record<string, unknown>) {
  return { ...HUBSPOT_EVENTS[0], ...overrides };
}

function signedHubSpot(body: Buffer, options: { uri?: string; timestampMs?: number; host?: string } = {}) {
  const timestamp = String(options.timestampMs ?? NOW.getTime());
  const uri = options.uri ?? HUBSPOT_URL;
  return request(
    body,
    {
      host: options.host ?? "coach.example.com",
      "x-hubspot-request-timestamp": timestamp,
      "x-hubspot-signature-v3": signHubSpot(CLIENT_SECRET, { method: "POST", uri, rawBody: body, timestamp }),
      "x-hubspot-signature": "v1-signature-ignored",
      "x-hubspot-signature-version": "v1",
    },
    "/webhooks/hubspot",
  );
}

describe("HubSpot: signature v3", () => {
  const body = json(HUBSPOT_EVENTS);
  const options = { clientSecret: CLIENT_SECRET, publicUrl: HUBSPOT_URL };

  it("signs base64(HMAC-SHA256(secret, method + uri + body + timestamp)) and accepts it", () => {
    const expected = createHmac("sha256", CLIENT_SECRET)
      .update(`POST${HUBSPOT_URL}${body.toString()}${NOW.getTime()}`)
      .digest("base64");
    const req = signedHubSpot(body);
    expect(req.headers["x-hubspot-signature-v3"]).toBe(expected);
    expect(verifyHubSpot(req, options, NOW)).toEqual({ ok: true });
  });

  it("without a public URL, rebuilds it from the Host header over https or http", () => {
    expect(verifyHubSpot(signedHubSpot(body), { clientSecret: CLIENT_SECRET }, NOW).ok).toBe(true);
    const overHttp = signedHubSpot(body, { uri: "http://coach.example.com/webhooks/hubspot" });
    expect(verifyHubSpot(overHttp, { clientSecret: CLIENT_SECRET }, NOW).ok).toBe(true);
    const otherHost = signedHubSpot(body, { uri: "https://elsewhere.example.com/webhooks/hubspot" });
    expect(verifyHubSpot(otherHost, { clientSecret: CLIENT_SECRET }, NOW)).toMatchObject({
      status: 401,
      error: expect.stringMatching(/HUBSPOT_WEBHOOK_URL/),
    });
    const { host: _host, ...noHost } = signedHubSpot(body).headers;
    expect(
      verifyHubSpot({ ...signedHubSpot(body), headers: noHost }, { clientSecret: CLIENT_SECRET }, NOW),
    ).toMatchObject({
      error: expect.stringMatching(/no Host header/),
    });
  });

  it("decodes the escapes HubSpot decodes before signing", () => {
    const req = signedHubSpot(body, { uri: "https://coach.example.com/webhooks/hubspot?portal=a:b" });
    const received = { ...req, url: "/webhooks/hubspot?portal=a%3Ab" };
    expect(verifyHubSpot(received, { clientSecret: CLIENT_SECRET }, NOW).ok).toBe(true);
  });

  it("rejects a wrong secret, a tampered body and another URL with 401", () => {
    const tampered = { ...signedHubSpot(body), rawBody: json([HUBSPOT_EVENTS[0]]) };
    const otherUrl = signedHubSpot(body, { uri: "https://coach.example.com/webhooks/other" });
    for (const req of [tampered, otherUrl]) {
      expect(verifyHubSpot(req, options, NOW)).toMatchObject({
        ok: false,
        status: 401,
        error: /does not match/,
      });
    }
    expect(verifyHubSpot(signedHubSpot(body), { ...options, clientSecret: "wrong" }, NOW).ok).toBe(false);
  });

  it("rejects a timestamp more than 5 minutes old (or ahead)", () => {
    for (const skewMs of [-300_001, 300_001]) {
      const req = signedHubSpot(body, { timestampMs: NOW.getTime() + skewMs });
      expect(verifyHubSpot(req, options, NOW)).toMatchObject({ status: 401, error: /^stale timestamp/ });
    }
    expect(
      verifyHubSpot(signedHubSpot(body, { timestampMs: NOW.getTime() - 299_000 }), options, NOW).ok,
    ).toBe(true);
  });

  it("requires the v3 headers and a configured secret", () => {
    const { "x-hubspot-signature-v3": _v3, ...v1Only } = signedHubSpot(body).headers;
    expect(verifyHubSpot({ ...signedHubSpot(body), headers: v1Only }, options, NOW)).toMatchObject({
      status: 401,
      error: "missing X-HubSpot-Signature-v3 header (v1 and v2 signatures are not accepted)",
    });
    const { "x-hubspot-request-timestamp": _t, ...noTimestamp } = signedHubSpot(body).headers;
    expect(verifyHubSpot({ ...signedHubSpot(body), headers: noTimestamp }, options, NOW)).toMatchObject({
      error: "missing X-HubSpot-Request-Timestamp header",
    });
    expect(verifyHubSpot(signedHubSpot(body), { clientSecret: "" }, NOW)).toMatchObject({
      error: expect.stringMatching(/HUBSPOT_CLIENT_SECRET/),
    });
  });
});

describe("HubSpot: parsing", () => {
  it("maps the documented delivery: stage ids through the stage map, epoch ms close dates to days", () => {
    expect(updates(parseHubSpot(json(HUBSPOT_EVENTS)))).toEqual([
      {
        source: "hubspot",
        eventId: "3001",
        occurredAt: "2026-01-05T09:29:59.120Z",
        deal: { id: "412", stage: "closing", stageLabel: "contractsent" },
        changedFields: ["stage", "stageLabel"],
      },
      {
        source: "hubspot",
        eventId: "3002",
        occurredAt: "2026-01-05T09:29:59.450Z",
        deal: { id: "412", closeDate: "2026-02-01" },
        changedFields: ["closeDate"],
      },
    ]);
  });

  it("maps each property it uses; a cleared one is changed but absent", () => {
    const change = (propertyName: string, propertyValue: string) =>
      updates(parseHubSpot(json([hubspotEvent({ propertyName, propertyValue })])))[0];
    expect(change("amount", "52000.50")).toMatchObject({
      deal: { amount: 52000.5 },
      changedFields: ["amount"],
    });
    expect(change("dealname", "Acme - 250 seats")).toMatchObject({ deal: { name: "Acme - 250 seats" } });
    expect(change("hs_next_step", "Send MSA")).toMatchObject({ deal: { nextStep: "Send MSA" } });
    expect(change("deal_currency_code", "eur")).toMatchObject({ deal: { currency: "EUR" } });
    expect(change("notes_last_updated", "1767600000000")).toMatchObject({
      deal: { lastActivityAt: "2026-01-05T08:00:00.000Z" },
    });
    expect(change("hubspot_owner_id", "555")).toMatchObject({
      deal: { id: "412" },
      ownerRef: { crm: "hubspot", id: "555" },
      changedFields: ["ownerEmail"],
    });
    expect(change("closedate", "")).toEqual(
      expect.objectContaining({ deal: { id: "412" }, changedFields: ["closeDate"] }),
    );
    expect(change("closedwon_reason", "budget")).toMatchObject({ deal: { id: "412" }, changedFields: [] });
  });

  it("derives won and lost from the closed stages", () => {
    const stage = (value: string) =>
      updates(parseHubSpot(json([hubspotEvent({ propertyValue: value })])))[0]?.deal;
    expect(stage("closedwon")).toEqual({
      id: "412",
      stage: "post_sale",
      stageLabel: "closedwon",
      status: "won",
    });
    expect(stage("closedlost")).toEqual({
      id: "412",
      stage: "closed_lost",
      stageLabel: "closedlost",
      status: "lost",
    });
  });

  it("keeps a custom pipeline stage id as the label, mapped only through DEAL_STAGE_MAP", () => {
    const body = json([hubspotEvent({ propertyValue: "90213457" })]);
    expect(updates(parseHubSpot(body))[0]).toMatchObject({
      deal: { id: "412", stageLabel: "90213457" },
      changedFields: ["stageLabel"],
    });
    const stageMap = parseStageMap("90213457=negotiation");
    expect(updates(parseHubSpot(body, { stageMap }))[0]?.deal.stage).toBe("negotiation");
  });

  it("turns deal.creation into an update with no stated fields and skips other subscription types", () => {
    const body = json([
      { eventId: 1, subscriptionType: "contact.creation", objectId: 9, occurredAt: 1767605399000 },
      { eventId: 2, subscriptionType: "deal.deletion", objectId: 412, occurredAt: 1767605399000 },
      { eventId: 3, subscriptionType: "contact.privacyDeletion" },
      {
        eventId: "4",
        subscriptionType: "deal.creation",
        objectId: "413",
        occurredAt: 1767605399000,
        portalId: 1,
      },
    ]);
    expect(updates(parseHubSpot(body))).toEqual([
      {
        source: "hubspot",
        eventId: "4",
        occurredAt: "2026-01-05T09:29:59.000Z",
        deal: { id: "413" },
        changedFields: [],
      },
    ]);
  });

  it("marks changes made by our own app as echoes", () => {
    const ours = json([hubspotEvent({ changeSource: "INTEGRATION", sourceId: "987654" })]);
    expect(updates(parseHubSpot(ours, { appId: 987654 }))[0]?.echo).toBe(true);
    expect(updates(parseHubSpot(ours))[0]?.echo).toBeUndefined();
    const theirs = json([hubspotEvent({ changeSource: "INTEGRATION", sourceId: "111" })]);
    expect(updates(parseHubSpot(theirs, { appId: 987654 }))[0]?.echo).toBeUndefined();
    expect(updates(parseHubSpot(json(HUBSPOT_EVENTS), { appId: 987654 }))[0]?.echo).toBeUndefined();
  });

  it("rejects malformed deliveries with 400 naming the field", () => {
    expect(error(parseHubSpot(Buffer.from("[{")))).toMatch(/^body is not valid JSON/);
    expect(error(parseHubSpot(json(HUBSPOT_EVENTS[0])))).toBe("body: expected an array of HubSpot events");
    expect(error(parseHubSpot(json([HUBSPOT_EVENTS[0], "event"])))).toBe(
      '[1]: expected object, got the string "event"',
    );
    expect(error(parseHubSpot(json([hubspotEvent({ objectId: undefined })])))).toBe("[0].objectId: required");
    expect(error(parseHubSpot(json([hubspotEvent({ occurredAt: "2026-01-05" })])))).toMatch(
      /^\[0\]\.occurredAt: expected number/,
    );
    expect(
      error(
        parseHubSpot(
          json([HUBSPOT_EVENTS[0], hubspotEvent({ propertyName: "closedate", propertyValue: "soon" })]),
        ),
      ),
    ).toBe("[1].propertyValue: closedate: expected epoch milliseconds or a date");
    expect(error(parseHubSpot(json([hubspotEvent({ propertyName: "amount", propertyValue: "lots" })])))).toBe(
      "[0].propertyValue: amount: expected a number",
    );
    expect(error(parseHubSpot(json([hubspotEvent({ propertyName: undefined })])))).toBe(
      "[0].propertyName: required for deal.propertyChange",
    );
  });

  it("accepts batches of up to 100 events and refuses 101", () => {
    const batch = (n: number) => Array.from({ length: n }, (_, i) => hubspotEvent({ eventId: i }));
    expect(updates(parseHubSpot(json(batch(100))))).toHaveLength(100);
    expect(error(parseHubSpot(json(batch(101))))).toBe(
      "body: expected at most 100 events per delivery, got 101",
    );
    expect(updates(parseHubSpot(json([])))).toEqual([]);
  });
});

describe("HubSpot: enrichment from the API (loopback fake)", () => {
  const accessToken = "pat-na1-fake";
  let hubspot: FakeHubSpot;
  beforeAll(async () => {
    hubspot = await startFakeHubSpot({ accessToken });
    hubspot.deals.set("412", {
      dealname: "Acme - 200 seats",
      dealstage: "closedwon",
      amount: "48000",
      closedate: "2026-03-31T00:00:00Z",
      hubspot_owner_id: "555",
      hs_next_step: "Kick-off call",
      notes_last_updated: "2026-01-02T15:04:05.000Z",
      deal_currency_code: "USD",
    });
    hubspot.deals.set("414", { dealname: "No owner", dealstage: "qualifiedtobuy" });
    hubspot.deals.set("415", { dealname: "Gone owner", hubspot_owner_id: "999" });
    hubspot.owners.set("555", { email: "Dana.Rep@Example.com", firstName: "Dana" });
  });
  afterAll(() => hubspot.close());
  const options = () => ({ accessToken, apiUrl: `${hubspot.url}/`, timeoutMs: 2000 });

  it("reads the deal and its owner's email; the event's own values win", async () => {
    const [stageEvent, closeEvent] = updates(parseHubSpot(json(HUBSPOT_EVENTS)));
    hubspot.calls.length = 0;
    const enriched = await enrichHubSpot(stageEvent as DealUpdate, options());
    expect(enriched).toEqual({
      source: "hubspot",
      eventId: "3001",
      occurredAt: "2026-01-05T09:29:59.120Z",
      deal: {
        id: "412",
        name: "Acme - 200 seats",
        // The API already shows closedwon; this event moved the deal to contractsent, without status.
        stage: "closing",
        stageLabel: "contractsent",
        amount: 48000,
        currency: "USD",
        closeDate: "2026-03-31",
        ownerEmail: "dana.rep@example.com",
        nextStep: "Kick-off call",
        lastActivityAt: "2026-01-02T15:04:05.000Z",
      },
      changedFields: ["stage", "stageLabel"],
      ownerRef: { crm: "hubspot", id: "555" },
    });
    expect(hubspot.calls).toEqual([
      {
        method: "GET",
        path: "/crm/v3/objects/deals/412",
        query: {
          properties:
            "dealname,dealstage,amount,closedate,hubspot_owner_id,hs_next_step,notes_last_updated,deal_currency_code",
        },
        authorization: `Bearer ${accessToken}`,
      },
      { method: "GET", path: "/crm/v3/owners/555", query: {}, authorization: `Bearer ${accessToken}` },
    ]);
    const close = await enrichHubSpot(closeEvent as DealUpdate, options());
    expect(close.deal).toMatchObject({ closeDate: "2026-02-01", stageLabel: "closedwon", status: "won" });
  });

  it("uses the event's owner over the API's, and skips the owner lookup when there is none", async () => {
    hubspot.owners.set("777", { email: "new.owner@example.com" });
    const [ownerChange] = updates(
      parseHubSpot(json([hubspotEvent({ propertyName: "hubspot_owner_id", propertyValue: "777" })])),
    );
    expect((await enrichHubSpot(ownerChange as DealUpdate, options())).deal.ownerEmail).toBe(
      "new.owner@example.com",
    );
    const [noOwner] = updates(
      parseHubSpot(json([hubspotEvent({ objectId: 414, propertyName: "dealname", propertyValue: "x" })])),
    );
    hubspot.calls.length = 0;
    const enriched = await enrichHubSpot(noOwner as DealUpdate, options());
    expect(enriched.deal).toEqual({
      id: "414",
      name: "x",
      stage: "qualification",
      stageLabel: "qualifiedtobuy",
    });
    expect(enriched.ownerRef).toBeUndefined();
    expect(hubspot.calls.map((c) => c.path)).toEqual(["/crm/v3/objects/deals/414"]);
  });

  it("throws a clear, non-retryable error for an unknown deal or owner", async () => {
    const unknownDeal = updates(parseHubSpot(json([hubspotEvent({ objectId: 999 })])))[0] as DealUpdate;
    await expect(enrichHubSpot(unknownDeal, options())).rejects.toMatchObject({
      name: "CrmApiError",
      message: expect.stringMatching(/^HubSpot GET \/crm\/v3\/objects\/deals\/999 answered 404/),
      status: 404,
      retryable: false,
    });
    const goneOwner = updates(parseHubSpot(json([hubspotEvent({ objectId: 415 })])))[0] as DealUpdate;
    await expect(enrichHubSpot(goneOwner, options())).rejects.toThrow(
      /HubSpot GET \/crm\/v3\/owners\/999 answered 404/,
    );
    await expect(hubspotOwnerEmail("555", { ...options(), accessToken: "wrong" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("throws a retryable error on a 500 and on a timeout", async () => {
    const update = updates(parseHubSpot(json(HUBSPOT_EVENTS)))[0] as DealUpdate;
    hubspot.failWith(500);
    try {
      const failure = enrichHubSpot(update, options());
      await expect(failure).rejects.toBeInstanceOf(CrmApiError);
      await expect(enrichHubSpot(update, options())).rejects.toMatchObject({
        message: expect.stringMatching(/answered 500/),
        retryable: true,
      });
    } finally {
      hubspot.failWith(undefined);
    }
    hubspot.delayMs = 500;
    try {
      await expect(enrichHubSpot(update, { ...options(), timeoutMs: 50 })).rejects.toMatchObject({
        message: "HubSpot GET /crm/v3/objects/deals/412 timed out after 50 ms",
        retryable: true,
      });
    } finally {
      hubspot.delayMs = 0;
    }
  });

  it("throws a retryable error when the API is unreachable", async () => {
    const update = updates(parseHubSpot(json(HUBSPOT_EVENTS)))[0] as DealUpdate;
    await expect(enrichHubSpot(update, { accessToken, apiUrl: "http://127.0.0.1:1" })).rejects.toMatchObject({
      message: expect.stringMatching(/^HubSpot GET \/crm\/v3\/objects\/deals\/412 failed: /),
      retryable: true,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Pipedrive

const PD_USER = "deal-coach";
const PD_PASSWORD = "s3cret:with:colons";
// The CRM's documented example delivery.
const PIPEDRIVE_CHANGE = {
  meta: {
    action: "change",
    entity: "deal",
    version: "2.0",
    company_id: 12882925,
    user_id: 18487521,
    id: 412,
    entity_id: 412,
    webhook_id: 99,
    webhook_owner_id: 18487521,
    permitted_user_ids: [18487521],
    attempt: 1,
    host: "acme.pipedrive.com",
    timestamp: 1767605400,
    change_source: "app",
  },
  data: {
    id: 412,
    title: "Acme - 200 seats",
    value: 48000,
    currency: "USD",
    status: "open",
    stage_id: 4,
    pipeline_id: 1,
    owner_id: 18487521,
    person_id: 3,
    org_id: 2,
    expected_close_date: "2026-02-27",
    add_time: "2025-11-02T09:30:00Z",
    update_time: "2026-01-05T09:30:00Z",
    custom_fields: {},
  },
  previous: { stage_id: 3 },
};

function pipedrive(
  meta: Record<string, unknown> = {},
  data: Record<string, unknown> = {},
  previous?: unknown,
) {
  return {
    meta: { ...PIPEDRIVE_CHANGE.meta, ...meta },
    data: { ...PIPEDRIVE_CHANGE.data, ...data },
    previous: previous === undefined ? PIPEDRIVE_CHANGE.previous : previous,
  };
}

function basic(user: string, password: string): WebhookRequest {
  const token = Buffer.from(`${user}:${password}`).toString("base64");
  return request(json(PIPEDRIVE_CHANGE), { authorization: `Basic ${token}` }, "/webhooks/pipedrive");
}

describe("Pipedrive: Basic auth", () => {
  const credentials = { user: PD_USER, password: PD_PASSWORD };

  it("accepts the configured user and password (a password may contain colons)", () => {
    expect(verifyPipedrive(basic(PD_USER, PD_PASSWORD), credentials, NOW)).toEqual({ ok: true });
  });

  it("rejects a wrong user or password, missing or non-Basic credentials with 401", () => {
    for (const req of [basic(PD_USER, "wrong"), basic("someone", PD_PASSWORD), basic("", "")]) {
      expect(verifyPipedrive(req, credentials, NOW)).toEqual({
        ok: false,
        status: 401,
        error: "bad credentials",
      });
    }
    const none = request(json(PIPEDRIVE_CHANGE), {});
    expect(verifyPipedrive(none, credentials, NOW)).toMatchObject({
      status: 401,
      error: /missing Authorization/,
    });
    const bearer = request(json(PIPEDRIVE_CHANGE), { authorization: "Bearer abc" });
    expect(verifyPipedrive(bearer, credentials, NOW)).toMatchObject({ status: 401 });
    const noColon = request(json(PIPEDRIVE_CHANGE), {
      authorization: `Basic ${Buffer.from("user").toString("base64")}`,
    });
    expect(verifyPipedrive(noColon, credentials, NOW)).toMatchObject({
      error: "malformed Basic credentials",
    });
  });

  it("refuses everything when no credentials are configured", () => {
    expect(verifyPipedrive(basic("", ""), { user: undefined, password: undefined }, NOW)).toMatchObject({
      status: 401,
      error: expect.stringMatching(/PIPEDRIVE_WEBHOOK_USER/),
    });
  });
});

describe("Pipedrive: parsing", () => {
  it("maps the documented deal change, with previous and the owner as a reference", () => {
    expect(updates(parsePipedrive(json(PIPEDRIVE_CHANGE)))).toEqual([
      {
        source: "pipedrive",
        // meta.id repeats the deal id here, so the event time makes it unique.
        eventId: "412:1767605400",
        occurredAt: "2026-01-05T09:30:00.000Z",
        deal: {
          id: "412",
          name: "Acme - 200 seats",
          stageLabel: "4",
          amount: 48000,
          currency: "USD",
          closeDate: "2026-02-27",
          status: "open",
        },
        previous: { stageLabel: "3" },
        changedFields: ["stageLabel"],
        ownerRef: { crm: "pipedrive", id: "18487521" },
      },
    ]);
  });

  it("maps stage ids through DEAL_STAGE_MAP", () => {
    const stageMap = parseStageMap("3=discovery,4=negotiation");
    const [update] = updates(parsePipedrive(json(PIPEDRIVE_CHANGE), { stageMap }));
    expect(update?.deal.stage).toBe("negotiation");
    expect(update?.previous).toEqual({ stage: "discovery", stageLabel: "3" });
    expect(update?.changedFields).toEqual(["stage", "stageLabel"]);
  });

  it("reads the documented v2 shape: a UUID event id, string ids and an RFC 3339 timestamp", () => {
    const body = pipedrive(
      {
        id: "9f1c2d3e-4b5a-6789-abcd-ef0123456789",
        entity_id: "412",
        user_id: "18487521",
        timestamp: "2026-01-05T09:30:00.250Z",
        correlation_id: "c0ffee00-0000-0000-0000-000000000000",
        is_bulk_edit: false,
        type: "general",
      },
      { status: "lost", lost_reason: "Went with Globex", owner_id: "18487521" },
      { status: "open", value: 50000 },
    );
    expect(updates(parsePipedrive(json(body)))[0]).toMatchObject({
      eventId: "9f1c2d3e-4b5a-6789-abcd-ef0123456789",
      occurredAt: "2026-01-05T09:30:00.250Z",
      deal: { status: "lost" },
      previous: { status: "open", amount: 50000 },
      note: "Went with Globex",
      changedFields: ["amount", "status"],
      ownerRef: { crm: "pipedrive", id: "18487521" },
    });
  });

  it("treats a create (previous null) as every stated field changed", () => {
    const [update] = updates(parsePipedrive(json(pipedrive({ action: "create" }, {}, null))));
    expect(update?.previous).toBeUndefined();
    expect(update?.changedFields).toEqual([
      "name",
      "stageLabel",
      "amount",
      "currency",
      "closeDate",
      "ownerEmail",
      "status",
    ]);
  });

  it("reports a cleared close date as changed", () => {
    const body = pipedrive({}, { expected_close_date: null }, { expected_close_date: "2026-02-27" });
    const [update] = updates(parsePipedrive(json(body)));
    expect(update?.deal.closeDate).toBeUndefined();
    expect(update?.changedFields).toEqual(["closeDate"]);
  });

  it("ignores other entities and deletions", () => {
    const person = {
      meta: { ...PIPEDRIVE_CHANGE.meta, entity: "person" },
      data: { id: 3, name: "Pat" },
      previous: null,
    };
    expect(updates(parsePipedrive(json(person)))).toEqual([]);
    expect(updates(parsePipedrive(json({ ...pipedrive({ action: "delete" }), data: null })))).toEqual([]);
  });

  it("marks API changes by our own user as echoes", () => {
    const body = json(pipedrive({ change_source: "api", user_id: 42 }));
    expect(updates(parsePipedrive(body, { apiUserId: "42" }))[0]?.echo).toBe(true);
    expect(updates(parsePipedrive(body, { apiUserId: 43 }))[0]?.echo).toBeUndefined();
    expect(updates(parsePipedrive(json(PIPEDRIVE_CHANGE), { apiUserId: 18487521 }))[0]?.echo).toBeUndefined();
  });

  it("rejects malformed deliveries with 400 naming the field", () => {
    expect(error(parsePipedrive(Buffer.from("{meta")))).toMatch(/^body is not valid JSON/);
    expect(error(parsePipedrive(json([PIPEDRIVE_CHANGE])))).toMatch(
      /^body: expected a Pipedrive webhook object/,
    );
    expect(error(parsePipedrive(json({ data: PIPEDRIVE_CHANGE.data })))).toBe("meta: required");
    expect(error(parsePipedrive(json(pipedrive({}, { value: "48k" }))))).toMatch(
      /^data\.value: expected number/,
    );
    expect(error(parsePipedrive(json(pipedrive({}, { expected_close_date: "27/02/2026" }))))).toBe(
      "data.expected_close_date: expected YYYY-MM-DD",
    );
    expect(error(parsePipedrive(json(pipedrive({ timestamp: "yesterday" }))))).toBe(
      "meta.timestamp: expected unix seconds or an RFC 3339 time",
    );
    expect(error(parsePipedrive(json(pipedrive({}, {}, { value: "x" }))))).toMatch(/^previous\.value: /);
    expect(error(parsePipedrive(json({ ...pipedrive(), data: null })))).toBe(
      "data: required for a deal change",
    );
    const v1 = {
      v: 1,
      meta: { v: 1, action: "updated", object: "deal", id: 412 },
      current: {},
      previous: {},
    };
    expect(error(parsePipedrive(json(v1)))).toMatch(
      /webhooks v1 payload; create the Pipedrive webhook with version 2\.0/,
    );
  });
});

describe("Pipedrive: owner email from the API (loopback fake)", () => {
  const apiToken = "pd-api-token-123";
  let fake: FakePipedrive;
  beforeAll(async () => {
    fake = await startFakePipedrive({ apiToken });
    fake.users.set("18487521", { name: "Dana Rep", email: "Dana.Rep@Example.com" });
    fake.users.set("7", { name: "No Email" });
  });
  afterAll(() => fake.close());
  const options = () => ({ apiToken, apiUrl: fake.url, timeoutMs: 2000 });

  it("reads GET /v1/users/{id} with the API token", async () => {
    fake.calls.length = 0;
    expect(await pipedriveOwnerEmail(18487521, options())).toBe("dana.rep@example.com");
    expect(fake.calls).toEqual([
      { method: "GET", path: "/v1/users/18487521", query: { api_token: apiToken }, authorization: undefined },
    ]);
    const [update] = updates(parsePipedrive(json(PIPEDRIVE_CHANGE)));
    expect((await withPipedriveOwner(update as DealUpdate, options())).deal.ownerEmail).toBe(
      "dana.rep@example.com",
    );
  });

  it("throws clear errors that never include the token", async () => {
    const failures = [
      [pipedriveOwnerEmail("404404", options()), /^Pipedrive GET \/v1\/users\/404404 answered 404/],
      [pipedriveOwnerEmail("7", options()), /^Pipedrive GET \/v1\/users\/7 answered without an email$/],
      [pipedriveOwnerEmail("18487521", { ...options(), apiToken: "wrong" }), /answered 401/],
    ] as const;
    for (const [failure, message] of failures) {
      const err = await failure.then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(CrmApiError);
      expect(err?.message).toMatch(message);
      expect(err?.message).not.toContain(apiToken);
      expect((err as CrmApiError).retryable).toBe(false);
    }
  });

  it("throws a retryable Error when the API answers 500", async () => {
    fake.failWith(500);
    try {
      await expect(pipedriveOwnerEmail("18487521", options())).rejects.toMatchObject({
        message: expect.stringMatching(/^Pipedrive GET \/v1\/users\/18487521 answered 500/),
        status: 500,
        retryable: true,
      });
    } finally {
      fake.failWith(undefined);
    }
  });
});
