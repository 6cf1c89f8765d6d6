import { z } from "zod";
import type { DealUpdate } from "../types.js";
import { present, type Stated } from "./changes.js";
import { CrmApiError, type CrmFetchOptions, getJson, trimSlash } from "./crm-fetch.js";
import { HUBSPOT_DEAL_PROPERTIES, hubspotProperty } from "./hubspot-properties.js";
import type { StageMap } from "./team-stage-map.js";

// With HUBSPOT_ACCESS_TOKEN, a HubSpot update is completed from the CRM API before coaching: the webhook
// names only the deal and one property, but a nudge needs the deal's name, stage and owner.

export const HUBSPOT_API_URL = "https://api.hubapi.com";

export interface HubSpotApiOptions extends CrmFetchOptions {
  /** A private app token or OAuth access token with crm.objects.deals.read and crm.objects.owners.read. */
  accessToken: string;
  /** HUBSPOT_API_URL; defaults to HubSpot's. */
  apiUrl?: string;
  stageMap?: StageMap;
}

const DealResponse = z.object({ properties: z.record(z.string(), z.string().nullish()) });
const OwnerResponse = z.object({ email: z.string().nullish() });

/**
 * Reads the deal (and its owner's email) and merges it under the update: what the event itself says wins,
 * since the API answers with the deal as it is now, which may already be past this event. Throws
 * CrmApiError on a timeout, an error status or an unexpected answer.
 */
export async function enrichHubSpot(update: DealUpdate, options: HubSpotApiOptions): Promise<DealUpdate> {
  const dealId = encodeURIComponent(update.deal.id);
  const path = `/crm/v3/objects/deals/${dealId}`;
  const body = await get(`${path}?properties=${HUBSPOT_DEAL_PROPERTIES.join(",")}`, path, options);
  const deal = DealResponse.safeParse(body);
  if (!deal.success)
    throw new CrmApiError(`HubSpot GET ${path} answered without deal properties`, 200, false);
  // A property the event itself states (or clears) is not taken from the API, together with everything
  // derived from it: an event moving the deal to "contractsent" must not pick up status "won" from a later
  // move to "closedwon" that the API already shows.
  const said = new Set([...Object.keys(update.deal), ...update.changedFields]);
  const fetched: Stated = {};
  for (const [name, value] of Object.entries(deal.data.properties)) {
    const property = hubspotProperty(name, value, options.stageMap ?? {});
    // A value HubSpot itself holds and we cannot read would fail every retry: leave that field out instead.
    if (!property.ok) continue;
    const fields = Object.keys(property.stated).map((f) => (f === "owner" ? "ownerEmail" : f));
    if (!fields.some((f) => said.has(f))) Object.assign(fetched, property.stated);
  }
  const ownerId = update.ownerRef?.id ?? fetched.owner ?? undefined;
  const ownerEmail = ownerId ? await hubspotOwnerEmail(ownerId, options) : undefined;
  return {
    ...update,
    deal: { ...present(fetched), ...update.deal, ...(ownerEmail && { ownerEmail }) },
    ...(ownerId && { ownerRef: { crm: "hubspot" as const, id: ownerId } }),
  };
}

/** GET /crm/v3/owners/{ownerId} -> the owner's email, lower-cased. */
export async function hubspotOwnerEmail(ownerId: string, options: HubSpotApiOptions): Promise<string> {
  const path = `/crm/v3/owners/${encodeURIComponent(ownerId)}`;
  const owner = OwnerResponse.safeParse(await get(path, path, options));
  if (!owner.success || !owner.data.email) {
    throw new CrmApiError(`HubSpot GET ${path} answered without an email`, 200, false);
  }
  return owner.data.email.toLowerCase();
}

function get(pathAndQuery: string, path: string, options: HubSpotApiOptions): Promise<unknown> {
  const url = `${trimSlash(options.apiUrl ?? HUBSPOT_API_URL)}${pathAndQuery}`;
  return getJson(url, `HubSpot GET ${path}`, { authorization: `Bearer ${options.accessToken}` }, options);
}
