import type { DealFields } from "../coaching/deal.js";
import type { DealStore } from "../store/deal-types.js";
import { dealFields } from "./deal-fields.js";
import type { DealSource } from "./types.js";

// Which stored deal a deal-channel message is about: the CRM's own link to the deal record, as the
// HubSpot and Pipedrive Slack integrations post it and as reps paste it. A name alone is not enough:
// two deals may share one ("Acme renewal"), and a wrong deal's fields would ask about the wrong deal.

export interface DealRef {
  source: DealSource;
  dealId: string;
}

// app.hubspot.com (or app-eu1 ...) /contacts/<portal>/deal/<id> and the newer /contacts/<portal>/record/0-3/<id>
// (0-3 is HubSpot's object type id for deals); <company>.pipedrive.com/deal/<id>.
const LINKS: ReadonlyArray<readonly [DealSource, RegExp]> = [
  [
    "hubspot",
    /\bhttps?:\/\/app(?:-[a-z0-9]{1,8})?\.hubspot\.com\/contacts\/\d{1,20}\/(?:deal|record\/0-3)\/(\d{1,20})\b/gi,
  ],
  ["pipedrive", /\bhttps?:\/\/[a-z0-9-]{1,63}\.pipedrive\.com\/deal\/(\d{1,20})\b/gi],
];

/** A message linking many deals (a digest) is about none in particular: only the first few are looked up. */
const MAX_LOOKUPS = 3;

/** The deals a message links to, in order of appearance per CRM, without repeats. */
export function dealRefs(text: string): DealRef[] {
  const refs: DealRef[] = [];
  for (const [source, pattern] of LINKS) {
    for (const match of text.matchAll(pattern)) {
      const dealId = match[1] as string;
      if (!refs.some((r) => r.source === source && r.dealId === dealId)) refs.push({ source, dealId });
    }
  }
  return refs;
}

/** The fields of the first linked deal this team has, or undefined when it links none we know. */
export async function linkedDealFields(
  deals: Pick<DealStore, "teamDeal" | "dealHistory">,
  teamId: string,
  text: string,
  now: Date,
): Promise<DealFields | undefined> {
  for (const ref of dealRefs(text).slice(0, MAX_LOOKUPS)) {
    const state = await deals.teamDeal(teamId, ref.source, ref.dealId);
    if (state) return dealFields(state, await deals.dealHistory(ref.source, ref.dealId), now);
  }
  return undefined;
}
